from typing import Any

from django.http import HttpRequest

from canlian.web.navigation import nav_for


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"nav_sections": nav_for(user, request.path) if user is not None else []}
