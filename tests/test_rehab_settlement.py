"""Settlement of children's rehabilitation by rule, as data: the pure calculation (every family, the
169/170-day boundary, a mid-year change, caps, age bands, rule choice) and the batches through the
database (set-based generation, cumulative batches, re-generation, maker-checker, scope, export, API,
command)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from registry_factories import registered

from canlian.core.audit.models import AuditEvent
from canlian.core.institutions.models import Institution
from canlian.domains.rehab.models import (
    Attendance,
    RehabPlan,
    SettlementBatch,
    SettlementLine,
    SettlementRule,
)
from canlian.domains.rehab.settlement import rules as calc
from canlian.domains.rehab.settlement.actions import (
    batch_approve,
    batch_generate,
    batch_mark_paid,
    batches_generate_for_region,
    settlement_rule_save,
)
from canlian.platform.errors import InvalidState, PermissionDenied, ValidationFailed
from canlian.programs.models import Enrollment, Program

pytestmark = pytest.mark.usefixtures("english")

D = Decimal
YEAR = 2026


# --- pure calculation ------------------------------------------------------------------------------


def rule(id=1, family="threshold", region="", start=dt.date(2023, 1, 1), end=None, **kw):
    values = {"amount": D("15000"), "transport_amount": D("3000"), "min_days": 170}
    if family != "threshold":
        values = {"amount": D("1500"), "transport_amount": D("0"), "min_days": 0}
    values.update(kw)
    return calc.RuleSpec(id=id, region_code=region, valid_from=start, valid_to=end, family=family, **values)


def plan(days, *, born=dt.date(2020, 6, 1), region="370502001001", category="2", mode="centre", plan_id=1):
    if isinstance(days, int):
        days = spread(days)
    return calc.PlanDays(
        plan_id=plan_id,
        person_id=plan_id,
        region_code=region,
        category=category,
        mode=mode,
        birth_date=born,
        month_days=days,
    )


def spread(total, months=range(1, 13)):
    """``total`` days over ``months`` as evenly as possible (at most 28 a month)."""
    months = list(months)
    base, extra = divmod(total, len(months))
    return {m: base + (1 if i < extra else 0) for i, m in enumerate(months)}


def one(rules, p, end_month=12, **kw):
    lines = calc.settle(year=YEAR, end_month=end_month, rules=rules, plans=[p], **kw)
    assert len(lines) == 1, lines
    return lines[0]


def test_threshold_170_days_pays_training_and_transport():
    line = one([rule()], plan(170))
    assert (line.training_amount, line.transport_amount, line.amount) == (
        D("15000.00"),
        D("3000.00"),
        D("18000.00"),
    )
    assert calc.explain(line.detail) == (
        "170 training days in 2026 (threshold 170 reached): training 15,000.00 + transport 3,000.00 = "
        "18,000.00; earlier batches 0.00; due 18,000.00"
    )


@pytest.mark.parametrize(
    ("below", "training", "transport"),
    [
        ("nothing", D("0.00"), D("0.00")),
        ("pro_rata", D("14911.76"), D("2982.35")),  # 15,000 × 169/170 and 3,000 × 169/170
        ("training_pro_rata", D("14911.76"), D("0.00")),
    ],
)
def test_threshold_169_days_follows_below_threshold(below, training, transport):
    line = one([rule(below_threshold=below)], plan(169))
    assert (line.training_amount, line.transport_amount) == (training, transport)
    assert line.amount == training + transport
    assert "threshold 170 not reached" in calc.explain(line.detail)


def test_mid_year_change_pays_each_rule_its_share():
    old = rule(id=1, end=dt.date(2026, 6, 30))
    new = rule(id=2, start=dt.date(2026, 7, 1), amount=D("20000"))
    days = {1: 30, 2: 30, 3: 30, 7: 40, 8: 50}  # 90 under each rule, 180 in the year
    lines = calc.settle(year=YEAR, end_month=12, rules=[old, new], plans=[plan(days)])
    by_rule = {line.rule_id: line for line in lines}
    assert by_rule[1].days == 90 and by_rule[1].year_days == 180
    assert (by_rule[1].training_amount, by_rule[1].transport_amount) == (D("7500.00"), D("1500.00"))
    assert (by_rule[2].training_amount, by_rule[2].transport_amount) == (D("10000.00"), D("1500.00"))
    assert "90 of 180 training days in 2026 under this rule" in calc.explain(by_rule[2].detail)
    assert "20,000.00 × 90/180 = 10,000.00" in calc.explain(by_rule[2].detail)
    # Together the threshold is judged on the year: 100 + 80 days are below 170, nothing at all.
    days = {1: 25, 2: 25, 3: 25, 4: 25, 7: 20, 8: 20, 9: 20}  # 160 days
    lines = calc.settle(year=YEAR, end_month=12, rules=[old, new], plans=[plan(days)])
    assert sum(line.amount for line in lines) == 0


def test_per_month_needs_min_days_and_stops_at_max_months():
    r = rule(family="per_month", amount=D("1500"), min_days=10, max_months=10)
    days = dict.fromkeys(range(1, 13), 12)
    days[2] = 9  # below the month's minimum: not counted
    line = one([r], plan(days))
    assert line.months == 10 and line.detail["qualifying_months"] == [1, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert line.training_amount == D("15000.00")
    # min_days 0 means any attendance; no cap.
    line = one([rule(family="per_month", amount=D("1000"))], plan({1: 1, 2: 0, 3: 5}))
    assert line.months == 2 and line.amount == D("2000.00")


def shandong_2026():
    """Shandong 2026: ages 0–6 20,000 a year; 7 and over 15,000 centre-based or 5,000 centre +
    community + family; visual 6,000 a year for at most 2 years (the others name the non-visual
    categories, so the visual rule is the only one matching a visual plan)."""
    start, other = dt.date(2026, 1, 1), "234568"
    common = {"family": "per_year", "region": "37", "start": start}
    return [
        rule(id=1, amount=D("20000"), age_max=6, categories=other, **common),
        rule(id=2, amount=D("15000"), age_min=7, mode="centre", categories=other, **common),
        rule(id=3, amount=D("5000"), age_min=7, mode="mixed", categories=other, **common),
        rule(id=4, amount=D("6000"), categories="1", max_years=2, **common),
    ]


@pytest.mark.parametrize(
    ("born", "mode", "category", "rule_id", "amount"),
    [
        (dt.date(2020, 1, 1), "centre", "2", 1, D("20000.00")),  # 6 on 1 January 2026
        (dt.date(2019, 1, 1), "centre", "2", 2, D("15000.00")),  # 7
        (dt.date(2019, 1, 1), "mixed", "2", 3, D("5000.00")),
        (dt.date(2019, 1, 2), "mixed", "2", 1, D("20000.00")),  # still 6 on 1 January
        (dt.date(2019, 1, 1), "centre", "1", 4, D("6000.00")),  # visual: the categories key wins
    ],
)
def test_per_year_by_age_band_mode_and_category(born, mode, category, rule_id, amount):
    line = one(shandong_2026(), plan(120, born=born, mode=mode, category=category))
    assert (line.rule_id, line.amount) == (rule_id, amount)


def test_per_year_visual_limit_of_two_years():
    p = plan(120, born=dt.date(2019, 1, 1), category="1")
    assert one(shandong_2026(), p, years_paid={(1, "1", ""): 1}).amount == D("6000.00")
    line = one(shandong_2026(), p, years_paid={(1, "1", ""): 2})
    assert line.amount == 0 and "already paid for 2 of at most 2 years" in calc.explain(line.detail)
    # A year with no training day pays nothing.
    assert calc.settle(year=YEAR, end_month=12, rules=shandong_2026(), plans=[plan({})]) == []


def test_rule_choice_longest_prefix_then_keys_then_latest():
    national = rule(id=1, region="", amount=D("1"))
    province = rule(id=2, region="37", amount=D("2"))
    city = rule(id=3, region="3705", amount=D("3"))
    elsewhere = rule(id=4, region="3706", amount=D("4"))
    kwargs = {
        "day": dt.date(2026, 3, 1),
        "region_code": "370502001001",
        "age": 5,
        "category": "2",
        "mode": "centre",
    }
    assert calc.choose_rule([national, province, city, elsewhere], **kwargs).id == 3
    keyed = rule(id=5, region="3705", amount=D("5"), categories="2")
    assert calc.choose_rule([city, keyed], **kwargs).id == 5
    later = rule(id=6, region="3705", amount=D("6"), start=dt.date(2026, 2, 1))
    assert calc.choose_rule([city, later], **kwargs).id == 6
    assert calc.choose_rule([later], **{**kwargs, "day": dt.date(2026, 1, 1)}) is None


def test_age_on_first_of_january():
    assert calc.age_on_january_first(dt.date(2020, 1, 1), 2026) == 6
    assert calc.age_on_january_first(dt.date(2020, 1, 2), 2026) == 5
    assert calc.age_on_january_first(None, 2026) is None


def test_cumulative_line_subtracts_earlier_batches():
    line = one([rule()], plan(170), earlier={(1, 1): D("4000.00")})
    assert (line.already_paid, line.amount) == (D("4000.00"), D("14000.00"))
    # Held by an earlier batch under a rule that no longer applies: a deduction.
    lines = calc.settle(
        year=YEAR, end_month=12, rules=[rule()], plans=[plan(170)], earlier={(1, 9): D("100")}
    )
    assert {(x.rule_id, x.amount) for x in lines} == {(1, D("18000.00")), (9, D("-100.00"))}


# --- through the database --------------------------------------------------------------------------


@pytest.fixture
def program(db):
    found, _ = Program.objects.get_or_create(
        code="child-rehab",
        defaults={"name": "残疾儿童康复救助", "kind": "settlement", "family": "child-rehab"},
    )
    return found


@pytest.fixture
def institution(regions):
    return Institution.objects.create(
        code="DY-REHAB-1",
        name="东营区康复中心",
        kind="rehab",
        region_code="370502",
        bank_account="6222021234567890",
    )


@pytest.fixture
def other_institution(regions):
    return Institution.objects.create(
        code="DY-REHAB-2", name="垦利康复中心", kind="rehab", region_code="370505"
    )


@pytest.fixture
def threshold_rule(program):
    return SettlementRule.objects.create(
        program=program,
        region_code="3705",
        valid_from=dt.date(2023, 1, 1),
        family="threshold",
        amount=D("15000"),
        transport_amount=D("3000"),
        min_days=170,
        below_threshold="pro_rata",
    )


@pytest.fixture
def generator(make_user):
    return make_user("county_admin", "370502", username="settle_maker")


@pytest.fixture
def checker(make_user):
    return make_user("county_admin", "370502", username="settle_checker")


_names = iter(range(1, 10_000))


def child(program, institution, *, year=YEAR, born="20200315", category="2", mode="centre", person=None):
    n = next(_names)
    name = "童" + "".join("甲乙丙丁戊己庚辛壬癸"[int(c)] for c in str(n))
    person = person or registered(name=name, birth=born, category=None, region_code="370502001001")
    enrollment, _ = Enrollment.objects.get_or_create(
        program=program,
        person=person,
        defaults={
            "region_code": person.region_code,
            "status": "active",
            # Training days count from the application date: the child applied on 1 January.
            "applied_on": dt.date(year, 1, 1),
            "application_month": dt.date(year, 1, 1),
        },
    )
    return RehabPlan.objects.create(
        enrollment=enrollment,
        person=person,
        region_code=person.region_code,
        institution=institution,
        year=year,
        category=category,
        mode=mode,
        starts_on=dt.date(year, 1, 1),
        ends_on=dt.date(year, 12, 31),
    )


def attend(p, per_month, *, first=1):
    """Training days: ``per_month`` {month: n} (days first..first+n-1 of each month)."""
    Attendance.objects.bulk_create(
        Attendance(
            plan=p, institution_id=p.institution_id, region_code=p.region_code, on=dt.date(p.year, m, d)
        )
        for m, n in per_month.items()
        for d in range(first, first + n)
    )


def lines_of(batch):
    return list(SettlementLine.objects.filter(batch=batch).order_by("person_id", "rule_id"))


def test_generate_threshold_boundary(program, institution, threshold_rule, generator):
    full, short = child(program, institution), child(program, institution)
    attend(full, spread(170))
    attend(short, spread(169))
    batch = batch_generate(
        actor=generator, institution_id=institution.pk, period_start="2026-01", period_end="2026-12"
    )
    amounts = {line.plan_id: line.amount for line in lines_of(batch)}
    assert amounts == {full.pk: D("18000.00"), short.pk: D("17894.11")}
    assert batch.line_count == 2 and batch.total_amount == D("35894.11")
    assert (batch.period_start, batch.period_end, batch.status) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
        "generated",
    )
    assert AuditEvent.objects.filter(event_type="settlement.generated", object_id=str(batch.pk)).exists()


def test_generation_is_set_based(program, institution, threshold_rule, generator):
    """The number of queries does not grow with the number of children."""
    for _ in range(2):
        attend(child(program, institution), spread(100))

    def queries(period_end):
        with CaptureQueriesContext(connection) as ctx:
            batch_generate(
                actor=generator, institution_id=institution.pk, period_start="2026-01", period_end=period_end
            )
        return len(ctx.captured_queries)

    small = queries("2026-11")
    for _ in range(20):
        attend(child(program, institution), spread(100))
    assert queries("2026-12") <= small


def test_mid_year_change_through_rule_save(program, institution, generator, regions):
    settlement_rule_save(
        actor=generator,
        region_code="370502",
        valid_from="2026-01",
        family="threshold",
        amount="15000",
        transport_amount="3000",
        min_days=170,
    )
    newer = settlement_rule_save(
        actor=generator,
        region_code="370502",
        valid_from="2026-07",
        family="threshold",
        amount="20000",
        transport_amount="3000",
        min_days=170,
    )
    older = SettlementRule.objects.get(region_code="370502", valid_from=dt.date(2026, 1, 1))
    assert older.valid_to == dt.date(2026, 6, 30)
    assert AuditEvent.objects.filter(event_type="settlement.rule_saved").count() == 3
    p = child(program, institution)
    attend(p, {1: 20, 2: 20, 3: 20, 4: 15, 5: 15, 6: 0, 7: 20, 8: 20, 9: 20, 10: 15, 11: 15})  # 90 + 90
    batch = batch_generate(
        actor=generator, institution_id=institution.pk, period_start="2026-01", period_end="2026-12"
    )
    by_rule = {line.rule_id: line for line in lines_of(batch)}
    assert by_rule[older.pk].amount == D("9000.00")  # (15,000 + 3,000) × 90/180
    assert by_rule[newer.pk].amount == D("11500.00")  # (20,000 + 3,000) × 90/180
    assert batch.total_amount == D("20500.00")


def test_rule_save_refuses_bad_input_and_overlap(program, generator, regions):
    with pytest.raises(ValidationFailed) as exc:
        settlement_rule_save(
            actor=generator, region_code="370502", valid_from="2026-13", family="threshold", amount=1
        )
    assert exc.value.field == "valid_from"
    with pytest.raises(ValidationFailed) as exc:
        settlement_rule_save(
            actor=generator, region_code="370502", valid_from="2026-01", family="threshold", amount=1
        )
    assert exc.value.field == "min_days"
    with pytest.raises(PermissionDenied):
        settlement_rule_save(
            actor=generator, region_code="3706", valid_from="2026-01", family="per_month", amount=1
        )
    settlement_rule_save(
        actor=generator,
        region_code="370502",
        valid_from="2026-01",
        valid_to="2026-06",
        family="per_month",
        amount=1,
    )
    from canlian.platform.errors import Conflict

    with pytest.raises(Conflict):
        settlement_rule_save(
            actor=generator, region_code="370502", valid_from="2026-03", family="per_month", amount=2
        )
    assert SettlementRule.objects.count() == 1


def test_cumulative_batches_pay_only_the_difference(program, institution, generator, regions):
    SettlementRule.objects.create(
        program=program,
        region_code="370502",
        valid_from=dt.date(2026, 1, 1),
        family="per_month",
        amount=D("1500"),
        min_days=5,
        max_months=10,
    )
    p = child(program, institution)
    attend(p, dict.fromkeys(range(1, 13), 8))
    half = batch_generate(
        actor=generator, institution_id=institution.pk, period_start="2026-01", period_end="2026-06"
    )
    assert half.total_amount == D("9000.00")
    year = batch_generate(
        actor=generator, institution_id=institution.pk, period_start="2026-01", period_end="2026-12"
    )
    (line,) = lines_of(year)
    assert (line.training_amount, line.already_paid, line.amount) == (
        D("15000.00"),
        D("9000.00"),
        D("6000.00"),
    )
    assert "earlier batches 9,000.00; due 6,000.00" in calc.explain(line.detail)


def test_regenerate_is_idempotent_until_approved(program, institution, threshold_rule, generator, checker):
    p = child(program, institution)
    attend(p, spread(100))
    first = batch_generate(
        actor=generator, institution_id=institution.pk, period_start="2026-01", period_end="2026-12"
    )
    before = [(x.plan_id, x.rule_id, x.amount) for x in lines_of(first)]
    again = batch_generate(
        actor=generator, institution_id=institution.pk, period_start="2026-01", period_end="2026-12"
    )
    assert again.pk == first.pk and [(x.plan_id, x.rule_id, x.amount) for x in lines_of(again)] == before
    assert SettlementLine.objects.count() == 1
    attend(p, {12: 19}, first=10)  # more days recorded: re-generation replaces the line
    again = batch_generate(
        actor=generator, institution_id=institution.pk, period_start="2026-01", period_end="2026-12"
    )
    assert SettlementLine.objects.count() == 1 and lines_of(again)[0].days == 119
    batch_approve(actor=checker, batch_id=again.pk)
    with pytest.raises(InvalidState):
        batch_generate(
            actor=generator, institution_id=institution.pk, period_start="2026-01", period_end="2026-12"
        )
    assert SettlementLine.objects.count() == 1


def test_maker_checker_and_payment(program, institution, threshold_rule, generator, checker, make_user):
    attend(child(program, institution), spread(170))
    batch = batch_generate(
        actor=generator, institution_id=institution.pk, period_start="2026-01", period_end="2026-12"
    )
    with pytest.raises(PermissionDenied):
        batch_approve(actor=generator, batch_id=batch.pk)
    with pytest.raises(InvalidState):
        batch_mark_paid(actor=generator, batch_id=batch.pk, paid_on=timezone.localdate())
    staff = make_user("institution_staff", "370502", institution=institution)
    with pytest.raises(PermissionDenied):
        batch_approve(actor=staff, batch_id=batch.pk)
    batch = batch_approve(actor=checker, batch_id=batch.pk)
    assert (batch.status, batch.approved_by) == ("approved", checker)
    batch = batch_mark_paid(actor=generator, batch_id=batch.pk, paid_on=timezone.localdate())
    assert batch.status == "paid" and batch.paid_on == timezone.localdate()
    assert AuditEvent.objects.filter(event_type__in=["settlement.approved", "settlement.paid"]).count() == 2


def test_per_year_visual_limit_over_years(program, institution, generator, checker, regions):
    SettlementRule.objects.create(
        program=program,
        region_code="37",
        valid_from=dt.date(2024, 1, 1),
        family="per_year",
        amount=D("6000"),
        min_days=1,
        categories="1",
        max_years=2,
    )
    person = registered(name="视障儿童", birth="20180301", category=None, region_code="370502001001")
    totals = []
    for year in (2024, 2025, 2026):
        p = child(program, institution, year=year, category="1", person=person)
        attend(p, {3: 10})
        batch = batch_generate(
            actor=generator, institution_id=institution.pk, period_start=f"{year}-01", period_end=f"{year}-12"
        )
        totals.append(batch.total_amount)
    assert totals == [D("6000.00"), D("6000.00"), D("0.00")]


def test_pages_and_institution_staff_scope(
    client, program, institution, other_institution, threshold_rule, generator, checker, make_user
):
    attend(child(program, institution), spread(170))
    batch = batch_generate(
        actor=generator, institution_id=institution.pk, period_start="2026-01", period_end="2026-12"
    )
    detail = reverse("rehab:settlement-batch-detail", kwargs={"batch_id": batch.pk})
    client.force_login(generator)
    page = client.get(detail).content.decode()
    assert "threshold 170 reached" in page and "18000.00" in page and 'data-testid="approve"' not in page
    client.force_login(checker)
    assert 'data-testid="approve"' in client.get(detail).content.decode()
    response = client.post(reverse("rehab:settlement-batch-approve", kwargs={"batch_id": batch.pk}))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "approved"
    own = make_user("institution_staff", "370502", institution=institution)
    client.force_login(own)
    assert client.get(detail).status_code == 200
    assert batch.institution.name in client.get(reverse("rehab:settlement-batch-list")).content.decode()
    assert (
        client.post(reverse("rehab:settlement-batch-paid", kwargs={"batch_id": batch.pk})).status_code == 403
    )
    stranger = make_user("institution_staff", "370505", institution=other_institution)
    client.force_login(stranger)
    assert client.get(detail).status_code == 404
    assert batch.institution.name not in client.get(reverse("rehab:settlement-batch-list")).content.decode()
    # Generate and rule pages.
    client.force_login(generator)
    assert client.get(reverse("rehab:settlement-batch-generate")).status_code == 200
    response = client.post(
        reverse("rehab:settlement-batch-generate"),
        {"institution": institution.pk, "period_start": "2026-01", "period_end": "2025-12"},
    )
    assert response.status_code == 400 and "cannot be before its start" in response.content.decode()
    assert client.get(reverse("rehab:settlement-rule-list")).status_code == 200
    response = client.post(
        reverse("rehab:settlement-rule-create"),
        {
            "region_code": "370502",
            "valid_from": "2027-01",
            "family": "per_month",
            "amount": "1500",
            "below_threshold": "nothing",
            "min_days": "10",
            "max_months": "10",
        },
    )
    assert response.status_code == 302
    assert SettlementRule.objects.filter(region_code="370502", max_months=10).exists()


def test_generate_form_reports_the_field(client, program, institution, generator):
    client.force_login(generator)
    response = client.post(
        reverse("rehab:settlement-batch-generate"),
        {"institution": institution.pk, "period_start": "2026-03", "period_end": "2027-02"},
    )
    assert response.status_code == 400
    assert "A batch covers months of one calendar year." in response.content.decode()
    assert not SettlementBatch.objects.exists()


def test_export_has_masked_ids_and_is_audited(client, program, institution, threshold_rule, generator):
    p = child(program, institution)
    attend(p, spread(170))
    batch = batch_generate(
        actor=generator, institution_id=institution.pk, period_start="2026-01", period_end="2026-12"
    )
    client.force_login(generator)
    response = client.post(reverse("rehab:settlement-batch-export", kwargs={"batch_id": batch.pk}))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    cells = [
        v for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None
    ]
    assert p.person.name in cells and p.person.id_number not in cells
    assert p.person.masked_id in cells and "6222021234567890" in cells
    assert AuditEvent.objects.filter(event_type="settlement.exported", object_id=str(batch.pk)).exists()


def test_api_generate_approve_paid_lines(client, program, institution, threshold_rule, generator, checker):
    attend(child(program, institution), spread(170))
    client.force_login(generator)
    response = client.post(
        "/api/v1/rehab/settlement-batches/",
        {"institution": institution.pk, "period_start": "2026-01", "period_end": "2026-12"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    batch_id = response.json()["id"]
    lines = client.get(f"/api/v1/rehab/settlement-batches/{batch_id}/lines/").json()
    rows = lines["results"] if isinstance(lines, dict) else lines
    assert rows[0]["amount"] == "18000.00" and "threshold 170 reached" in rows[0]["explanation"]
    assert client.post(f"/api/v1/rehab/settlement-batches/{batch_id}/approve/").status_code == 403
    client.force_login(checker)
    assert client.post(f"/api/v1/rehab/settlement-batches/{batch_id}/approve/").json()["status"] == "approved"
    client.force_login(generator)
    response = client.post(
        f"/api/v1/rehab/settlement-batches/{batch_id}/paid/", {}, content_type="application/json"
    )
    assert response.json()["status"] == "paid"
    response = client.post(
        "/api/v1/rehab/settlement-rules/",
        {
            "region_code": "370502",
            "valid_from": "2026-01",
            "family": "per_year",
            "amount": "20000",
            "age_max": 6,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert client.get(f"/api/v1/rehab/settlement-rules/{response.json()['id']}/").status_code == 200


def test_command_generates(program, institution, threshold_rule):
    attend(child(program, institution), spread(170))
    out = io.StringIO()
    call_command(
        "settlement_generate",
        "--institution",
        str(institution.pk),
        "--from",
        "2026-01",
        "--to",
        "2026-12",
        stdout=out,
    )
    assert "total 18000.00" in out.getvalue()
    out = io.StringIO()
    call_command(
        "settlement_generate", "--region", "3705", "--from", "2026-01", "--to", "2026-12", stdout=out
    )
    assert "1 batches" in out.getvalue() and SettlementBatch.objects.count() == 1


def test_region_job_generates_every_institution(
    client, program, institution, other_institution, threshold_rule, generator, make_user
):
    from canlian.core.jobs.models import Job
    from canlian.core.jobs.runner import run_job

    attend(child(program, institution), spread(170))
    attend(child(program, other_institution), spread(169))
    client.force_login(generator)
    response = client.post(
        reverse("rehab:settlement-batch-generate-region"),
        {"region_code": "370505", "period_start": "2026-01", "period_end": "2026-12"},
    )
    assert response.status_code == 400 and "region_code" in response.context["region_form"].errors
    city = make_user("city_admin", "3705")
    client.force_login(city)
    response = client.post(
        reverse("rehab:settlement-batch-generate-region"),
        {"region_code": "3705", "period_start": "2026-01", "period_end": "2026-12"},
    )
    assert response.status_code == 302
    job = Job.objects.get(kind="settlement.generate")
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.status
    assert sorted(SettlementBatch.objects.values_list("total_amount", flat=True)) == [
        D("17894.11"),
        D("18000.00"),
    ]


def test_api_institution_staff_see_only_their_institution(
    client, program, institution, other_institution, threshold_rule, generator, make_user
):
    attend(child(program, institution), spread(170))
    batch = batch_generate(
        actor=generator, institution_id=institution.pk, period_start="2026-01", period_end="2026-12"
    )
    own = make_user("institution_staff", "370502", institution=institution)
    client.force_login(own)
    listed = client.get("/api/v1/rehab/settlement-batches/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["id"] for r in rows] == [batch.pk]
    assert client.get(f"/api/v1/rehab/settlement-batches/{batch.pk}/lines/").status_code == 200
    assert client.post(f"/api/v1/rehab/settlement-batches/{batch.pk}/approve/").status_code == 403
    stranger = make_user("institution_staff", "370505", institution=other_institution)
    client.force_login(stranger)
    assert client.get(f"/api/v1/rehab/settlement-batches/{batch.pk}/").status_code == 404
    assert client.get(f"/api/v1/rehab/settlement-batches/{batch.pk}/lines/").status_code == 404
    listed = client.get("/api/v1/rehab/settlement-batches/").json()
    assert (listed["results"] if isinstance(listed, dict) else listed) == []


# --- a region at once ------------------------------------------------------------------------------


def _snapshot(batch):
    batch.refresh_from_db()
    lines = [
        (
            x.plan_id,
            x.rule_id,
            x.family,
            x.days,
            x.year_days,
            x.months,
            x.training_amount,
            x.transport_amount,
            x.already_paid,
            x.amount,
            x.detail,
        )
        for x in lines_of(batch)
    ]
    return (batch.status, batch.line_count, batch.total_amount), lines


@pytest.fixture
def city_maker(make_user):
    return make_user("city_admin", "3705", username="city_maker")


def test_region_generation_equals_each_institution_alone(
    program, institution, other_institution, threshold_rule, city_maker, make_user
):
    """Three institutions of a region: ``batches_generate_for_region`` (inputs read once, lines
    written in one statement) gives exactly the lines and totals of ``batch_generate`` per
    institution — created or replaced, with a mid-year change and an earlier half-year batch — and
    leaves an approved batch untouched."""
    generator, checker = city_maker, make_user("city_admin", "3705", username="city_checker")
    third = Institution.objects.create(
        code="DY-REHAB-3", name="河口康复中心", kind="rehab", region_code="370503"
    )
    newer = SettlementRule.objects.create(
        program=program,
        region_code="370502",
        valid_from=dt.date(2026, 7, 1),
        family="threshold",
        amount=D("20000"),
        transport_amount=D("3000"),
        min_days=170,
        below_threshold="training_pro_rata",
    )
    for where, per_child in (
        (institution, [spread(170), spread(100), spread(60, range(1, 7))]),
        (other_institution, [spread(180), spread(169)]),
        (third, [spread(175), spread(90)]),
    ):
        for days in per_child:
            attend(child(program, where), days)
    # An earlier half-year batch (its lines count as already paid) and an approved full-year batch.
    batch_generate(
        actor=generator, institution_id=institution.pk, period_start="2026-01", period_end="2026-06"
    )
    final = batch_generate(
        actor=generator, institution_id=third.pk, period_start="2026-01", period_end="2026-12"
    )
    batch_approve(actor=checker, batch_id=final.pk)
    final_before = _snapshot(final)
    final_audits = AuditEvent.objects.filter(object_id=str(final.pk)).count()

    def one_by_one():
        return {
            i.pk: _snapshot(
                batch_generate(
                    actor=generator, institution_id=i.pk, period_start="2026-01", period_end="2026-12"
                )
            )
            for i in (institution, other_institution)
        }

    expected = one_by_one()
    assert {rule_id for _t, lines in expected.values() for _p, rule_id, *_ in lines} == {
        threshold_rule.pk,
        newer.pk,
    }
    assert any(line[8] for line in expected[institution.pk][1])  # already paid by the half-year batch
    SettlementBatch.objects.filter(period_end=dt.date(2026, 12, 31)).exclude(pk=final.pk).delete()

    def by_region():
        batches, skipped = batches_generate_for_region(
            actor=generator, region_code="3705", period_start="2026-01", period_end="2026-12"
        )
        assert len(skipped) == 1 and skipped[0].startswith(f"{third.pk}: ")
        return {b.institution_id: _snapshot(b) for b in batches}

    created = by_region()  # new batches
    assert created == expected
    replaced = by_region()  # generated again: lines replaced
    assert replaced == expected
    # The approved batch: same status, lines and totals, no new audit row.
    generated_at = final.generated_at
    assert _snapshot(final) == final_before and final.generated_at == generated_at
    assert AuditEvent.objects.filter(object_id=str(final.pk)).count() == final_audits
    full_year = SettlementBatch.objects.filter(period_end=dt.date(2026, 12, 31)).exclude(pk=final.pk)
    for batch in full_year:
        events = AuditEvent.objects.filter(event_type="settlement.generated", object_id=str(batch.pk))
        assert [e.new_values["regenerated"] for e in events.order_by("pk")] == [False, True]
    # ``detail`` is stored as a JSON object (queryable), not as a JSON string, exactly as Django
    # stores it: saving the same dict through the ORM leaves the stored value unchanged.
    assert SettlementLine.objects.filter(batch__in=full_year, detail__family="threshold").count() == sum(
        len(lines) for _t, lines in expected.values()
    )
    line = SettlementLine.objects.filter(batch__in=full_year).order_by("pk").first()
    table = SettlementLine._meta.db_table

    def stored():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT detail FROM {table} WHERE id = %s", [line.pk])
            return cursor.fetchone()[0]

    written = stored()
    SettlementLine.objects.filter(pk=line.pk).update(detail=line.detail)
    assert stored() == written
    line.refresh_from_db()
    assert (
        isinstance(line.detail, dict) and line.detail["year"] == YEAR and line.detail["rule"] == line.rule_id
    )


def test_region_generation_reads_inputs_once(
    program, institution, other_institution, threshold_rule, city_maker
):
    """The queries of a region's generation do not grow with its children."""

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            batches_generate_for_region(
                actor=city_maker, region_code="3705", period_start="2026-01", period_end="2026-12"
            )
        return len(ctx.captured_queries)

    for where in (institution, other_institution):
        attend(child(program, where), spread(100))
    small = queries()
    for where in (institution, other_institution):
        for _ in range(10):
            attend(child(program, where), spread(120))
    assert queries() <= small


