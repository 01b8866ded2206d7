"""What the registry actions share: the edit permission, the editable person fields, the locked
fetch of a person (through ``Person.objects.for_user``) and two small helpers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from canlian.core.registry.models import Person
from canlian.platform.access import lock_for

EDIT = "persons.edit"

#: The person fields an edit may change (the ID number is the identity and is changed by no edit).
PERSON_EDITABLE = (
    "name",
    "ethnicity",
    "phone",
    "region_code",
    "residence_address",
    "hukou_region_code",
    "hukou_address",
    "hukou_type",
)


def region_exists(code: str) -> bool:
    from canlian.core.regions.models import Region

    return Region.objects.filter(code=code).exists()


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (or earlier); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def locked_person(actor: Any, person_id: Any) -> Person:
    """The person locked for update, if the actor may edit them: out of the actor's view scope it is
    NotFound (like a missing row), in view without persons.edit it is PermissionDenied."""
    return lock_for(actor, Person, person_id, act=EDIT)
