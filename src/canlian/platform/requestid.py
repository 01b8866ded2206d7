"""Request id and client address of the current unit of work (request, job or command).

Audit rows carry the request id so that every row written by one request can be found together.
"""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.http import HttpRequest, HttpResponse

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("canlian_request_id", default="")
_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("canlian_client_ip", default=None)
_VALID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def current_request_id() -> str:
    rid = _request_id.get()
    if not rid:
        rid = "anon-" + uuid.uuid4().hex
        _request_id.set(rid)
    return rid


def current_client_ip() -> str | None:
    return _client_ip.get()


@contextmanager
def request_context(request_id: str, client_ip: str | None = None) -> Iterator[str]:
    token = _request_id.set(request_id)
    ip_token = _client_ip.set(client_ip)
    try:
        yield request_id
    finally:
        _request_id.reset(token)
        _client_ip.reset(ip_token)


class RequestIdMiddleware:
    """Takes X-Request-ID from a trusted proxy when well formed, otherwise makes one; echoes it back."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _VALID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
        with request_context(rid, request.META.get("REMOTE_ADDR")):
            response = self.get_response(request)
        response["X-Request-ID"] = rid
        return response