# --- a child who changed institution mid-year (issue 11) -------------------------------------------


def _child_plans(*month_days, born=dt.date(2020, 6, 1), starts=None):
    """One child's plans of the year (plan ids 1, 2, …), each with its days per month."""
    starts = starts or [dt.date(YEAR, 1, 1) + dt.timedelta(days=40 * i) for i in range(len(month_days))]
    return [
        calc.PlanDays(
            plan_id=i + 1,
            person_id=7,
            region_code="370502001001",
            category="2",
            mode="centre",
            birth_date=born,
            month_days=days,
            starts_on=starts[i],
        )
        for i, days in enumerate(month_days)
    ]


def _settle_each(rules, plans, end_month=12):
    """Each plan settled as its institution's batch does: its own lines, the child's plans as context."""
    child = {plans[0].person_id: plans}
    return {
        p.plan_id: calc.settle(year=YEAR, end_month=end_month, rules=rules, plans=[p], child_plans=child)
        for p in plans
    }


def test_threshold_counts_the_childs_days_at_every_institution_and_splits_by_days():
    """100 days at A + 70 at B = 170: the child gets 18,000.00, A 100/170 of it, B the rest."""
    plans = _child_plans(spread(100, range(1, 7)), spread(70, range(7, 13)))
    lines = _settle_each([rule()], plans)
    a, b = (one_line for (one_line,) in (lines[1], lines[2]))
    assert (a.training_amount, a.transport_amount, a.amount) == (D("8823.53"), D("1764.71"), D("10588.24"))
    assert (b.training_amount, b.transport_amount, b.amount) == (D("6176.47"), D("1235.29"), D("7411.76"))
    assert a.amount + b.amount == D("18000.00")
    assert (a.days, a.year_days, b.days, b.year_days) == (100, 170, 70, 170)
    assert calc.explain(a.detail) == (
        "100 training days at this institution, of the child's 170 in 2026 at all institutions "
        "(threshold 170 reached): training 15,000.00 × 100/170 = 8,823.53 + transport 3,000.00 × 100/170 "
        "= 1,764.71 = 10,588.24; the child's 18,000.00 shared by days between 2 institutions; earlier "
        "batches 0.00; due 10,588.24"
    )
    # Each institution alone (the old behaviour) would have paid nothing: 100 and 70 < 170.
    assert one([rule()], plan(spread(100, range(1, 7)))).amount == D("0.00")


