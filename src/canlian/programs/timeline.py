"""The person page's timeline entries of the program engine: each application step (application,
first check, review, decision, end of notice = activation, rejection, objection, stop, resumption)
and the payments, one entry per payment cycle. Registered from ``ProgramsConfig.ready``.

Reads are scoped: steps through ``Enrollment.for_user(user, "view")`` (enrollments.view) and
payments through ``PaymentLine.for_user(user, "view")`` (payments.view); two queries per page."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Min, Q, Sum
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from canlian.core.permissions import Perm
from canlian.core.registry.models import Person
from canlian.core.registry.selectors import (
    PersonLink,
    TimelineEntry,
    register_person_link_provider,
    register_timeline_provider,
)
from canlian.programs.choices import LineStatus
from canlian.programs.models import Enrollment, EnrollmentStep, PaymentLine, Program

LIMIT = 200


def _cycle_url(cycle_id: int) -> str:
    try:
        return reverse("programs:cycle-detail", kwargs={"cycle_id": cycle_id})
    except NoReverseMatch:
        return ""


def programs_timeline(person: Person, user: Any) -> Iterable[TimelineEntry]:
    visible = Enrollment.objects.for_user(user, "view").filter(person=person)
    steps = (
        EnrollmentStep.objects.filter(enrollment__in=visible.values("pk"))
        .select_related("enrollment__program")
        .order_by("-on", "-id")[:LIMIT]
    )
    for step in steps:
        program = step.enrollment.program
        detail = str(step.get_to_status_display())
        if step.comment:
            detail += f" · {step.comment}"
        yield TimelineEntry(
            on=step.on,
            kind=f"enrollment.{step.kind}",
            title=f"{program.short_label}: {step.get_kind_display()}",
            detail=detail,
            url=reverse("programs:enrollment-detail", kwargs={"enrollment_id": step.enrollment_id}),
        )
    cycles = (
        PaymentLine.objects.for_user(user, "view")
        .filter(person=person)
        .values("cycle_id", "cycle__month", "cycle__status", "program_id")
        .annotate(
            lines=Count("id"),
            total=Sum("amount"),
            first=Min("period"),
            last=Max("period"),
            failed=Count("id", filter=Q(status=LineStatus.FAILED)),
        )
        .order_by("-cycle__month")[:LIMIT]
    )
    rows = list(cycles)
    programs = Program.objects.in_bulk({row["program_id"] for row in rows})
    for row in rows:
        months = (
            f"{row['first']:%Y-%m}"
            if row["first"] == row["last"]
            else f"{row['first']:%Y-%m}–{row['last']:%Y-%m}"
        )
        detail = _("%(amount)s yuan for %(months)s (%(lines)s lines)") % {
            "amount": f"{Decimal(row['total'] or 0):.2f}",
            "months": months,
            "lines": row["lines"],
        }
        if row["failed"]:
            detail += " · " + _("%(count)s failed") % {"count": row["failed"]}
        yield TimelineEntry(
            on=row["cycle__month"],
            kind="payment",
            title=_("%(program)s paid for %(month)s")
            % {
                "program": programs[row["program_id"]].short_label,
                "month": f"{row['cycle__month']:%Y-%m}",
            },
            detail=detail,
            url=_cycle_url(row["cycle_id"]),
        )


register_timeline_provider(programs_timeline)


def programs_links(person: Person, user: Any) -> Iterable[PersonLink]:
    """On the person page: apply for a program, and each active program's eligibility explained."""
    from canlian.programs.models import Program

    if user.has_canlian_perm(Perm.ENROLLMENTS_APPLY) and person.life_status == "living":
        yield PersonLink(
            _("Apply for a program"), f"{reverse('programs:enrollment-apply')}?person={person.pk}"
        )
    if user.has_canlian_perm(Perm.PROGRAMS_VIEW):
        for program in Program.objects.active().filter(kind="monthly_cash").order_by("code"):
            yield PersonLink(
                _("Eligibility: %(program)s") % {"program": program.short_label},
                reverse("programs:eligibility", args=[program.code, person.pk]),
            )


register_person_link_provider(programs_links)
