"""The API's permission check (its own module: DRF imports it while loading its settings, before its
views exist)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import permissions

from canlian.platform.errors import MalformedInput

#: Query parameters that may be blank: the first page's cursor, and Swagger UI's start-up script
#: (``/api/docs/?script=``, drf-spectacular's split view).
BLANK_ALLOWED = {"cursor", "script"}


def refuse_blank_parameters(request: Any) -> None:
    """A query parameter given without a value (``?status=``) is a 400 naming it: the schema documents
    each parameter's values, and "no filter" is leaving the parameter out."""
    for key, values in request.query_params.lists():
        if key not in BLANK_ALLOWED and any(v == "" for v in values):
            raise MalformedInput(
                _("The parameter %(name)s has no value: give one, or leave the parameter out.")
                % {"name": key},
                field=key,
            )


class HasCanlianPermission(permissions.BasePermission):
    """Checks the view's ``required_permission`` (or per-action ``action_permissions``); then, for a
    caller who may, that the query holds no blank parameter (after authentication: an anonymous
    caller gets its 401 first)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        perm = required_permission_for(view, getattr(view, "action", None) or request.method.lower())
        allowed = bool(request.user and request.user.is_authenticated) and (
            perm is None or request.user.has_canlian_perm(perm)
        )
        if allowed and getattr(view, request.method.lower(), None) is not None:
            refuse_blank_parameters(request)  # (a method the view lacks gets its 405 instead)
        return allowed


def required_permission_for(view: Any, action: str | None) -> str | None:
    per_action = getattr(view, "action_permissions", None) or {}
    if action in per_action:
        return per_action[action]
    return getattr(view, "required_permission", None)
