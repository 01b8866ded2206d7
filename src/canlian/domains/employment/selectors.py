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


# --- employment by real name -----------------------------------------------------------------------

#: Working age (劳动年龄) in whole years on the day counted: 16 to 59 (DOMAIN.md; a deployment may set
#: ``CANLIAN_WORKING_AGE = (low, high)`` in its settings).
DEFAULT_WORKING_AGE = (16, 59)


def working_age() -> tuple[int, int]:
    from django.conf import settings

    low, high = getattr(settings, "CANLIAN_WORKING_AGE", DEFAULT_WORKING_AGE)
    return int(low), int(high)


def status_in_force_q(on: Any, prefix: str = "") -> Q:
    return Q(**{f"{prefix}started_on__lte": on}) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gte": on})
    )


def working_age_people(people: QuerySet, on: Any) -> QuerySet:
    """The living people of working age on ``on`` holding a certificate in force and valid then,
    annotated with ``work_status`` (the status in force, or None when never recorded). Unable-to-work
    people are kept: ``able_people`` drops them."""
    from django.db.models import Exists, OuterRef, Subquery

    from canlian.core.registry.models import Certificate, certificate_in_force_q
    from canlian.domains.employment.models import EmploymentStatus
    from canlian.platform.dates import add_years

    low, high = working_age()
    certified = Certificate.objects.filter(
        certificate_in_force_q(on), person=OuterRef("pk"), valid_until__gte=on
    )
    current = EmploymentStatus.objects.filter(status_in_force_q(on), person=OuterRef("pk")).order_by(
        "-started_on"
    )
    return (
        people.filter(Q(life_status="living") | Q(life_status_date__gt=on))
        .filter(birth_date__lte=add_years(on, -low), birth_date__gt=add_years(on, -(high + 1)))
        .filter(Exists(certified))
        .annotate(work_status=Subquery(current.values("status")[:1]))
    )


def able_people(people: QuerySet, on: Any) -> QuerySet:
    """``working_age_people`` without those unable to work: the employment rate's denominator."""
    from canlian.domains.employment.choices import WorkStatus

    return working_age_people(people, on).filter(
        ~Q(work_status=WorkStatus.UNABLE) | Q(work_status__isnull=True)
    )


def not_employed_visible(
    *, user: Any, on: Any, region_code: str = "", q: str = "", trained: str = "", offered: str = ""
) -> QuerySet:
    """The able, working-age certified people of the user's region who are not employed on ``on``
    (status not employed, or never recorded), with their counts of trainings and offers."""
    from canlian.core.registry.models import Person
    from canlian.domains.employment.choices import WorkStatus

    people = Person.objects.for_user(user, VIEW)
    if region_code:
        people = people.filter(region_code__startswith=region_code)
    if q:
        people = people.filter(Q(name__startswith=q) | Q(id_number__startswith=q.upper()))
    qs = able_people(people, on).filter(Q(work_status=WorkStatus.NOT_EMPLOYED) | Q(work_status__isnull=True))
    from django.db.models import Exists, OuterRef

    from canlian.domains.employment.models import JobOffer, TrainingRecord

    qs = qs.annotate(
        has_training=Exists(TrainingRecord.objects.filter(person=OuterRef("pk"))),
        has_offer=Exists(JobOffer.objects.filter(person=OuterRef("pk"))),
    )
    if trained in ("yes", "no"):
        qs = qs.filter(has_training=trained == "yes")
    if offered in ("yes", "no"):
        qs = qs.filter(has_offer=offered == "yes")
    return qs


def trainings_of(people: list[Any]) -> dict[int, list[Any]]:
    from canlian.domains.employment.models import TrainingRecord

    found: dict[int, list[Any]] = {}
    for t in TrainingRecord.objects.filter(person__in=[p.pk for p in people]).order_by("-started_on"):
        found.setdefault(t.person_id, []).append(t)
    return found


