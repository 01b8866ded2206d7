"""Region A's petitions objects for tests/test_authorization.py's world: ``build`` returns them under
their URL keyword names; ``snapshot`` returns what must not change when a refused request is made."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from canlian.domains.petitions import actions
from canlian.domains.petitions.models import FestivalVisit, InvitationEvent, Invitee, Petition, PetitionAction


def build(*, owner: Any, person: Any, make_user: Any) -> dict[str, Any]:
    day = dt.date(2026, 9, 1)
    petition = actions.petition_receive(
        actor=owner,
        category="subsidy",
        issue="MARKERPERSONA 反映补贴问题",
        received_on=day,
        person_id=person.pk,
    )
    actions.petition_act(actor=owner, petition_id=petition.pk, text="已电话回复", on=day)
    event = actions.invitation_create(
        actor=owner, title="助残日座谈", region_code="370502", key_date_kind="help_day", year=2026
    )
    actions.invitees_add(actor=owner, event_id=event.pk, person_ids=[person.pk])
    visit = actions.festival_visit_record(
        actor=owner, person_id=person.pk, festival="spring", on=dt.date(2026, 2, 10), money=Decimal("500.00")
    )
    return {"petition_id": petition, "invitation_id": event, "visit_id": visit}


def snapshot() -> tuple[Any, ...]:
    return (
        tuple(
            Petition.objects.order_by("pk").values_list("pk", "status", "result", "satisfaction", "closed_on")
        ),
        PetitionAction.objects.count(),
        tuple(InvitationEvent.objects.order_by("pk").values_list("pk", "title", "held_on")),
        tuple(Invitee.objects.order_by("pk").values_list("pk", "person_id", "invited", "attended")),
        tuple(FestivalVisit.objects.order_by("pk").values_list("pk", "money", "on")),
    )
