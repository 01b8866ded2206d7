"""The page-side mapping of domain errors: a refused action returns to the previous page only when
that page is on this site (a Referer is attacker-controlled: no open redirect)."""

from __future__ import annotations

from django.test import RequestFactory

from canlian.platform.errors import DomainErrorMiddleware, InvalidState


def _respond(referer: str | None, secure: bool = False):
    factory = RequestFactory()
    extra = {"HTTP_REFERER": referer} if referer is not None else {}
    request = factory.post("/programs/cycles/7/approve/", secure=secure, **extra)
    request._messages = type("M", (), {"add": lambda *a, **k: None})()  # no message storage needed
    middleware = DomainErrorMiddleware(lambda r: None)
    return middleware.process_exception(request, InvalidState("no"))


def test_back_to_a_page_of_this_site():
    response = _respond("http://testserver/programs/cycles/7/")
    assert response.status_code == 302 and response["Location"] == "http://testserver/programs/cycles/7/"


def test_a_foreign_referer_is_not_followed():
    for referer in ("https://evil.example/phish", "//evil.example/x", "javascript:alert(1)"):
        response = _respond(referer)
        assert response["Location"] == "/programs/cycles/7/approve/", referer


def test_without_referer_the_page_itself():
    assert _respond(None)["Location"] == "/programs/cycles/7/approve/"
