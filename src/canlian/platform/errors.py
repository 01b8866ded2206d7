"""Typed errors with stable codes.

Actions raise these; they are mapped once to API problem responses (``platform.api``), to form errors
and page messages (views), and to a non-zero exit with a readable message (commands).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class RowError:
    """One rejected input row: where (row number, field), why, and the value seen."""

    row: int | None
    field: str | None
    message: str
    value: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: (str(v) if v is not None else None) for k, v in asdict(self).items()}

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(str(_("row %(row)s") % {"row": self.row}))
        if self.field:
            where.append(str(self.field))
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else str(self.message)


class DomainError(Exception):
    """Base of every expected error. ``code`` is stable and documented; ``message`` is translated."""

    code = "error"
    http_status = 400
    #: The API's status when it differs from ``http_status`` (None: see ``api_status_of``).
    api_status: int | None = None
    default_message = _("The request could not be completed.")

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        field: str | None = None,
        details: Any = None,
    ) -> None:
        self.message = str(message if message is not None else self.default_message)
        if code:
            self.code = code
        self.field = field
        self.details = details
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.details is not None:
            body["details"] = self.details
        return body


class ValidationFailed(DomainError):
    code = "validation_failed"
    default_message = _("The input is not valid.")

    def __init__(self, message: Any = None, *, errors: list[RowError] | None = None, **kwargs: Any) -> None:
        self.errors = list(errors or [])
        if message is None and self.errors:
            first = self.errors[0]
            message = (
                str(first)
                if len(self.errors) == 1
                else _("%(count)s rows were rejected; first: %(first)s")
                % {"count": len(self.errors), "first": first}
            )
        super().__init__(message, **kwargs)
        if self.errors and self.details is None:
            self.details = [e.as_dict() for e in self.errors]


class MalformedInput(ValidationFailed):
    """The request does not fit its schema (a parameter or field of the wrong shape: a blank value,
    a number out of its declared range, a date that is not a date). The API answers 400; every other
    ``ValidationFailed`` is a well-formed request the domain refuses, answered 422
    (docs/decisions/0004-api-refusal-status.md)."""

    api_status = 400


class NotFound(DomainError):
    """Missing, or outside the user's scope: the two are deliberately indistinguishable."""

    code = "not_found"
    http_status = 404
    default_message = _("Not found.")


class PermissionDenied(DomainError):
    code = "permission_denied"
    http_status = 403
    default_message = _("You do not have permission to do this.")


class Conflict(DomainError):
    code = "conflict"
    http_status = 409
    default_message = _("This conflicts with existing data.")


class RateLimited(DomainError):
    """Allowed, but not this often (a daily limit on sensitive exports)."""

    code = "rate_limited"
    http_status = 429
    default_message = _("Too many requests of this kind today; try again tomorrow.")


class InvalidState(DomainError):
    code = "invalid_state"
    http_status = 409
    default_message = _("This is not possible in the object's current state.")


def api_status_of(exc: DomainError) -> int:
    """The API's status for a typed error: 400 only for a request that does not fit its schema
    (``MalformedInput``); a refusal by the domain (``ValidationFailed`` and the other 400-class
    errors raised by actions) is 422, "well-formed but refused"; 403, 404, 409, 429 as declared."""
    if exc.api_status is not None:
        return exc.api_status
    return 422 if exc.http_status == 400 else exc.http_status


class DomainErrorMiddleware:
    """Turns a DomainError escaping a page view into a 404, a 403 or a message on the previous page."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, NotFound):
            raise Http404(exception.message)
        if isinstance(exception, PermissionDenied):
            from django.core.exceptions import PermissionDenied as DjangoPermissionDenied

            raise DjangoPermissionDenied(exception.message)
        if isinstance(exception, DomainError):
            messages.error(request, exception.message)
            return redirect(safe_back_url(request))
        return None


def safe_back_url(request: HttpRequest) -> str:
    """The previous page (Referer) when it is on this site, else the current path: a Referer is
    attacker-controlled, and redirecting to it unchecked is an open redirect."""
    from django.utils.http import url_has_allowed_host_and_scheme

    referer = request.headers.get("Referer") or ""
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return request.path
