"""Reads of the region tree, in the reader's scope."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Q, QuerySet

from canlian.core.regions.models import Region, RegionQuerySet
from canlian.platform.access import scope_roots


def regions_visible(*, user: Any, permission: str = "regions.view") -> RegionQuerySet:
    # ``for_user`` is annotated with the base ``RegionScopedQuerySet``, not the model's own queryset.
    return cast(RegionQuerySet, Region.objects.for_user(user, permission))


def region_roots_for(*, user: Any, permission: str = "regions.view") -> list[Region]:
    """The top regions of a user's scope (provinces for a national user)."""
    roots = scope_roots(user, permission)
    if roots == [""]:
        return list(Region.objects.active().filter(level=1).order_by("code"))
    return list(Region.objects.filter(code__in=roots).order_by("code"))


def region_children(*, user: Any, code: str | None, include_abolished: bool = False) -> list[Region]:
    """Children of ``code`` within scope; without ``code``, the roots of the user's scope."""
    if not code:
        return region_roots_for(user=user)
    qs = regions_visible(user=user).filter(parent__code=code)
    if not include_abolished:
        qs = qs.active()
    return list(qs.order_by("code"))


def region_search(*, user: Any, q: str, limit: int = 50) -> QuerySet[Region]:
    qs = regions_visible(user=user)
    q = q.strip()
    if q.isdigit():
        return qs.filter(code__startswith=q)[:limit]
    return qs.filter(Q(name__contains=q) | Q(names__name__contains=q)).distinct()[:limit]


def region_path(region: Region) -> list[Region]:
    codes = region.ancestor_codes()
    found = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [found[c] for c in codes if c in found]