@pytest.mark.parametrize(
    ("below", "a_amount", "b_amount"),
    [
        ("nothing", D("0.00"), D("0.00")),
        # The child's 15,000 × 169/170 = 14,911.76 and 3,000 × 169/170 = 2,982.35, shared 100 : 69.
        ("pro_rata", D("10588.23"), D("7305.88")),
    ],
)
def test_169_days_at_two_institutions_follow_below_threshold(below, a_amount, b_amount):
    plans = _child_plans(spread(100, range(1, 7)), spread(69, range(7, 13)))
    lines = _settle_each([rule(below_threshold=below)], plans)
    (a,), (b,) = lines[1], lines[2]
    assert (a.amount, b.amount) == (a_amount, b_amount)
    if below == "pro_rata":
        assert (a.training_amount, a.transport_amount) == (D("8823.53"), D("1764.70"))
        assert (b.training_amount, b.transport_amount) == (D("6088.23"), D("1217.65"))
        assert a.amount + b.amount == D("17894.11")
        assert "threshold 170 not reached" in calc.explain(b.detail)


def test_split_rounding_gives_the_remainder_to_the_last_plan():
    """Shares rounded to the cent; the last plan in plan order gets what makes them add up."""
    plans = _child_plans({1: 1}, {2: 1}, {3: 1})
    lines = _settle_each([rule(min_days=3, amount=D("100"), transport_amount=D("0"))], plans)
    assert [lines[i][0].amount for i in (1, 2, 3)] == [D("33.33"), D("33.33"), D("33.34")]
    assert "this one the remainder" in calc.explain(lines[3][0].detail)
    assert "remainder" not in calc.explain(lines[1][0].detail)


