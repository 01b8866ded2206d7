"""Page view plumbing: every page declares ``required_permission`` (None = any signed-in user);
the generic authorization suite reads that attribute for every route."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.views import View

from canlian.platform.errors import DomainError, NotFound


class CanlianView(LoginRequiredMixin, View):
    required_permission: str | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.required_permission and not request.user.has_canlian_perm(self.required_permission):
            raise DjangoPermissionDenied()
        return super().dispatch(request, *args, **kwargs)


def form_error_from(form: Any, exc: DomainError) -> None:
    """Attach a domain error to the form field it names (or to the form)."""
    field = exc.field if exc.field in getattr(form, "fields", {}) else None
    form.add_error(field, exc.message)


def flash_error(request: HttpRequest, exc: DomainError) -> None:
    if isinstance(exc, NotFound):
        raise exc
    messages.error(request, exc.message)


def paginate(request: HttpRequest, queryset: Any, per_page: int = 50) -> Any:
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))
