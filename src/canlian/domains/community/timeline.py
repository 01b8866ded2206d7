"""The person page's entries of community services: home memberships (with the day-care days of
each), care stays, assisted-employment agreements and wages. Registered from ``CommunityConfig.ready``.
Reads go through ``for_user``: a home's or workshop's staff see that institution's rows only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from canlian.core.registry.models import Person
from canlian.core.registry.selectors import (
    PersonLink,
    TimelineEntry,
    register_person_link_provider,
    register_timeline_provider,
)

VIEW = "community.view"
LIMIT = 50


def community_timeline(person: Person, user: Any) -> Iterable[TimelineEntry]:
    if not user.has_canlian_perm(VIEW):
        return
    from canlian.domains.community.models import CareResident, HomeAttendance, HomeMember, WageLine, Worker

    members = list(
        HomeMember.objects.for_user(user, VIEW)
        .filter(person=person)
        .select_related("home__institution")
        .order_by("-starts_on")[:LIMIT]
    )
    days = dict(
        HomeAttendance.objects.for_user(user, VIEW)
        .filter(member__in=[m.pk for m in members])
        .values_list("member_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for m in members:
        yield TimelineEntry(
            on=m.starts_on,
            kind="community.member",
            title=_("Member of %(home)s") % {"home": m.home.institution.name},
            detail=_("%(start)s to %(end)s · %(days)s day-care days")
            % {"start": m.starts_on, "end": m.ends_on or "…", "days": days.get(m.pk, 0)},
            url=reverse("community:home-detail", kwargs={"home_id": m.home_id}),
        )
    for r in (
        CareResident.objects.for_user(user, VIEW)
        .filter(person=person)
        .select_related("institution")
        .order_by("-admitted_on")[:LIMIT]
    ):
        yield TimelineEntry(
            on=r.admitted_on,
            kind="community.care",
            title=_("In care (%(mode)s) at %(inst)s")
            % {"mode": r.get_mode_display(), "inst": r.institution.name},
            detail=_("%(start)s to %(end)s") % {"start": r.admitted_on, "end": r.discharged_on or "…"},
            url=reverse("community:resident-detail", kwargs={"resident_id": r.pk}),
        )
    for w in (
        Worker.objects.for_user(user, VIEW)
        .filter(person=person)
        .select_related("institution")
        .order_by("-agreement_from")[:LIMIT]
    ):
        yield TimelineEntry(
            on=w.agreement_from,
            kind="community.work",
            title=_("Assisted employment at %(inst)s") % {"inst": w.institution.name},
            detail=_("Agreement %(number)s · %(basis)s · %(status)s")
            % {
                "number": w.agreement_number,
                "basis": w.get_wage_basis_display(),
                "status": w.get_status_display(),
            },
            url=reverse("community:worker-detail", kwargs={"ae_worker_id": w.pk}),
        )
    lines = (
        WageLine.objects.for_user(user, VIEW)
        .filter(person=person)
        .select_related("sheet")
        .order_by("-sheet__month")[:LIMIT]
    )
    for line in lines:
        yield TimelineEntry(
            on=line.sheet.month,
            kind="community.wage",
            title=_("Wage %(month)s: %(amount)s")
            % {"month": f"{line.sheet.month:%Y-%m}", "amount": line.amount},
            detail=str(line.get_status_display()),
            url=reverse("community:sheet-detail", kwargs={"wage_sheet_id": line.sheet_id}),
        )


register_timeline_provider(community_timeline)


def community_links(person: Person, user: Any) -> Iterable[PersonLink]:
    if not user.has_canlian_perm(VIEW):
        return
    from canlian.domains.community.models import CareResident, HomeMember, Worker

    m = (
        HomeMember.objects.for_user(user, VIEW)
        .filter(person=person, ends_on__isnull=True)
        .select_related("home__institution")
        .first()
    )
    if m is not None:
        yield PersonLink(
            m.home.institution.name, reverse("community:home-detail", kwargs={"home_id": m.home_id})
        )
    r = CareResident.objects.for_user(user, VIEW).filter(person=person, discharged_on__isnull=True).first()
    if r is not None:
        yield PersonLink(_("Care (托养)"), reverse("community:resident-detail", kwargs={"resident_id": r.pk}))
    w = Worker.objects.for_user(user, VIEW).filter(person=person, status="active").first()
    if w is not None:
        yield PersonLink(
            _("Assisted employment"), reverse("community:worker-detail", kwargs={"ae_worker_id": w.pk})
        )


register_person_link_provider(community_links)
