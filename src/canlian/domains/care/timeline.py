"""The person page's entries of care: contacts and home visits, needs; and the link "Record a
contact" for users who may record for this person. Registered from ``CareConfig.ready``.

Reads go through the care selectors (a cadre sees the contacts and needs of their own people)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from canlian.core.registry.models import Person
from canlian.core.registry.selectors import (
    PersonLink,
    TimelineEntry,
    register_person_link_provider,
    register_timeline_provider,
)

LIMIT = 100


def care_timeline(person: Person, user: Any) -> Iterable[TimelineEntry]:
    if not user.has_canlian_perm("care.view"):
        return
    from canlian.domains.care.selectors import contacts_visible, needs_visible

    for c in contacts_visible(user=user, person=person).order_by("-on", "-id")[:LIMIT]:
        detail = c.discussed[:120]
        counts = []
        if c.policies_delivered:
            counts.append(_("%(n)s policies delivered") % {"n": c.policies_delivered})
        if c.difficulties_solved:
            counts.append(_("%(n)s difficulties solved") % {"n": c.difficulties_solved})
        if c.tasks_done:
            counts.append(_("%(n)s tasks done") % {"n": c.tasks_done})
        if counts:
            detail = " · ".join([detail, *counts]) if detail else " · ".join(counts)
        yield TimelineEntry(
            on=c.on,
            kind="care.visit" if c.way == "home_visit" else "care.contact",
            title=_("%(way)s by %(cadre)s") % {"way": c.get_way_display(), "cadre": c.cadre},
            detail=detail,
            url=reverse("care:contact-detail", kwargs={"contact_id": c.pk}),
        )
    for n in needs_visible(user=user, person=person).order_by("-created_at", "-id")[:LIMIT]:
        yield TimelineEntry(
            on=n.created_at.date(),
            kind="care.need",
            title=_("Need found: %(text)s") % {"text": n.description[:60]},
            detail=str(n.get_status_display()) + (f" · {n.resolution[:80]}" if n.resolution else ""),
            url=reverse("care:need-detail", kwargs={"need_id": n.pk}),
        )


register_timeline_provider(care_timeline)


def care_links(person: Person, user: Any) -> Iterable[PersonLink]:
    from canlian.domains.care.selectors import active_pairing, pairings_visible, recordable_person

    if (
        person.life_status == "living"
        and user.has_canlian_perm("care.record")
        and recordable_person(user=user, person=person)
    ):
        yield PersonLink(
            _("Record a contact"), reverse("care:contact-create", kwargs={"person_id": person.pk})
        )
    if user.has_canlian_perm("care.view"):
        pairing = pairings_visible(user=user, person=person).first()
        if pairing is not None:
            yield PersonLink(
                _("Pairing and contacts"), reverse("care:pairing-detail", kwargs={"pairing_id": pairing.pk})
            )
    if user.has_canlian_perm("care.manage") and person.life_status == "living":
        from canlian.platform.access import may

        if may(user, "care.manage", person.region_code) and active_pairing(person=person) is None:
            yield PersonLink(_("Pair with a cadre"), reverse("care:pairing-create") + f"?person={person.pk}")


register_person_link_provider(care_links)
