"""The person page's entries of rehabilitation services: needs surveys (with served / not served),
services delivered, devices fitted (with the replacement date), home modification projects, health
list signings and health service applications; and links to record a survey, assess a device,
apply for a modification or a health service. Registered from ``RehabServicesConfig.ready``; every
read goes through ``for_user``."""

from __future__ import annotations

import datetime as dt
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

VIEW = "services.view"
RECORD = "services.record"
LIMIT = 30


@register_timeline_provider
def services_timeline(person: Person, user: Any) -> Iterable[TimelineEntry]:
    if not user.has_canlian_perm(VIEW):
        return
    from canlian.domains.rehabservices import selectors

    for s in selectors.surveys_for(user, person_id=person.pk).order_by("-year")[:LIMIT]:
        needs = ", ".join(str(n.get_kind_display()) for n in s.needs.all()) or _("no need")
        yield TimelineEntry(
            on=s.surveyed_on,
            kind="services.survey",
            title=_("Rehabilitation needs survey %(year)s: %(needs)s") % {"year": s.year, "needs": needs},
            detail=(
                _("served") if s.served else (_("no need") if s.no_needs else _("needs not yet all served"))
            ),
            url=reverse("rehabservices:survey-detail", kwargs={"needs_survey_id": s.pk}),
        )
    for r in selectors.services_for(user, person_id=person.pk).order_by("-delivered_on")[:LIMIT]:
        yield TimelineEntry(
            on=r.delivered_on,
            kind="services.service",
            title=_("Rehabilitation service: %(kind)s") % {"kind": r.get_kind_display()},
            detail=f"{r.content} · {r.provider}",
        )
    for f in selectors.fittings_for(user, person_id=person.pk)[:LIMIT]:
        detail = (
            _("delivered %(day)s, replacement due %(due)s") % {"day": f.fitted_on, "due": f.replacement_due}
            if f.fitted_on
            else _("assessed, not yet delivered")
        )
        yield TimelineEntry(
            on=f.fitted_on or f.assessed_on,
            kind="services.device",
            title=_("Assistive device: %(device)s at %(station)s")
            % {"device": f.device_type.name, "station": f.station.name},
            detail=detail,
            url=reverse("rehabservices:fitting-detail", kwargs={"device_fitting_id": f.pk}),
        )
    for p in selectors.projects_for(user, person_id=person.pk)[:LIMIT]:
        yield TimelineEntry(
            on=p.applied_on,
            kind="services.modification",
            title=_("Home accessibility modification %(number)s") % {"number": p.number},
            detail=str(p.get_status_display()),
            url=reverse("rehabservices:modification-detail", kwargs={"modification_id": p.pk}),
        )
    for g in selectors.signings_for(user, person_id=person.pk)[:LIMIT]:
        yield TimelineEntry(
            on=g.signed_on or dt.date(g.year, 1, 1),
            kind="services.signing",
            title=_("%(list)s %(year)s: signed") % {"list": g.get_kind_display(), "year": g.year},
            detail=g.team,
        )
    for a in selectors.health_applications_for(user, person_id=person.pk)[:LIMIT]:
        yield TimelineEntry(
            on=a.served_on or a.applied_on,
            kind="services.health",
            title=f"{a.get_program_display()} {a.year}",
            detail=str(a.get_status_display()),
            url=reverse("rehabservices:health-detail", kwargs={"health_application_id": a.pk}),
        )


@register_person_link_provider
def services_links(person: Person, user: Any) -> Iterable[PersonLink]:
    if not user.has_canlian_perm(RECORD):
        return []
    query = f"?person={person.pk}"
    return [
        PersonLink(_("Record a needs survey"), reverse("rehabservices:survey-new") + query),
        PersonLink(_("Assess for an assistive device"), reverse("rehabservices:fitting-new") + query),
        PersonLink(_("Apply for home modification"), reverse("rehabservices:modification-new") + query),
        PersonLink(_("Apply for a health service"), reverse("rehabservices:health-new") + query),
    ]
