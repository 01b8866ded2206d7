"""The demo of the proportional-employment review: the cheat rejected naming the first employer, the
small employer exempt, non-reporters reviewed as employing nobody, one declaration left to review;
idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from registry_factories import registered

from canlian.demo.edu_employment import generate_demo_edu_employment
from canlian.domains.employment.models import Declaration, DeclaredEmployee, Employer
from canlian.programs.models import PaymentLine

pytestmark = pytest.mark.django_db


def test_demo_review(regions, make_user):
    make_user("city_admin", "3705", username="shi_admin")
    make_user("province_admin", "37", username="sheng_admin")
    for n, grade in enumerate((1, 2, 2, 3, 4) * 5):
        registered(
            name="演示" + "甲乙丙丁戊己庚辛壬癸"[n % 10] + "子丑寅卯辰"[n // 10 % 5],
            grade=grade,
            birth=f"19{70 + n % 20}0{1 + n % 9}15",
        )
    from canlian.core.registry.models import HardshipStatus

    for n in range(9):
        kid = registered(name="学童" + "甲乙丙丁戊己庚辛壬"[n], grade=3, birth=f"20{12 + n % 6}0{1 + n}10")
        if n % 3 == 0:
            HardshipStatus.objects.create(
                person=kid, kind="dibao", valid_from=dt.date(2024, 1, 1), source="manual"
            )
    today = dt.date(2026, 6, 1)
    result = generate_demo_edu_employment(region_code="3705", today=today)
    assert not result.skipped, result
    assert result.counts["non-reporters"] == 2
    cheat = DeclaredEmployee.objects.get(reason="counted_elsewhere")
    assert "东营黄河石化设备有限公司" in cheat.reason_note
    assert cheat.declaration.employer.name == "东营润泽物流有限公司"
    assert DeclaredEmployee.objects.filter(reason="short_contract").count() == 1
    assert DeclaredEmployee.objects.filter(reason="low_wage").count() == 1
    small = Declaration.objects.get(employer__name="东营晨光文印社")
    assert small.exempt and small.fund_due == 0
    assert Declaration.objects.get(employer__name="东营海港建设集团有限公司").wage_base == 120000
    assert Declaration.objects.filter(status="submitted").count() == 1
    assert Declaration.objects.filter(source="not_reported", status="reviewed", counted=0).count() == 2
    # the pension premium: the severe people enrolled, the January cycle sent and matched back
    assert result.counts["pension premiums enrolled"] == 15  # grades 1–2 of the 25 people
    assert result.counts["premiums failed"] == 1
    assert result.counts["premiums paid"] == 14
    failed = PaymentLine.objects.get(status="failed")
    assert failed.failure_reason == "已在外省参保" and failed.amount == 200
    # education: placements of the 2025 school year, three children on the not-enrolled list
    from canlian.core.accounts.models import User
    from canlian.domains.education.models import PlacementRecord
    from canlian.domains.education.selectors import not_enrolled
    from canlian.reporting.models import Target

    assert result.counts["schools"] == 4 and result.counts["placements"] == 8
    shi = User.objects.get(username="shi_admin")
    assert not_enrolled(user=shi, school_year=2025).count() == 3
    assert PlacementRecord.objects.filter(placement="not_enrolled").count() == 2
    assert result.counts["pupils' allowance enrolled"] == 3
    allowance = PaymentLine.objects.filter(program__code="pupil-living-allowance")
    assert allowance.count() == 36 and {line.amount for line in allowance} == {50}
    assert result.counts["targets"] == 4 * Target.objects.values("region_code").distinct().count()
    # real name, sites, the above-quota subsidy
    from canlian.domains.employment.models import EmploymentStatus, QuotaSubsidyBatch, SiteFund, SiteWorker

    assert result.counts["employment statuses"] >= 25 and result.counts["trainings"] > 0
    assert EmploymentStatus.objects.filter(ended_on__isnull=True).values("person").distinct().count() == 25
    assert result.counts["sites"] == 3 and SiteWorker.objects.filter(kind="relative").count() == 2
    assert SiteFund.objects.get().status == "approved"
    batch = QuotaSubsidyBatch.objects.get()
    assert batch.status == "approved" and batch.total_amount > 0
    assert Target.objects.get(indicator="education.enrolment_rate", region_code="370502").value == Decimal(
        "0.98"
    )
    before = (Employer.objects.count(), Declaration.objects.count(), DeclaredEmployee.objects.count())
    again = generate_demo_edu_employment(region_code="3705", today=today)
    assert again.skipped
    assert before == (Employer.objects.count(), Declaration.objects.count(), DeclaredEmployee.objects.count())
