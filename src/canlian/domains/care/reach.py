"""A cadre reaches the people paired with them, and no one else of the registry: the cadre role's
``persons.view`` does not cover its region (``core/permissions.py`` ``REGION_EXCLUDED``); this reach,
registered with the registry, adds the cadre's active pairings (other roles keep their region)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from canlian.core.permissions import Perm

READS = {Perm.PERSONS_VIEW}


def paired_people(user: Any, permission: str, prefix: str) -> Q | None:
    if permission not in READS or not user.has_canlian_perm(Perm.CARE_RECORD):
        return None
    from canlian.domains.care.models import Pairing

    people = Pairing.objects.filter(cadre=user, ended_on__isnull=True).values("person_id")
    return Q(**{f"{prefix}pk__in": people})
