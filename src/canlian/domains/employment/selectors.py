"""Reads of employment, all through the scoped querysets."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from canlian.domains.employment.fund import FundResult, compute_fund, rule_figures
from canlian.domains.employment.models import Declaration, DeclaredEmployee, Employer, LocalWage, QuotaRule

VIEW = "employment.view"


def employers_visible(*, user: Any, q: str = "") -> QuerySet[Employer]:
    qs = Employer.objects.for_user(user, VIEW)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc__startswith=q.upper()))
    return qs


def employer_get(*, user: Any, employer_id: Any) -> Employer:
    return Employer.objects.get_for_user(user, VIEW, pk=employer_id)


def declarations_visible(
    *, user: Any, year: int | None = None, status: str = "", source: str = ""
) -> QuerySet[Declaration]:
    qs = Declaration.objects.for_user(user, VIEW).select_related("employer")
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(source=source)
    return qs


def declaration_get(*, user: Any, declaration_id: Any) -> Declaration:
    return Declaration.objects.select_related("employer", "rule", "wage").get_for_user(
        user, VIEW, pk=declaration_id
    )


def declaration_employees(declaration: Declaration) -> QuerySet[DeclaredEmployee]:
    return declaration.employees.order_by("pk")


def declaration_steps(declaration: Declaration) -> FundResult | None:
    """The fund's steps of a reviewed declaration, from the figures, rule and wages it was reviewed with."""
    if declaration.counted is None or declaration.rule is None or declaration.wage is None:
        return None
    return compute_fund(
        staff=declaration.staff,
        counted=declaration.counted,
        average_wage=declaration.average_wage,
        local_average_wage=declaration.wage.average_wage_year,
        rule=rule_figures(declaration.rule),
    )


def quota_rules_visible(*, user: Any) -> QuerySet[QuotaRule]:
    return QuotaRule.objects.for_user(user, VIEW)


def local_wages_visible(*, user: Any) -> QuerySet[LocalWage]:
    return LocalWage.objects.for_user(user, VIEW)