def test_per_month_counts_the_childs_days_in_the_month_at_both_institutions():
    """The child moves on 13 March: 8 days at A and 10 at B in March reach the monthly minimum of 10
    together; the month's 1,500 is shared 8 : 10."""
    monthly = rule(family="per_month", min_days=10, max_months=10)
    plans = _child_plans(
        {1: 12, 2: 15, 3: 8}, {3: 10, 4: 12}, starts=[dt.date(YEAR, 1, 1), dt.date(YEAR, 3, 13)]
    )
    lines = _settle_each([monthly], plans, end_month=4)
    (a,), (b,) = lines[1], lines[2]
    assert (a.months, a.amount) == (3, D("3666.67"))  # 1,500 + 1,500 + 1,500 × 8/18
    assert (b.months, b.amount) == (2, D("2333.33"))  # 1,500 × 10/18 + 1,500
    assert a.amount + b.amount == D("6000.00")
    assert "months shared with another institution by days: 3: 8/18" in calc.explain(a.detail)
    # Alone, A's 8 days in March would not reach the minimum.
    assert one([monthly], plan({1: 12, 2: 15, 3: 8}), end_month=4).amount == D("3000.00")


def transferred(program, a, b, *, on=dt.date(YEAR, 7, 1)):
    """A child whose plan at ``a`` ended on the day before ``on`` (a transfer) and continues at ``b``."""
    first = child(program, a)
    RehabPlan.objects.filter(pk=first.pk).update(
        ends_on=on - dt.timedelta(days=1),
        ended_on=on - dt.timedelta(days=1),
        status="ended",
        end_reason="transfer",
    )
    second = RehabPlan.objects.create(
        enrollment=first.enrollment,
        person=first.person,
        region_code=first.region_code,
        institution=b,
        year=first.year,
        category=first.category,
        mode=first.mode,
        starts_on=on,
        ends_on=dt.date(first.year, 12, 31),
        transferred_from=first,
    )
    first.refresh_from_db()
    return first, second


