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
from django.utils.translation import gettext_lazy as _

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

    def widened(self, digits: int) -> Scope:
        """The scope cut to regions of ``digits`` digits: a township's scope widened to its county (6)."""
        if self.everything or not self.prefixes:
            return self
        return Scope.of({p[:digits] for p in self.prefixes})

    def q(self, field: str) -> Q:
        """The rows whose ``field`` lies in the scope. The national scope is a tautology, not an empty
        ``Q()``: ``Q() | X`` is ``X``, so an empty Q would make a national user see only ``X``."""
        if self.everything:
            return Q(pk__isnull=False)
        if not self.prefixes:
            return Q(pk__in=[])
        query = Q(pk__in=[])
        for prefix in sorted(self.prefixes):
            query |= Q(**{f"{field}__startswith": prefix})
        return query

    def ancestors(self) -> frozenset[str]:
        """The codes of the regions above the scope's regions ("" = national rows)."""
        return frozenset(prefix[:n] for prefix in self.prefixes for n in (0, 2, 4, 6, 9) if n < len(prefix))

    def q_with_ancestors(self, field: str) -> Q:
        """The scope plus the rows owned by the regions above it (reference data a region reads but
        does not own: its province's standards, the national rule setting, its city's contact rule)."""
        if self.everything or not self.prefixes:
            return self.q(field)
        return self.q(field) | Q(**{f"{field}__in": sorted(self.ancestors())})


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

    def for_user_widened(self, user: Any, action: str = "view", *, digits: int) -> RegionScopedQuerySet:
        """The rows of the regions of ``digits`` digits that hold the user's scope, for reference data
        a worker names but does not own (a township worker sends people to its county's station)."""
        scope = scope_of(user, self._permission(action)).widened(digits)
        return self.filter(scope.q(getattr(self.model, "scope_field", "region_code")))

    def get_for_user(self, user: Any, action: str = "view", **lookup: Any) -> Any:
        """Fetch and authorise in one step; out of scope is NotFound, like missing."""
        try:
            return self.for_user(user, action).get(**lookup)
        except (self.model.DoesNotExist, ValueError, TypeError) as exc:
            raise NotFound() from exc


class ReferenceScopedQuerySet(RegionScopedQuerySet):
    """Reference data owned by the region it names ("" = national): standards, rule settings, criteria.

    Changing a row (any action but ``view``) needs its region in scope; reading (``<prefix>.view``) also
    reaches the rows that apply there: those of the regions above (a county reads its province's
    standards, not a neighbour's) and the national rows. ``national_rows_for_every_reader`` lets a
    model show its national rows even to a reader whose scope holds no region for the permission (the
    views still require the permission itself)."""

    national_rows_for_every_reader = False

    def for_user(self, user: Any, action: str = "view") -> RegionScopedQuerySet:
        permission = self._permission(action)
        if permission != f"{self.model.permission_prefix}.view":
            return super().for_user(user, action)
        field = getattr(self.model, "scope_field", "region_code")
        visible = scope_of(user, permission).q_with_ancestors(field)
        if self.national_rows_for_every_reader:
            visible |= Q(**{field: ""})
        return self.filter(visible)


def institutions_of(user: Any, permission: str) -> frozenset[int]:
    """The institutions a user reaches for ``permission`` through institution-bound assignments
    (institution staff): their own institution only, never its region."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return frozenset()
    institutions_for = getattr(user, "institutions_for", None)
    return frozenset(institutions_for(permission)) if institutions_for else frozenset()


class InstitutionScopedQuerySet(RegionScopedQuerySet):
    """Base queryset of rows that belong both to a region and to an institution (an institution's
    staff, a child's plan at an institution, attendance, settlements, inspections).

    A federation user reaches them by region (``scope_field``); an institution's staff reach the rows
    of their own institution only (``institution_field``, e.g. ``"institution_id"``), whatever its
    region. Both are one filter, so lists, pages, the API and exports share it.
    """

    def for_user(self, user: Any, action: str = "view") -> RegionScopedQuerySet:
        permission = self._permission(action)
        scope = scope_of(user, permission)
        own = institutions_of(user, permission)
        region_q = scope.q(getattr(self.model, "scope_field", "region_code"))
        if not own:
            return self.filter(region_q)
        own_q = Q(**{f"{self.model.institution_field}__in": sorted(own)})
        if scope.is_empty:
            return self.filter(own_q)
        return self.filter(region_q | own_q)


def assert_in_institution_scope(
    user: Any, permission: str, code: str | None, institution_id: int | None
) -> None:
    """Like ``assert_in_scope``, also accepting the user's own institution."""
    if institution_id is not None and institution_id in institutions_of(user, permission):
        return
    assert_in_scope(user, permission, code)


def assert_in_scope(user: Any, permission: str, code: str | None) -> None:
    """Re-check inside a write's transaction that the object still lies in the user's scope."""
    if not scope_of(user, permission).contains(code):
        raise NotFound()


# --- the region-owned model ------------------------------------------------------------------------


def region_pattern_index(name: str, field: str = "region_code") -> models.Index:
    """The index a prefix filter (``region_code LIKE '3705%'``) uses on PostgreSQL, whatever the
    collation: every region-owned table has one (a model's ``Meta.indexes``)."""
    return models.Index(fields=[field], opclasses=["varchar_pattern_ops"], name=name)


class RegionOwned(models.Model):
    """A row owned by a region: its ``region_code`` (the owning region's code, 2–12 digits) and the
    scoped manager (``objects.for_user``). A subclass names its ``permission_prefix``, may replace
    ``objects`` with a queryset of its own (derived from ``RegionScopedQuerySet``) and adds
    ``region_pattern_index`` to its ``Meta.indexes``."""

    region_code = models.CharField(_("region"), max_length=12)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        abstract = True
