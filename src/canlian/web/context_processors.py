from typing import Any

from django.http import HttpRequest

from canlian.web.navigation import nav_for, person_search_url


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None:
        return {"nav_sections": [], "nav_person_search": None}
    return {"nav_sections": nav_for(user, request.path), "nav_person_search": person_search_url(user)}
