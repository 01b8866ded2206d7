"""The person page's entries of employment: each employer's declaration of the person as a disabled
employee, with the review's verdict (dated 31 December of the employment year); the person's
employment statuses, trainings and job offers (real name), linking to the employment panel. Registered from
``EmploymentConfig.ready``; read through the user's scope of the declarations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from canlian.core.registry.models import Person
from canlian.core.registry.selectors import TimelineEntry, register_timeline_provider


def employment_timeline(person: Person, user: Any) -> Iterable[TimelineEntry]:
    if not user.has_canlian_perm("employment.view"):
        return
    from canlian.domains.employment.models import Declaration, DeclaredEmployee

    visible = Declaration.objects.for_user(user, "employment.view")
    rows = (
        DeclaredEmployee.objects.filter(id_number=person.id_number, declaration__in=visible)
        .select_related("declaration__employer")
        .order_by("-year", "-id")[:20]
    )
    for e in rows:
        detail = str(e.get_verdict_display())
        if e.reason:
            detail += f" · {e.get_reason_display()}" + (f": {e.reason_note}" if e.reason_note else "")
        yield TimelineEntry(
            on=dt.date(e.year, 12, 31),
            kind="employment.declared",
            title=_("Declared as a disabled employee by %(employer)s (%(year)s)")
            % {"employer": e.declaration.employer.name, "year": e.year},
            detail=detail,
            url=reverse("employment:declaration-detail", kwargs={"declaration_id": e.declaration_id}),
        )


def realname_timeline(person: Person, user: Any) -> Iterable[TimelineEntry]:
    """The person's employment statuses (dated their start), trainings and job offers."""
    if not user.has_canlian_perm("employment.view"):
        return
    from canlian.domains.employment.models import EmploymentStatus, JobOffer, TrainingRecord

    url = reverse("employment:person-panel", kwargs={"person_id": person.pk})
    for s in (
        EmploymentStatus.objects.for_user(user, "employment.view")
        .filter(person=person)
        .order_by("-started_on")[:20]
    ):
        yield TimelineEntry(
            on=s.started_on,
            kind="employment.status",
            title=_("Employment status: %(status)s") % {"status": s.get_status_display()},
            detail=" · ".join(x for x in (s.employer_name, s.post) if x),
            url=url,
        )
    for t in (
        TrainingRecord.objects.for_user(user, "employment.view")
        .filter(person=person)
        .order_by("-started_on")[:20]
    ):
        yield TimelineEntry(
            on=t.started_on,
            kind="employment.training",
            title=_("Training: %(course)s") % {"course": t.course},
            detail=" · ".join(
                x for x in (t.provider, _("%(hours)s h") % {"hours": t.hours}, t.certificate_name) if x
            ),
            url=url,
        )
    for o in (
        JobOffer.objects.for_user(user, "employment.view").filter(person=person).order_by("-offered_on")[:20]
    ):
        yield TimelineEntry(
            on=o.offered_on,
            kind="employment.offer",
            title=_("Job offered: %(post)s at %(employer)s") % {"post": o.post, "employer": o.employer_name},
            detail=str(o.get_outcome_display()),
            url=url,
        )


register_timeline_provider(employment_timeline)
register_timeline_provider(realname_timeline)
