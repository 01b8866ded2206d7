"""API plumbing: one error shape with stable codes, keyset pagination, the scoped viewset base."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions as drf_exceptions
from rest_framework import permissions, serializers, viewsets
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from canlian.platform import api_schema  # noqa: F401  (registers the schema's field extensions)
from canlian.platform.errors import DomainError, MalformedInput, NotFound, ValidationFailed, api_status_of
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


#: DRF error codes of a value that fits the schema but is refused: it names an object that does not
#: exist (or is out of scope), collides with existing data, or breaks a rule the schema cannot state
#: (a serializer raises ``ValidationError(..., code="refused")`` for such a rule). Answered 422.
REFUSAL_CODES = frozenset(
    {
        "does_not_exist",
        "unique",
        "unique_together",
        "unique_for_date",
        "unique_for_month",
        "unique_for_year",
        "refused",
    }
)


def _leaf_codes(codes: Any, key: str | None = None) -> list[tuple[str | None, str]]:
    if isinstance(codes, Mapping):
        return [leaf for k, v in codes.items() for leaf in _leaf_codes(v, str(k))]
    if isinstance(codes, list | tuple):
        return [leaf for v in codes for leaf in _leaf_codes(v, key)]
    return [(key, str(codes))]


def validation_status(exc: drf_exceptions.ValidationError, request: Any) -> int:
    """400 when any field does not fit its schema (required, blank, a wrong type, out of range, not
    a choice); 422 when every error is a refusal of a well-formed request: a REFUSAL_CODES code, or a
    serializer-wide rule (``non_field_errors``) over a body that is an object (decision 0004)."""
    body_is_object = isinstance(getattr(request, "data", None), Mapping) if request is not None else False
    leaves = _leaf_codes(exc.get_codes())
    if leaves and all(
        code in REFUSAL_CODES or (key == api_settings.NON_FIELD_ERRORS_KEY and body_is_object)
        for key, code in leaves
    ):
        return 422
    return 400


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error is ``{"error": {"code", "message", "field"?, "details"?}}``."""
    request = context.get("request")
    request_id = getattr(getattr(request, "_request", request), "request_id", None)
    if isinstance(exc, DomainError):
        body = exc.as_dict()
        body["request_id"] = request_id
        return Response({"error": body}, status=api_status_of(exc))
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
        response.status_code = validation_status(exc, request)
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        body = {"code": code, "message": str(detail)}
    body["request_id"] = request_id
    headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}
    return Response({"error": body}, status=response.status_code, headers=headers)


def query_int(request: Any, name: str, *, low: int | None = None, high: int | None = None) -> int | None:
    """An integer query parameter (None when absent or blank); anything else is a 400 naming it.
    Declare it with the same range (``id_filter``/``year_filter``) so the schema says what is read."""
    try:
        return as_int(request.query_params.get(name), name, low=low, high=high, required=False)
    except ValidationFailed as exc:
        raise MalformedInput(exc.message, field=exc.field, details=exc.details) from exc


# Declared query parameters. A viewset's filters are a ``serializers.Serializer`` built from these
# fields: ``@extend_schema(parameters=[TheFilters])`` puts each one in the schema with its real
# constraints (pattern, format, range, enum) and ``read_query(request, TheFilters)`` parses them,
# so what the schema allows is exactly what the view accepts. A value that fits names nothing
# harmful: an unknown region code or id within its pattern or range is an empty list, never a 400.

#: A region code (or code prefix): 2 to 12 digits, as every region filter reads it.
REGION_CODE_PATTERN = r"^[0-9]{2,12}$"
#: A month as YYYY-MM.
MONTH_PATTERN = r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$"
#: Ids are positive 64-bit integers (BigAutoField).
ID_MAX = 2**63 - 1


def region_filter(help_text: str = "Region code (prefix), 2–12 digits", **kwargs: Any) -> serializers.Field:
    return serializers.RegexField(REGION_CODE_PATTERN, required=False, help_text=help_text, **kwargs)


def month_filter(help_text: str = "YYYY-MM", **kwargs: Any) -> serializers.Field:
    return serializers.RegexField(MONTH_PATTERN, required=False, help_text=help_text, **kwargs)


def id_filter(help_text: str = "", **kwargs: Any) -> serializers.Field:
    return serializers.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, help_text=help_text, **kwargs
    )


def year_filter(help_text: str = "", **kwargs: Any) -> serializers.Field:
    return serializers.IntegerField(
        required=False, min_value=2000, max_value=2100, help_text=help_text, **kwargs
    )


def choice_filter(choices: Any, help_text: str = "", **kwargs: Any) -> serializers.Field:
    return serializers.ChoiceField(choices=choices, required=False, help_text=help_text, **kwargs)


def date_filter(help_text: str = "YYYY-MM-DD", **kwargs: Any) -> serializers.Field:
    return serializers.DateField(required=False, help_text=help_text, **kwargs)


def text_filter(help_text: str = "", max_length: int = 100, **kwargs: Any) -> serializers.Field:
    return serializers.CharField(required=False, max_length=max_length, help_text=help_text, **kwargs)


class TextField(serializers.CharField):
    """A body's text field that takes text only: DRF's CharField turns 12 or true into "12" and
    "True", which the schema (``type: string``) does not allow; a non-string is a 400."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "format": "binary", "minLength": 1})
class UploadField(serializers.FileField):
    """An uploaded file, never empty: the schema says so (``minLength: 1``), and an empty file is
    refused as a request the domain cannot use, a 422 naming the field, rather than DRF's 400
    (decision 0004). (The schema's bound also keeps generated requests from sending an empty part,
    which Werkzeug's test encoder writes without the line break before the next boundary, so the
    part is lost and the request would read as one without the file.)"""

    default_error_messages = {"refused_empty": _("The submitted file is empty.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs["allow_empty_file"] = True
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if not getattr(value, "size", 0):
            raise serializers.ValidationError(self.error_messages["refused_empty"], code="refused")
        return value


def read_query(request: Any, filters: type[serializers.Serializer]) -> dict[str, Any]:
    """The declared query parameters, parsed (absent ones left out); a value that does not fit its
    declaration is a 400 naming the parameter."""
    parsed = filters(data=request.query_params)
    if not parsed.is_valid():
        field = next(iter(parsed.errors))
        first = parsed.errors[field][0] if isinstance(parsed.errors[field], list) else parsed.errors[field]
        raise MalformedInput(f"{field}: {first}", field=field, details=parsed.errors)
    return {k: v for k, v in parsed.validated_data.items() if v not in ("", None)}


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
