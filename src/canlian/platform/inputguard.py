"""Refuse input no field can hold before any view sees it: a NUL byte (``%00``) in a query or form
parameter's name or value. PostgreSQL cannot store it and Python's parsers choke on it; the answer
is a 400 naming the parameter (the API's JSON error with the request id, a plain page elsewhere).
A form body that cannot be parsed (a broken multipart boundary) is a 400 the same way."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _


def _bad_parameter(request: HttpRequest) -> str | None:
    if "\x00" in request.path:
        return "path"
    sources = [request.GET]
    if request.method == "POST":
        sources.append(request.POST)  # parsed once, kept for the view (uploads stay in FILES)
    for params in sources:
        for key, values in params.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                return key.replace("\x00", "")
    return None


class InputGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            field = _bad_parameter(request)
        except MultiPartParserError:
            field = "body"
            message = _("The request body cannot be read (a malformed multipart form).")
        else:
            if field is None:
                return self.get_response(request)
            message = _("The parameter %(name)s holds a NUL character.") % {"name": field}
        if request.path.startswith("/api/"):
            body = {
                "code": "validation_failed",
                "message": message,
                "field": field,
                "request_id": getattr(request, "request_id", None),
            }
            return JsonResponse({"error": body}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
