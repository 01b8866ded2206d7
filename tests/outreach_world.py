"""Region A's objects of volunteers, donations and cases for the authorization world
(tests/authorization_world.py): ``build`` returns them under their URL keyword names; ``snapshot``
what a refused request must leave unchanged."""

from __future__ import annotations

import datetime as dt
from typing import Any

#: Text of region A's objects that no page of another region may show.
MARKERS: tuple[str, ...] = ("MARKER-OUTREACH-A",)


def build(*, owner: Any, person: Any, make_user: Any) -> dict[str, Any]:
    from canlian.domains.outreach import actions

    volunteer = actions.volunteer_register(
        actor=owner,
        region_code="370502",
        name="志愿者甲",
        organisation="MARKER-OUTREACH-A 志愿队",
        registered_on=dt.date(2026, 1, 5),
    )
    activity = actions.activity_record(
        actor=owner,
        region_code="370502",
        title="MARKER-OUTREACH-A 上门服务",
        kind="home_service",
        on=dt.date(2026, 3, 1),
        hours=[(volunteer.pk, "2.5")],
        people_served=[person.pk],
    )
    donation = actions.donation_receive(
        actor=owner,
        region_code="370502",
        donor="MARKER-OUTREACH-A 爱心企业",
        donor_kind="organisation",
        received_on=dt.date(2026, 2, 1),
        kind="money",
        amount="1000.00",
        purpose="助残",
        restricted=True,
    )
    actions.donation_use(
        actor=owner,
        donation_id=donation.pk,
        on=dt.date(2026, 3, 1),
        amount="200.00",
        description="慰问品",
        activity_id=activity.pk,
    )
    case = actions.case_save(
        actor=owner,
        region_code="370502",
        title="MARKER-OUTREACH-A 自强故事",
        story="故事",
        consent="masked",
        consent_on=dt.date(2026, 3, 1),
        person_id=person.pk,
    )
    return {
        "donation_id": donation,
        "activity_id": activity,
        "typical_case_id": case,
        "volunteer_id": volunteer,
    }


def snapshot() -> tuple[Any, ...]:
    from canlian.domains.outreach.models import (
        Activity,
        Donation,
        DonationUse,
        TypicalCase,
        Volunteer,
        VolunteerHours,
    )

    return (
        tuple(Donation.objects.order_by("pk").values_list("pk", "number", "amount")),
        tuple(DonationUse.objects.order_by("pk").values_list("pk", "amount")),
        tuple(TypicalCase.objects.order_by("pk").values_list("pk", "status", "published_on", "title")),
        Volunteer.objects.count(),
        Activity.objects.count(),
        VolunteerHours.objects.count(),
    )
