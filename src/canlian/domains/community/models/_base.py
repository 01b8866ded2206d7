"""Shared pieces of the community tables: the reference-data queryset (a region reads its own rows and
those of the regions above, and the national ones)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from canlian.platform.scoping import ReferenceScopedQuerySet


class ReferenceQuerySet(ReferenceScopedQuerySet):
    """Standards, rules and criteria owned by the region they name ("" = national); the national
    rows are read by every reader."""

    national_rows_for_every_reader = True


def effective_q(on: Any) -> Q:
    """Rows in force on ``on`` (``valid_from`` ≤ on ≤ ``valid_to`` or open)."""
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))


def region_prefixes(code: str) -> list[str]:
    """The region and every region above it, and "" (national): the candidate owners of a rule."""
    return [code[:n] for n in (12, 9, 6, 4, 2, 0) if n <= len(code)]
