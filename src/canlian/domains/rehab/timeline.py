"""The person page's entries of children's rehabilitation: plans, a yearly "N training days at X"
entry, devices, surgery referrals and settlement lines; and links to the plans and to record a device
or a referral. Registered from ``RehabConfig.ready``.

Reads go through ``for_user``: an institution's staff see the child's plans, days and settlement
lines at their own institution only."""

from __future__ import annotations

import datetime as dt
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

VIEW = "rehab.view"
MANAGE = "rehab.manage"
LIMIT = 50


def rehab_timeline(person: Person, user: Any) -> Iterable[TimelineEntry]:
    if not user.has_canlian_perm(VIEW):
        return
    from canlian.domains.rehab.models import Attendance, SettlementLine
    from canlian.domains.rehab.selectors import devices_visible, plans_visible, surgeries_visible

    plans = list(plans_visible(user=user, person_id=person.pk).order_by("-year")[:LIMIT])
    days = dict(
        Attendance.objects.for_user(user, VIEW)
        .filter(plan__in=[p.pk for p in plans])
        .order_by()
        .values("plan_id")
        .annotate(n=Count("id"))
        .values_list("plan_id", "n")
    )
    for p in plans:
        url = reverse("rehab:plan-detail", kwargs={"plan_id": p.pk})
        yield TimelineEntry(
            on=p.starts_on,
            kind="rehab.plan",
            title=_("Rehabilitation plan %(year)s: %(category)s training at %(institution)s")
            % {"year": p.year, "category": p.get_category_display(), "institution": p.institution.name},
            detail=_("%(start)s to %(end)s · %(status)s")
            % {"start": p.starts_on, "end": p.ends_on, "status": p.get_status_display()},
            url=url,
        )
        n = days.get(p.pk, 0)
        if n:
            yield TimelineEntry(
                on=min(p.ends_on, dt.date(p.year, 12, 31)),
                kind="rehab.training_days",
                title=_("%(n)s training days at %(institution)s in %(year)s")
                % {"n": n, "institution": p.institution.name, "year": p.year},
                url=url,
            )
    for d in devices_visible(user=user, person_id=person.pk)[:LIMIT]:
        yield TimelineEntry(
            on=d.provided_on,
            kind="rehab.device",
            title=_("Assistive device: %(kind)s") % {"kind": d.kind.name},
            detail=(d.institution.name if d.institution else "") + (f" · {d.amount}" if d.amount else ""),
        )
    for s in surgeries_visible(user=user, person_id=person.pk)[:LIMIT]:
        yield TimelineEntry(
            on=s.operated_on or s.referred_on,
            kind="rehab.surgery",
            title=_("Surgery referral: %(operation)s at %(hospital)s")
            % {"operation": s.operation, "hospital": s.hospital},
            detail=str(s.get_status_display()) + (f" · {s.amount}" if s.amount else ""),
            url=reverse("rehab:surgery-detail", kwargs={"surgery_id": s.pk}),
        )
    lines = (
        SettlementLine.objects.for_user(user, VIEW)
        .filter(person=person)
        .select_related("batch", "institution")
        .order_by("-batch__period_end", "-id")[:LIMIT]
    )
    for line in lines:
        b = line.batch
        yield TimelineEntry(
            on=b.period_end,
            kind="rehab.settlement",
            title=_("Settlement %(start)s–%(end)s at %(institution)s: %(amount)s")
            % {
                "start": f"{b.period_start:%Y-%m}",
                "end": f"{b.period_end:%Y-%m}",
                "institution": line.institution.name,
                "amount": line.amount,
            },
            detail=_("%(days)s training days · %(status)s")
            % {"days": line.days, "status": b.get_status_display()},
            url=reverse("rehab:settlement-batch-detail", kwargs={"batch_id": b.pk}),
        )


register_timeline_provider(rehab_timeline)


def rehab_links(person: Person, user: Any) -> Iterable[PersonLink]:
    from canlian.domains.rehab.selectors import plans_visible
    from canlian.platform.access import may

    if user.has_canlian_perm(VIEW):
        plan = plans_visible(user=user, person_id=person.pk).order_by("-year").first()
        if plan is not None:
            yield PersonLink(
                _("Rehabilitation plan %(year)s") % {"year": plan.year},
                reverse("rehab:plan-detail", kwargs={"plan_id": plan.pk}),
            )
    if person.life_status == "living" and may(user, MANAGE, person.region_code):
        yield PersonLink(
            _("Record an assistive device"), reverse("rehab:device-create", kwargs={"person_id": person.pk})
        )
        yield PersonLink(
            _("Refer for surgery"), reverse("rehab:surgery-create", kwargs={"person_id": person.pk})
        )


register_person_link_provider(rehab_links)
