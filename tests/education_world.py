"""Education objects for tests, and region A's objects (东营区 370502) for tests/test_authorization.py's
world: ``build`` returns them under their URL keyword names (the API's ``school_id`` and
``placement_id``; the pages take none);
``snapshot`` what a refused request must leave unchanged."""

from __future__ import annotations

from typing import Any

#: Text of region A's objects that no page of another region may show.
MARKERS: tuple[str, ...] = ("MARKER-EDU-A",)


def build(*, owner: Any, person: Any, make_user: Any) -> dict[str, Any]:
    from canlian.domains.education import actions

    school = actions.school_create(
        actor=owner, name="MARKER-EDU-A 实验小学", region_code="370502", resource_room=True
    )
    placement = actions.placement_record(
        actor=owner, person_id=person.pk, school_year=2025, placement="regular_class", school_id=school.pk
    )
    return {"school_id": school, "placement_id": placement}


def snapshot() -> tuple[Any, ...]:
    from canlian.domains.education.models import PlacementRecord, School

    return (
        tuple(School.objects.order_by("pk").values_list("pk", "name", "resource_room")),
        tuple(PlacementRecord.objects.order_by("pk").values_list("pk", "placement", "school_id", "reason")),
    )
