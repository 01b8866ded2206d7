"""The person page's entries of education: the child's placement of each school year (dated 1
September of the year). Registered from ``EducationConfig.ready``; read through the user's scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from canlian.core.registry.models import Person
from canlian.core.registry.selectors import TimelineEntry, register_timeline_provider


def education_timeline(person: Person, user: Any) -> Iterable[TimelineEntry]:
    if not user.has_canlian_perm("education.view"):
        return
    from canlian.domains.education.models import PlacementRecord

    rows = (
        PlacementRecord.objects.for_user(user, "education.view")
        .filter(person=person)
        .select_related("school")
        .order_by("-school_year")[:20]
    )
    for r in rows:
        detail = r.school.name if r.school else r.note
        if r.reason:
            detail = str(r.get_reason_display())
        yield TimelineEntry(
            on=dt.date(r.school_year, 9, 1),
            kind="education.placement",
            title=_("School year %(year)s: %(placement)s")
            % {"year": f"{r.school_year}–{r.school_year + 1}", "placement": r.get_placement_display()},
            detail=detail,
            url=reverse("education:placement-list") + f"?year={r.school_year}",
        )


register_timeline_provider(education_timeline)
