"""The person page's entries of employment: each employer's declaration of the person as a disabled
employee, with the review's verdict (dated 31 December of the employment year). Registered from
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


register_timeline_provider(employment_timeline)