def test_each_institutions_batch_pays_its_share(
    program, institution, other_institution, threshold_rule, city_maker
):
    """Case 3 through the database: 100 days at A, then a transfer, 70 at B."""
    at_a, at_b = transferred(program, institution, other_institution)
    attend(at_a, spread(100, range(1, 7)))
    attend(at_b, spread(70, range(7, 13)))
    batch_a = batch_generate(
        actor=city_maker, institution_id=institution.pk, period_start="2026-01", period_end="2026-12"
    )
    batch_b = batch_generate(
        actor=city_maker, institution_id=other_institution.pk, period_start="2026-01", period_end="2026-12"
    )
    (line_a,), (line_b,) = lines_of(batch_a), lines_of(batch_b)
    assert (line_a.plan_id, line_a.days, line_a.year_days, line_a.amount) == (
        at_a.pk,
        100,
        170,
        D("10588.24"),
    )
    assert (line_b.plan_id, line_b.days, line_b.year_days, line_b.amount) == (at_b.pk, 70, 170, D("7411.76"))
    assert batch_a.total_amount + batch_b.total_amount == D("18000.00")
    assert "of the child's 170 in 2026 at all institutions" in calc.explain(line_b.detail)
    # Generated again after the other batch exists: nothing of A's is subtracted from B.
    again = batch_generate(
        actor=city_maker, institution_id=other_institution.pk, period_start="2026-01", period_end="2026-12"
    )
    assert [(x.already_paid, x.amount) for x in lines_of(again)] == [(D("0.00"), D("7411.76"))]


