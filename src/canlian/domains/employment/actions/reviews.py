"""The federation's review of a declaration: each employee verified, the fund due computed."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.registry.models import Certificate, Person, certificate_in_force_q
from canlian.domains.employment.actions._common import (
    MANAGE,
    VIEW,
    contract_covers_a_year,
)
from canlian.domains.employment.choices import (
    DeclarationSource,
    DeclarationStatus,
    EmployeeVerdict,
    RejectReason,
)
from canlian.domains.employment.events import EmploymentEvent
from canlian.domains.employment.fund import compute_fund, rule_figures
from canlian.domains.employment.models import (
    Declaration,
    DeclaredEmployee,
    LocalWage,
    QuotaRule,
)
from canlian.platform.access import lock_for, user_or_none
from canlian.platform.errors import Conflict, InvalidState
from canlian.platform.indicators import sources_changed

# --- the review ------------------------------------------------------------------------------------


def _verify(item: DeclaredEmployee, *, declaration: Declaration, year_end: dt.date, minimum: Decimal) -> None:
    """Set the verdict of one declared employee against the registry and the other employers."""
    item.person = None
    item.grade = None
    item.weight = 0
    item.reason_note = ""
    person = Person.objects.filter(id_number=item.id_number).first()
    if person is None:
        item.verdict, item.reason = EmployeeVerdict.REJECTED, RejectReason.NOT_IN_REGISTRY
        return
    item.person = person
    cert = (
        Certificate.objects.filter(person=person)
        .filter(certificate_in_force_q(year_end), valid_until__gte=year_end)
        .order_by("-issue_date")
        .first()
    )
    if cert is None:
        item.verdict, item.reason = EmployeeVerdict.REJECTED, RejectReason.NOT_CERTIFIED
        return
    item.grade = cert.grade
    other = (
        DeclaredEmployee.objects.filter(person=person, year=item.year, verdict=EmployeeVerdict.ACCEPTED)
        .exclude(declaration=declaration)
        .select_related("declaration__employer")
        .first()
    )
    if other is not None:
        employer = other.declaration.employer
        item.verdict, item.reason = EmployeeVerdict.REJECTED, RejectReason.COUNTED_ELSEWHERE
        item.reason_note = f"{employer.name} ({employer.uscc})"[:200]
        return
    if not contract_covers_a_year(item.contract_start, item.contract_end):
        item.verdict, item.reason = EmployeeVerdict.REJECTED, RejectReason.SHORT_CONTRACT
        return
    if item.monthly_wage < minimum:
        item.verdict, item.reason = EmployeeVerdict.REJECTED, RejectReason.LOW_WAGE
        item.reason_note = str(minimum)
        return
    if not item.insurance_paid:
        item.verdict, item.reason = EmployeeVerdict.REJECTED, RejectReason.NO_INSURANCE
        return
    item.verdict, item.reason = EmployeeVerdict.ACCEPTED, ""
    item.weight = 2 if cert.grade <= 2 else 1


@transaction.atomic
def declaration_review(*, actor: Any, declaration_id: int) -> Declaration:
    """The federation's review: each declared employee verified (certified at the year's end, not
    counted by another employer, contract ≥ 1 year, wage ≥ the local minimum, insurance paid; grade
    1–2 counts as two), then the fund due computed by the rule in force on 1 January of the levy
    year, with the wage figures in force on 31 December of the employment year."""
    declaration = lock_for(actor, Declaration, declaration_id, view=VIEW, act=MANAGE, related=("employer",))
    if declaration.status == DeclarationStatus.REVIEWED:
        raise InvalidState(_("This declaration is already reviewed."))
    year_end = dt.date(declaration.year, 12, 31)
    levy_day = dt.date(declaration.year + 1, 1, 1)
    rule = QuotaRule.objects.in_force(declaration.region_code, levy_day)
    if rule is None:
        raise InvalidState(
            _("No quota rule is in force for the region on %(day)s.") % {"day": levy_day.isoformat()}
        )
    wage = LocalWage.objects.in_force(declaration.region_code, year_end)
    if wage is None:
        raise InvalidState(
            _("No local wage figures are set for the region on %(day)s.") % {"day": year_end.isoformat()}
        )
    items = list(declaration.employees.order_by("pk"))
    if declaration.source == DeclarationSource.NOT_REPORTED:
        items = []
    for item in items:
        _verify(item, declaration=declaration, year_end=year_end, minimum=wage.minimum_wage_month)
    try:
        with transaction.atomic():
            DeclaredEmployee.objects.bulk_update(
                items, ["person", "grade", "weight", "verdict", "reason", "reason_note"]
            )
    except IntegrityError as exc:
        raise Conflict(
            _("Another review counted one of these employees at the same time; try again.")
        ) from exc
    counted = sum(i.weight for i in items)
    result = compute_fund(
        staff=declaration.staff,
        counted=counted,
        average_wage=declaration.average_wage,
        local_average_wage=wage.average_wage_year,
        rule=rule_figures(rule),
    )
    declaration.rule = rule
    declaration.wage = wage
    declaration.counted = counted
    declaration.required = result.required.quantize(Decimal("0.0001"))
    declaration.shortfall = result.shortfall.quantize(Decimal("0.0001"))
    declaration.wage_base = result.wage_base
    declaration.gross = result.gross
    declaration.share = result.share
    declaration.exempt = result.exempt
    declaration.fund_due = result.fund_due
    declaration.status = DeclarationStatus.REVIEWED
    declaration.reviewed_by = user_or_none(actor)
    declaration.reviewed_at = timezone.now()
    declaration.save()
    sources_changed("employment", year=timezone.localdate().year, month=timezone.localdate().month)
    audit_record(
        actor=actor,
        event=EmploymentEvent.DECLARATION_REVIEWED,
        obj=declaration,
        region_code=declaration.region_code,
        new={
            "counted": counted,
            "rejected": sum(1 for i in items if i.verdict == EmployeeVerdict.REJECTED),
            "fund_due": result.fund_due,
        },
    )
    return declaration
