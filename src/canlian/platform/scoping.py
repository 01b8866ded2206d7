"""The one scoping path: region scope as an indexed prefix match on region codes.

Region codes nest by prefix (37 → 3705 → 370502 → 370502001 → 370502001001), so "everything in my
region" is ``region_code LIKE '3705%'``. Every region-owned model's queryset derives from
``RegionScopedQuerySet`` and is read through ``for_user(user, action)``. Which prefixes a user may
reach for an action is answered by the user object itself (``user.scope_for(permission)``), so this
module knows nothing of roles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q

from canlian.platform.errors import NotFound


@dataclass(frozen=True)
class Scope:
    """A set of region-code prefixes; ``everything`` for the national scope."""

    prefixes: frozenset[str] = frozenset()
    everything: bool = False

    @classmethod
    def of(cls, prefixes: Any) -> Scope:
        ordered = sorted(set(prefixes), key=len)
        kept: list[str] = []
        for prefix in ordered:
            if not any(prefix.startswith(k) for k in kept):
                kept.append(prefix)
        return cls(prefixes=frozenset(kept))

    @classmethod
    def nothing(cls) -> Scope:
        return cls()

    @classmethod
    def all(cls) -> Scope:
        return cls(everything=True)

    @property
    def is_empty(self) -> bool:
        return not self.everything and not self.prefixes

    def contains(self, code: str | None) -> bool:
        if self.everything:
            return True
        if not code:
            return False
        return any(code.startswith(p) for p in self.prefixes)

    def q(self, field: str) -> Q:
        if self.everything:
            return Q()
        if not self.prefixes:
            return Q(pk__in=[])
        query = Q()
        for prefix in sorted(self.prefixes):
            query |= Q(**{f"{field}__startswith": prefix})
        return query


def scope_of(user: Any, permission: str) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return Scope.nothing()
    return user.scope_for(permission)


class RegionScopedQuerySet(models.QuerySet):
    """Base queryset of every region-owned model.

    A model sets ``scope_field`` (default ``region_code``) and ``permission_prefix`` (e.g. ``"regions"``)
    as class attributes; an action ``"view"`` then means permission ``"regions.view"``.
    """

    def _permission(self, action: str) -> str:
        if "." in action:
            return action
        return f"{self.model.permission_prefix}.{action}"

    def for_user(self, user: Any, action: str = "view") -> RegionScopedQuerySet:
        scope = scope_of(user, self._permission(action))
        return self.filter(scope.q(getattr(self.model, "scope_field", "region_code")))

    def get_for_user(self, user: Any, action: str = "view", **lookup: Any) -> Any:
        """Fetch and authorise in one step; out of scope is NotFound, like missing."""
        try:
            return self.for_user(user, action).get(**lookup)
        except (self.model.DoesNotExist, ValueError, TypeError) as exc:
            raise NotFound() from exc


def assert_in_scope(user: Any, permission: str, code: str | None) -> None:
    """Re-check inside a write's transaction that the object still lies in the user's scope."""
    if not scope_of(user, permission).contains(code):
        raise NotFound()