def test_169_days_at_two_institutions_through_the_database(
    program, institution, other_institution, threshold_rule, city_maker
):
    at_a, at_b = transferred(program, institution, other_institution)
    attend(at_a, spread(100, range(1, 7)))
    attend(at_b, spread(69, range(7, 13)))

    def totals():
        return [
            batch_generate(
                actor=city_maker, institution_id=i.pk, period_start="2026-01", period_end="2026-12"
            ).total_amount
            for i in (institution, other_institution)
        ]

    assert totals() == [D("10588.23"), D("7305.88")]  # pro rata, the rule's option
    SettlementRule.objects.filter(pk=threshold_rule.pk).update(below_threshold="nothing")
    assert totals() == [D("0.00"), D("0.00")]


def test_region_job_counts_days_at_an_institution_outside_the_region(
    program, institution, other_institution, threshold_rule, city_maker
):
    """B's county (370505) generated alone still counts the child's days at A (370502)."""
    at_a, at_b = transferred(program, institution, other_institution)
    attend(at_a, spread(100, range(1, 7)))
    attend(at_b, spread(70, range(7, 13)))
    batches, _skipped = batches_generate_for_region(
        actor=city_maker, region_code="370505", period_start="2026-01", period_end="2026-12"
    )
    assert [(b.institution_id, b.total_amount) for b in batches] == [(other_institution.pk, D("7411.76"))]
    batches, _skipped = batches_generate_for_region(
        actor=city_maker, region_code="3705", period_start="2026-01", period_end="2026-12"
    )
    assert sorted(b.total_amount for b in batches) == [D("7411.76"), D("10588.24")]


