"""Region A's care objects for tests/test_authorization.py's world: ``build`` returns them under
their URL keyword names; ``snapshot`` returns what must not change when a refused request is made."""

from __future__ import annotations

from typing import Any

from django.utils import timezone


def build(*, owner: Any, person: Any, make_user: Any) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from canlian.domains.care import actions

    cadre = make_user("cadre", "370502001", username="care_cadre_a")
    day = timezone.localdate()
    pairing = actions.pairing_create(actor=owner, person_id=person.pk, cadre_id=cadre.pk, started_on=day)
    contact = actions.contact_record(
        actor=cadre,
        person_id=person.pk,
        way="home_visit",
        on=day,
        discussed="MARKER-CONTACT-A",
        needs_found="需要轮椅",
        photo=SimpleUploadedFile("visit.jpg", b"\xff\xd8\xff photo"),
    )
    need = contact.needs.get()
    return {"pairing_id": pairing, "contact_id": contact, "need_id": need}


def snapshot() -> tuple[Any, ...]:
    from canlian.domains.care.models import Contact, Need, Pairing

    return (
        tuple(Pairing.objects.order_by("pk").values_list("pk", "cadre_id", "ended_on", "end_reason")),
        tuple(Contact.objects.order_by("pk").values_list("pk", "way", "on", "follow_up_done")),
        tuple(Need.objects.order_by("pk").values_list("pk", "status", "resolution", "due_on", "owner_id")),
    )
