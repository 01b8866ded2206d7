"""The proportional-employment fund on worked examples: double counting for grades 1–2, the wage cap,
each reduction band with its neighbours, the small-employer exemption and its neighbour, the
non-reporter; and the review's verification of each declared employee against the registry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from employment_world import employee_row, employer, wages
from registry_factories import registered

from canlian.core.audit.models import AuditEvent
from canlian.domains.employment import actions
from canlian.domains.employment.fund import RuleFigures, compute_fund
from canlian.domains.employment.models import Declaration, DeclaredEmployee, QuotaRule
from canlian.domains.employment.uscc import normalize_uscc, uscc_with_check
from canlian.platform.errors import Conflict, InvalidState, NotFound, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db

BANDED = RuleFigures(
    quota_ratio=Decimal("0.015"),
    wage_cap_multiple=Decimal("2"),
    exempt_staff_max=30,
    band_ratio=Decimal("0.01"),
    band_share=Decimal("0.5"),
    below_band_share=Decimal("0.9"),
)
FULL = RuleFigures(quota_ratio=Decimal("0.015"), wage_cap_multiple=Decimal("2"))


def fund(staff, counted, wage="80000.00", local="60000.00", rule=BANDED):
    return compute_fund(
        staff=Decimal(staff),
        counted=counted,
        average_wage=Decimal(wage),
        local_average_wage=Decimal(local),
        rule=rule,
    )


# --- the formula, pure ---------------------------------------------------------------------------------


def test_reduction_bands_and_their_neighbours():
    # 300 staff × 1.5% = 4.5 required; 3 counted = exactly 1%: half of 1.5 × 80,000.
    at_band = fund("300", 3)
    assert at_band.required == Decimal("4.5")
    assert at_band.shortfall == Decimal("1.5")
    assert at_band.gross == Decimal("120000.00")
    assert at_band.share == Decimal("0.5")
    assert at_band.fund_due == Decimal("60000.00")
    # one fewer: 2 ÷ 300 < 1%: 90% of 2.5 × 80,000
    below = fund("300", 2)
    assert below.share == Decimal("0.9")
    assert below.fund_due == Decimal("180000.00")
    # 1% of 301 staff is 3.01: three is just below the band
    assert fund("301", 3).share == Decimal("0.9")
    # quota met (5 ≥ 4.5): nothing due
    met = fund("300", 5)
    assert met.shortfall == 0 and met.fund_due == Decimal("0.00")
    # 4 < 4.5: half of 0.5 × 80,000
    assert fund("300", 4).fund_due == Decimal("20000.00")
    # without reduction bands (from 2028) the whole fund is due
    assert fund("300", 3, rule=FULL).fund_due == Decimal("120000.00")


def test_wage_cap_and_its_neighbours():
    # 100 staff, nobody: 1.5 × min(wage, 2 × 50,000); below 1% pays 90%
    capped = fund("100", 0, wage="120000.50", local="50000.00")
    assert capped.capped and capped.wage_base == Decimal("100000.00")
    assert capped.gross == Decimal("150000.00")
    assert capped.fund_due == Decimal("135000.00")
    at_cap = fund("100", 0, wage="100000.00", local="50000.00")
    assert not at_cap.capped and at_cap.fund_due == Decimal("135000.00")
    under = fund("100", 0, wage="99999.99", local="50000.00")
    assert under.wage_base == Decimal("99999.99")
    assert under.gross == Decimal("149999.99")  # 149,999.985 half up
    assert under.fund_due == Decimal("134999.99")


def test_exemption_and_its_neighbour():
    exempt = fund("30", 0)
    assert exempt.exempt and exempt.fund_due == Decimal("0.00")
    assert exempt.gross == Decimal("36000.00")  # shown, then exempt
    liable = fund("31", 0)
    assert not liable.exempt
    assert liable.required == Decimal("0.465")
    assert liable.gross == Decimal("37200.00")
    assert liable.fund_due == Decimal("33480.00")
    # no exemption in the rule: 30 staff pay
    assert fund("30", 0, rule=FULL).fund_due == Decimal("36000.00")


def test_every_step_is_shown():
    steps = fund("300", 3).steps
    labels = [s.label for s in steps]
    assert labels[0] == "Average in-post staff" or len(labels) >= 8
    assert any("300 × 1.50%" == s.formula for s in steps)
    assert steps[-1].value == "60000.00"


def test_uscc_accepts_n_and_y_departments():
    assert normalize_uscc("91110000600037341L") == "91110000600037341L"
    coop = uscc_with_check("N1370502MA3C1234" + "5")
    assert normalize_uscc(coop.lower()) == coop
    other = uscc_with_check("Y1370502MA3C9876" + "1")
    assert normalize_uscc(other) == other
    with pytest.raises(ValueError):
        normalize_uscc(coop[:-1] + ("0" if coop[-1] != "0" else "1"))
    with pytest.raises(ValueError):
        normalize_uscc("Z" + coop[1:])


# --- the review against the registry --------------------------------------------------------------------


@pytest.fixture
def admin(make_user):
    return make_user("county_admin", "370502", username="emp_admin")


@pytest.fixture
def setup(regions, admin):
    wages(actor=admin)
    return admin


def declare(admin, emp, staff, employees, wage="80000.00", year=2025):
    return actions.declaration_record(
        actor=admin, employer_id=emp.pk, year=year, staff=staff, average_wage=wage, employees=employees
    )


def test_double_counting_and_the_second_claim(setup):
    admin = setup
    severe = registered(name="重度甲", grade=2)
    mild = registered(name="轻度乙", grade=3)
    first = employer(admin, "东营甲公司")
    second = employer(admin, "东营乙公司")
    d1 = declare(admin, first, "200", [employee_row(severe), employee_row(mild)])
    reviewed = actions.declaration_review(actor=admin, declaration_id=d1.pk)
    # 200 × 1.5% = 3 required; grade 2 counts two + grade 3 one = 3: quota met
    assert reviewed.counted == 3
    assert reviewed.fund_due == Decimal("0.00")
    weights = dict(reviewed.employees.values_list("name", "weight"))
    assert weights == {"重度甲": 2, "轻度乙": 1}
    # the second employer claims the severe employee too: rejected, the first employer named
    d2 = declare(admin, second, "200", [employee_row(severe)])
    reviewed2 = actions.declaration_review(actor=admin, declaration_id=d2.pk)
    item = reviewed2.employees.get()
    assert item.verdict == "rejected" and item.reason == "counted_elsewhere"
    assert "东营甲公司" in item.reason_note and first.uscc in item.reason_note
    assert reviewed2.counted == 0
    # 3 × 80,000 = 240,000; 0% < 1%: 90%
    assert reviewed2.fund_due == Decimal("216000.00")
    assert AuditEvent.objects.filter(event_type="employment.declaration_reviewed").count() == 2


def test_verification_neighbours(setup):
    admin = setup
    people = [registered(name=f"职工{n}", grade=4) for n in "甲乙丙丁戊己"]
    emp = employer(admin, "东营丙公司")
    start = dt.date(2025, 1, 1)
    rows = [
        employee_row(people[0], contract_end=dt.date(2025, 12, 31)),  # a full year: counts
        employee_row(people[1], contract_end=dt.date(2025, 12, 30)),  # one day short
        employee_row(people[2], monthly_wage="2200.00"),  # the minimum: counts
        employee_row(people[3], monthly_wage="2199.99"),  # a cent below
        employee_row(people[4], insurance_paid="否"),
        employee_row(people[5], contract_end=None),  # open-ended: counts
    ]
    for r in rows:
        r.setdefault("contract_start", start)
    d = declare(admin, emp, "1000", rows)
    reviewed = actions.declaration_review(actor=admin, declaration_id=d.pk)
    verdicts = {e.name: (e.verdict, e.reason) for e in reviewed.employees.all()}
    assert verdicts["职工甲"] == ("accepted", "")
    assert verdicts["职工乙"] == ("rejected", "short_contract")
    assert verdicts["职工丙"] == ("accepted", "")
    assert verdicts["职工丁"] == ("rejected", "low_wage")
    assert verdicts["职工戊"] == ("rejected", "no_insurance")
    assert verdicts["职工己"] == ("accepted", "")
    assert reviewed.counted == 3


def test_not_in_registry_and_not_certified(setup):
    from registry_factories import resident_id

    admin = setup
    uncertified = registered(name="无证", category=None)
    emp = employer(admin, "东营丁公司")
    stranger = resident_id("370502", "19900101")
    d = declare(
        admin,
        emp,
        "100",
        [
            {
                "name": "陌生",
                "certificate_number": stranger + "42",
                "contract_start": "2025-01-01",
                "monthly_wage": "3000",
                "insurance_paid": "是",
            },
            {
                "name": "无证",
                "certificate_number": uncertified.id_number + "42",
                "contract_start": "2025-01-01",
                "monthly_wage": "3000",
                "insurance_paid": "是",
            },
        ],
    )
    reviewed = actions.declaration_review(actor=admin, declaration_id=d.pk)
    reasons = dict(reviewed.employees.values_list("name", "reason"))
    assert reasons == {"陌生": "not_in_registry", "无证": "not_certified"}
    with pytest.raises(InvalidState):
        actions.declaration_review(actor=admin, declaration_id=d.pk)


def test_non_reporter_counts_as_employing_nobody(setup):
    admin = setup
    silent = employer(admin, "不申报公司", staff_known="100", wage_known="60000.00")
    employer(admin, "无数据公司")
    outcome = actions.non_reporters_record(actor=admin, year=2025, region_code="370502")
    assert outcome == {"recorded": 1, "skipped": 1}
    d = Declaration.objects.get(employer=silent, year=2025)
    assert d.source == "not_reported"
    reviewed = actions.declaration_review(actor=admin, declaration_id=d.pk)
    # 1.5 × 60,000 = 90,000; nobody employed: 90%
    assert reviewed.counted == 0
    assert reviewed.fund_due == Decimal("81000.00")
    # running it again records nobody twice
    assert actions.non_reporters_record(actor=admin, year=2025, region_code="370502")["recorded"] == 0


def test_exempt_small_employer_and_reviewed_in_full_after_2027(setup):
    admin = setup
    small = employer(admin, "小微企业")
    d = declare(admin, small, "30", [])
    assert actions.declaration_review(actor=admin, declaration_id=d.pk).fund_due == Decimal("0.00")
    neighbour = employer(admin, "小微邻居")
    d = declare(admin, neighbour, "31", [])
    assert actions.declaration_review(actor=admin, declaration_id=d.pk).fund_due == Decimal("33480.00")
    later = employer(admin, "2027年度企业")
    d = declare(admin, later, "31", [], year=2027)
    # levied in 2028: no exemption, no reduction
    assert actions.declaration_review(actor=admin, declaration_id=d.pk).fund_due == Decimal("37200.00")


def test_province_rule_overrides_the_national_one(setup):
    from canlian.platform.access import SYSTEM

    admin = setup
    actions.quota_rule_set(
        actor=SYSTEM,
        region_code="37",
        valid_from="2026-01-01",
        quota_ratio="1.6%",
        wage_cap_multiple="2",
        exempt_staff_max=30,
        band_ratio="1%",
        band_share="0.5",
        below_band_share="0.9",
    )
    emp = employer(admin, "省规则企业")
    d = declare(admin, emp, "100", [])
    reviewed = actions.declaration_review(actor=admin, declaration_id=d.pk)
    assert reviewed.rule.region_code == "37"
    # 1.6 × 80,000 × 90%
    assert reviewed.fund_due == Decimal("115200.00")


def test_review_refusals_change_nothing(setup, make_user):
    admin = setup
    emp = employer(admin, "拒绝企业")
    d = declare(admin, emp, "100", [])
    other = make_user("county_admin", "370505", username="kl_admin")
    with pytest.raises(NotFound):
        actions.declaration_review(actor=other, declaration_id=d.pk)
    township = make_user("leader", "370502", username="emp_leader")
    with pytest.raises(PermissionDenied):
        actions.declaration_review(actor=township, declaration_id=d.pk)
    QuotaRule.objects.all().delete()
    with pytest.raises(InvalidState):
        actions.declaration_review(actor=admin, declaration_id=d.pk)
    d.refresh_from_db()
    assert d.status == "submitted" and d.fund_due is None


def test_declaration_record_refusals_name_the_row(setup):
    admin = setup
    emp = employer(admin, "录入企业")
    person = registered(name="录入甲")
    bad = [employee_row(person), employee_row(person), {"name": "", "certificate_number": "123"}]
    with pytest.raises(ValidationFailed) as caught:
        declare(admin, emp, "100", bad)
    where = {(e.row, e.field) for e in caught.value.errors}
    assert (2, "certificate_number") in where and (3, "name") in where
    assert not Declaration.objects.exists() and not DeclaredEmployee.objects.exists()
    declare(admin, emp, "100", [])
    with pytest.raises(Conflict):
        declare(admin, emp, "100", [])
