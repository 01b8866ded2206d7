"""API plumbing: one error shape with stable codes, keyset pagination, the scoped viewset base."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework import permissions, viewsets
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from canlian.platform.errors import DomainError, NotFound
from canlian.platform.inputs import as_int
from canlian.platform.permissions import (  # noqa: F401  (re-exported: the views import them from here)
    BLANK_ALLOWED,
    HasCanlianPermission,
    refuse_blank_parameters,
    required_permission_for,
)

logger = logging.getLogger("canlian.api")

_DRF_CODES = {
    drf_exceptions.NotAuthenticated: "not_authenticated",
    drf_exceptions.AuthenticationFailed: "authentication_failed",
    drf_exceptions.PermissionDenied: "permission_denied",
    drf_exceptions.NotFound: "not_found",
    drf_exceptions.MethodNotAllowed: "method_not_allowed",
    drf_exceptions.NotAcceptable: "not_acceptable",
    drf_exceptions.UnsupportedMediaType: "unsupported_media_type",
    drf_exceptions.Throttled: "throttled",
    drf_exceptions.ParseError: "parse_error",
    drf_exceptions.ValidationError: "validation_failed",
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error is ``{"error": {"code", "message", "field"?, "details"?}}``."""
    request = context.get("request")
    request_id = getattr(getattr(request, "_request", request), "request_id", None)
    if isinstance(exc, DomainError):
        body = exc.as_dict()
        body["request_id"] = request_id
        return Response({"error": body}, status=exc.http_status)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        # An unexpected error: logged with its traceback, answered as the JSON error with the
        # request id (never Django's HTML page), the transaction rolled back.
        logger.exception("unexpected API error (request %s)", request_id, exc_info=exc)
        set_rollback()
        body = {"code": "server_error", "message": "An unexpected error occurred.", "request_id": request_id}
        return Response({"error": body}, status=500)
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    if isinstance(exc, drf_exceptions.ValidationError):
        message = "The input is not valid."
        body = {"code": code, "message": message, "details": response.data}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        body = {"code": code, "message": str(detail)}
    body["request_id"] = request_id
    headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}
    return Response({"error": body}, status=response.status_code, headers=headers)


def query_int(request: Any, name: str, *, low: int | None = None, high: int | None = None) -> int | None:
    """An integer query parameter (None when absent or blank); anything else is a 400 naming it."""
    return as_int(request.query_params.get(name), name, low=low, high=high, required=False)


class ScopedViewSet(viewsets.GenericViewSet):
    """The one base of every API viewset over region-owned rows. Reads only through ``visible()``:
    by default ``scoped_model.objects.for_user(user, permission of the action)``; a viewset whose
    rows come from a selector (which starts from ``for_user`` too) overrides ``visible()``.
    ``refine_queryset`` narrows (select_related, filters), never widens. ``get_object`` looks the id
    up in that queryset: out of scope, missing and malformed ids are all the same 404."""

    permission_classes = [permissions.IsAuthenticated, HasCanlianPermission]
    required_permission: str | None = None
    action_permissions: dict[str, str] = {}

    scoped_model: Any = None

    def action_permission(self) -> str | None:
        return required_permission_for(self, getattr(self, "action", None))

    def visible(self):  # type: ignore[no-untyped-def]
        return self.scoped_model.objects.for_user(self.request.user, self.action_permission())

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return self.refine_queryset(self.visible())

    def refine_queryset(self, queryset):  # type: ignore[no-untyped-def]
        """Hook for select_related/filters; it narrows, never widens, the scoped queryset."""
        return queryset

    def get_object(self):  # type: ignore[no-untyped-def]
        queryset = self.get_queryset()
        key = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        try:
            return queryset.get(**{self.lookup_field: key})
        except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
            raise NotFound() from exc


__all__ = ["HasCanlianPermission", "NotFound", "ScopedViewSet", "exception_handler"]


def api_error_page(request: Any, status: int, code: str, message: str) -> Any:
    """The JSON error for an /api/ URL Django itself answers (no route matched, a server error
    outside a view): the same shape as every API error, never an HTML page."""
    from django.http import JsonResponse

    body = {"code": code, "message": message, "request_id": getattr(request, "request_id", None)}
    return JsonResponse({"error": body}, status=status)
