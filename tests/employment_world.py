"""Employment objects for tests: employers with valid codes, the province's wage figures, declared
employee rows; and region A's objects (东营区 370502) for tests/test_authorization.py's world:
``build`` returns them under their URL keyword names; ``snapshot`` what a refused request must leave
unchanged."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

_seq = itertools.count(1000)

#: Text of region A's objects that no page of another region may show.
MARKERS: tuple[str, ...] = ("MARKER-EMP-A",)


def new_uscc(region: str = "370502") -> str:
    from canlian.domains.employment.uscc import uscc_with_check

    n = next(_seq)
    return uscc_with_check(f"91{region}MA{n:07d}"[:17])


def employer(actor: Any, name: str, region_code: str = "370502", **extra: Any):
    from canlian.domains.employment import actions

    return actions.employer_register(
        actor=actor, uscc=new_uscc(region_code), name=name, region_code=region_code, **extra
    )


def wages(actor: Any = None, region_code: str = "37", minimum: str = "2200.00", average: str = "60000.00"):
    """The province's minimum monthly wage and average yearly wage from 2025."""
    from canlian.domains.employment import actions
    from canlian.platform.access import SYSTEM

    return actions.local_wage_set(
        actor=SYSTEM,
        region_code=region_code,
        valid_from=dt.date(2025, 1, 1),
        minimum_wage_month=minimum,
        average_wage_year=average,
    )


def employee_row(person: Any, **changes: Any) -> dict[str, Any]:
    """A declared employee row for a registered person: a two-year contract from 2025, 3,000 a month,
    insurance paid."""
    cert = person.certificates.order_by("-issue_date").first()
    number = cert.number if cert else person.id_number + "44"
    row = {
        "name": person.name,
        "certificate_number": number,
        "contract_start": dt.date(2025, 1, 1),
        "contract_end": dt.date(2026, 12, 31),
        "monthly_wage": "3000.00",
        "insurance_paid": "是",
    }
    row.update(changes)
    return row


def build(*, owner: Any, person: Any, make_user: Any) -> dict[str, Any]:
    from canlian.domains.employment import actions

    wages()
    emp = employer(owner, "MARKER-EMP-A 东营公司", staff_known="100", wage_known="60000.00")
    declaration = actions.declaration_record(
        actor=owner,
        employer_id=emp.pk,
        year=2025,
        staff="100",
        average_wage="80000.00",
        employees=[employee_row(person)] if person.certificates.exists() else [],
    )
    from canlian.core.institutions import actions as institutions
    from canlian.domains.employment.models import QuotaSubsidyBatch

    status = actions.employment_status_record(
        actor=owner, person_id=person.pk, status="not_employed", started_on=dt.date(2025, 3, 1)
    )
    training = actions.training_record(
        actor=owner,
        person_id=person.pk,
        course="MARKER-EMP-A 盲人按摩",
        provider="东营区职业培训学校",
        hours="40",
        started_on=dt.date(2025, 4, 1),
    )
    actions.job_offer_record(
        actor=owner,
        person_id=person.pk,
        employer_name=emp.name,
        post="MARKER-EMP-A 包装工",
        offered_on="2025-05-06",
    )
    kiosk = institutions.institution_create(
        actor=owner,
        code="EMP-KIOSK-A",
        name="MARKER-EMP-A 爱心屋",
        kind="love_kiosk",
        region_code="370502001",
    )
    site = actions.site_register(
        actor=owner, institution_id=kiosk.pk, sponsor_name="MARKER-EMP-A 爱心企业", opened_on="2025-01-10"
    )
    fund = actions.site_fund_propose(
        actor=owner, site_id=site.pk, year=2025, amount="5000.00", purpose="房租补贴"
    )
    batch = QuotaSubsidyBatch.objects.create(region_code="370502", year=2025, generated_by=owner)
    return {
        "employer_id": emp,
        "declaration_id": declaration,
        "status_id": status,
        "training_id": training,
        "site_id": site,
        "fund_id": fund,
        "quota_batch_id": batch,
    }


def snapshot() -> tuple[Any, ...]:
    from canlian.domains.employment.models import (
        Declaration,
        DeclaredEmployee,
        Employer,
        EmploymentStatus,
        JobOffer,
        LocalWage,
        QuotaRule,
        QuotaSubsidyBatch,
        QuotaSubsidyStandard,
        Site,
        SiteFund,
        SiteWorker,
        TrainingRecord,
    )

    return (
        tuple(Employer.objects.order_by("pk").values_list("pk", "uscc", "name", "region_code")),
        tuple(Declaration.objects.order_by("pk").values_list("pk", "status", "fund_due", "staff")),
        tuple(DeclaredEmployee.objects.order_by("pk").values_list("pk", "verdict", "reason")),
        QuotaRule.objects.count(),
        LocalWage.objects.count(),
        tuple(EmploymentStatus.objects.order_by("pk").values_list("pk", "status", "ended_on")),
        TrainingRecord.objects.count(),
        JobOffer.objects.count(),
        tuple(Site.objects.order_by("pk").values_list("pk", "sponsor_name")),
        SiteWorker.objects.count(),
        tuple(SiteFund.objects.order_by("pk").values_list("pk", "status")),
        tuple(QuotaSubsidyBatch.objects.order_by("pk").values_list("pk", "status")),
        QuotaSubsidyStandard.objects.count(),
    )