def test_settlement_counts_only_days_inside_the_paid_window(program, institution, threshold_rule, generator):
    """Case 4: days stored before the application date or from the stop on (old data) are not
    counted; the day before the stop is. 170 days inside the window pay 18,000.00."""
    p = child(program, institution)
    Enrollment.objects.filter(pk=p.enrollment_id).update(
        applied_on=dt.date(YEAR, 1, 2), status="stopped", stopped_from=dt.date(YEAR, 12, 1)
    )
    inside = [dt.date(YEAR, 1, d) for d in range(2, 16)]  # 14
    inside += [dt.date(YEAR, m, d) for m in range(2, 11) for d in range(1, 16)]  # 135
    inside += [dt.date(YEAR, 11, d) for d in range(10, 31)]  # 21, up to 30 November
    outside = [dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 1), dt.date(YEAR, 12, 2)]
    Attendance.objects.bulk_create(
        Attendance(plan=p, institution=institution, region_code=p.region_code, on=day)
        for day in inside + outside
    )
    assert len(inside) == 170
    batch = batch_generate(
        actor=generator, institution_id=institution.pk, period_start="2026-01", period_end="2026-12"
    )
    (line,) = lines_of(batch)
    assert (line.year_days, line.amount) == (170, D("18000.00"))
    # Without the day before the stop, 169: pro rata.
    Attendance.objects.filter(plan=p, on=dt.date(YEAR, 11, 30)).delete()
    batch = batch_generate(
        actor=generator, institution_id=institution.pk, period_start="2026-01", period_end="2026-12"
    )
    assert [(x.year_days, x.amount) for x in lines_of(batch)] == [(169, D("17894.11"))]


def test_region_generation_with_transfers_reads_inputs_once(
    program, institution, other_institution, threshold_rule, city_maker
):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            batches_generate_for_region(
                actor=city_maker, region_code="3705", period_start="2026-01", period_end="2026-12"
            )
        return len(ctx.captured_queries)

    at_a, at_b = transferred(program, institution, other_institution)
    attend(at_a, spread(60, range(1, 7)))
    attend(at_b, spread(60, range(7, 13)))
    small = queries()
    for _ in range(6):
        at_a, at_b = transferred(program, institution, other_institution)
        attend(at_a, spread(90, range(1, 7)))
        attend(at_b, spread(90, range(7, 13)))
    assert queries() <= small
