"""The person page's entries from petitions: each petition (received; closed with its satisfaction)
and each festival visit with its condolence money; and a link to receive a petition. Registered
from ``PetitionsConfig.ready``. Reads are scoped (petitions.view); two queries per page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from canlian.core.permissions import Perm
from canlian.core.registry.models import Person
from canlian.core.registry.selectors import (
    PersonLink,
    TimelineEntry,
    register_person_link_provider,
    register_timeline_provider,
)
from canlian.domains.petitions.models import FestivalVisit, Petition, PetitionStatus

LIMIT = 200


def petitions_timeline(person: Person, user: Any) -> Iterable[TimelineEntry]:
    petitions = (
        Petition.objects.for_user(user, Perm.PETITIONS_VIEW)
        .filter(person=person)
        .order_by("-received_on", "-id")
    )[:LIMIT]
    for p in petitions:
        url = reverse("petitions:detail", kwargs={"petition_id": p.pk})
        yield TimelineEntry(
            on=p.received_on,
            kind="petition.received",
            title=_("Petition received: %(category)s") % {"category": p.get_category_display()},
            detail=p.issue[:120],
            url=url,
        )
        if p.status == PetitionStatus.CLOSED and p.closed_on:
            yield TimelineEntry(
                on=p.closed_on,
                kind="petition.closed",
                title=_("Petition closed: %(satisfaction)s") % {"satisfaction": p.get_satisfaction_display()},
                detail=p.result[:120],
                url=url,
            )
    visits = (
        FestivalVisit.objects.for_user(user, Perm.PETITIONS_VIEW).filter(person=person).order_by("-on", "-id")
    )[:LIMIT]
    for v in visits:
        detail = _("%(amount)s yuan") % {"amount": f"{v.money:.2f}"}
        if v.goods:
            detail += f" · {v.goods}"
        if v.visited_by:
            detail += f" · {v.visited_by}"
        yield TimelineEntry(
            on=v.on,
            kind="festival_visit",
            title=_("Festival visit: %(festival)s") % {"festival": v.get_festival_display()},
            detail=detail,
        )


register_timeline_provider(petitions_timeline)


def petitions_links(person: Person, user: Any) -> Iterable[PersonLink]:
    if user.has_canlian_perm(Perm.PETITIONS_HANDLE):
        yield PersonLink(_("Receive a petition"), f"{reverse('petitions:receive')}?person={person.pk}")


register_person_link_provider(petitions_links)
