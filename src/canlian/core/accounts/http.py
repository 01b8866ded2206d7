"""The request a signed-in page handles, as the type checker sees it.

``CanlianView.dispatch`` sends an anonymous visitor to the sign-in page before ``get`` or ``post``
runs, so a page's methods (and the helpers they pass the request to) take
``request: AuthenticatedHttpRequest``: ``request.user`` is then a ``User``, not
``User | AnonymousUser``, and ``request.htmx`` is what django-htmx's middleware sets. This is the
pattern django-stubs and django-htmx recommend; at run time the request is Django's own
``HttpRequest``, nothing is checked or converted here.

Core modules below accounts (jobs, regions) cannot import ``User``: they narrow with
``assert request.user.is_authenticated`` where they need it (jobs types ``htmx`` on its own)."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from canlian.core.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
    htmx: HtmxDetails