def offers_of(people: list[Any]) -> dict[int, list[Any]]:
    from canlian.domains.employment.models import JobOffer

    found: dict[int, list[Any]] = {}
    for o in JobOffer.objects.filter(person__in=[p.pk for p in people]).order_by("-offered_on"):
        found.setdefault(o.person_id, []).append(o)
    return found


def person_for_panel(*, user: Any, person_id: Any) -> Any:
    from canlian.core.registry.models import Person

    return Person.objects.get_for_user(user, VIEW, pk=person_id)


def statuses_visible(*, user: Any) -> QuerySet:
    from canlian.domains.employment.models import EmploymentStatus

    return EmploymentStatus.objects.for_user(user, VIEW).select_related("person")


def trainings_visible(*, user: Any) -> QuerySet:
    from canlian.domains.employment.models import TrainingRecord

    return TrainingRecord.objects.for_user(user, VIEW).select_related("person")


def offers_visible(*, user: Any) -> QuerySet:
    from canlian.domains.employment.models import JobOffer

    return JobOffer.objects.for_user(user, VIEW)


def new_employment(statuses: QuerySet, start: Any, end: Any) -> QuerySet:
    """The statuses that are *new employment* from ``start`` to ``end``: an employed kind starting
    then, right after a status of not employed or unable to work, or as the person's first record."""
    from django.db.models import OuterRef, Subquery

    from canlian.domains.employment.choices import EMPLOYED_STATUSES, NOT_EMPLOYED_STATUSES
    from canlian.domains.employment.models import EmploymentStatus

    previous = EmploymentStatus.objects.filter(
        person=OuterRef("person"), started_on__lt=OuterRef("started_on")
    ).order_by("-started_on")
    return (
        statuses.filter(status__in=EMPLOYED_STATUSES, started_on__gte=start, started_on__lte=end)
        .annotate(previous_status=Subquery(previous.values("status")[:1]))
        .filter(Q(previous_status__isnull=True) | Q(previous_status__in=NOT_EMPLOYED_STATUSES))
    )


# --- sites and subsidies ---------------------------------------------------------------------------


def sites_visible(*, user: Any, kind: str = "") -> QuerySet:
    from canlian.domains.employment.models import Site

    qs = Site.objects.for_user(user, VIEW).select_related("institution")
    if kind:
        qs = qs.filter(institution__kind=kind)
    return qs


def site_get(*, user: Any, site_id: Any) -> Any:
    from canlian.domains.employment.models import Site

    return Site.objects.select_related("institution").get_for_user(user, VIEW, pk=site_id)


def subsidy_batches_visible(*, user: Any) -> QuerySet:
    from canlian.domains.employment.models import QuotaSubsidyBatch

    return QuotaSubsidyBatch.objects.for_user(user, VIEW)


def subsidy_batch_get(*, user: Any, batch_id: Any) -> Any:
    from canlian.domains.employment.models import QuotaSubsidyBatch

    return QuotaSubsidyBatch.objects.get_for_user(user, VIEW, pk=batch_id)


def subsidy_standards_visible(*, user: Any) -> QuerySet:
    from canlian.domains.employment.models import QuotaSubsidyStandard

    return QuotaSubsidyStandard.objects.for_user(user, VIEW)


def declaration_subsidy(declaration: Declaration) -> Any:
    """The above-quota subsidy of a reviewed declaration with its steps, and the standard used
    (None before the review): the standard of the region in force on 1 January of the levy year."""
    import datetime as dt

    from canlian.domains.employment.models import QuotaSubsidyStandard
    from canlian.domains.employment.subsidy import compute_subsidy

    if declaration.counted is None or declaration.rule is None:
        return None
    standard = QuotaSubsidyStandard.objects.in_force(
        declaration.region_code, dt.date(declaration.year + 1, 1, 1)
    )
    return compute_subsidy(
        staff=declaration.staff,
        quota_ratio=declaration.rule.quota_ratio,
        counted=declaration.counted,
        standard=standard.amount if standard else None,
    )
