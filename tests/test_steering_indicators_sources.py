"""The batch writes that change indicator figures say so inside their transaction
(``sources_changed``): once they commit, one ``indicators.refresh`` job is queued for the indicators
those facts feed, for the year affected; a refused write queues nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import rehab_world as rw
from registry_factories import registered, resident_id

from canlian.core.jobs.models import Job
from canlian.core.registry.actions import hardship_add
from canlian.core.registry.importing import persons_import
from canlian.core.registry.importing.columns import LEDGER_TEMPLATE
from canlian.domains.care import actions as care
from canlian.domains.rehab.settlement.actions import (
    batch_approve,
    batch_generate,
    batch_mark_paid,
    settlement_rule_save,
)
from canlian.platform.errors import PermissionDenied
from canlian.platform.tabular import Table
from canlian.programs import enrollments as steps
from canlian.programs.cycles import actions as cycles
from canlian.programs.models import PaymentLine
from canlian.programs.rules.actions import standard_create

D = dt.date


def refresh_jobs() -> list[dict]:
    return [j.params for j in Job.objects.filter(kind="indicators.refresh").order_by("id")]


@pytest.fixture
def county(make_user):
    return make_user("county_admin", "370502", username="src_maker"), make_user(
        "county_admin", "370502", username="src_checker"
    )


def test_cycle_approval_and_bank_results_queue_a_refresh(regions, county, django_capture_on_commit_callbacks):
    maker, checker = county
    standard_create(
        actor=None,
        program="nursing-subsidy",
        region_code="37",
        valid_from=D(2025, 1, 1),
        grades="12",
        amount="200",
    )
    person = registered(name="护理甲", region_code="370502001001", grade=1)
    e = steps.enrollment_apply(
        actor=None,
        program_code="nursing-subsidy",
        person_id=person.pk,
        applied_on=D(2025, 11, 3),
        needs_long_term_care=True,
        bank_account="6228480012345678901",
    )
    for step, days in (
        (steps.enrollment_first_check, 1),
        (steps.enrollment_review, 2),
        (steps.enrollment_decide, 3),
    ):
        step(actor=None, enrollment_id=e.pk, on=D(2025, 11, 3) + dt.timedelta(days=days))
    steps.enrollment_notice_end(actor=None, enrollment_id=e.pk, on=D(2025, 11, 20))
    cycle = cycles.cycle_generate(
        actor=maker, program_code="nursing-subsidy", region_code="370502", month=D(2025, 12, 1)
    ).cycle
    assert refresh_jobs() == []  # a generated cycle changes no figure
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        cycles.cycle_approve(actor=maker, cycle_id=cycle.pk)  # maker-checker: refused
    assert refresh_jobs() == []
    with django_capture_on_commit_callbacks(execute=True):
        cycles.cycle_approve(actor=checker, cycle_id=cycle.pk)
    [params] = refresh_jobs()
    assert params["year"] == 2025 and params["sources"] == ["payments"]
    assert {"subsidies.nursing.people", "subsidies.nursing.times", "subsidies.amount"} <= set(
        params["indicators"]
    )
    assert "care.contacts" not in params["indicators"]
    cycles.cycle_export(actor=maker, cycle_id=cycle.pk, fmt="csv")
    lines = list(PaymentLine.objects.filter(cycle=cycle).values_list("pk", flat=True))
    assert len(lines) == 2  # November (arrears) and December
    table = Table(header=["line", "status"], rows=[[str(pk), "paid"] for pk in lines])
    with django_capture_on_commit_callbacks(execute=True):
        cycles.cycle_record_results(actor=maker, cycle_id=cycle.pk, table=table)
    assert [p["year"] for p in refresh_jobs()] == [2025, 2025]


def test_person_import_queues_a_registry_refresh(
    regions, county, tmp_path, django_capture_on_commit_callbacks
):
    maker, _ = county
    number = resident_id("370502", "19700101")
    row = [
        "1",
        "王导入",
        "男",
        "汉族",
        number,
        f"{number}42",
        "肢体",
        "二级",
        "2020-01-01",
        "",
        "13800000000",
    ]
    row += ["东营区王家村1号", "东营区王家村1号", "文汇街道", "王家村", ""]
    path = tmp_path / "ledger.csv"
    path.write_text(",".join(LEDGER_TEMPLATE[:16]) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        persons_import(actor=maker, path=path, dry_run=True)
    assert refresh_jobs() == []  # a dry run writes nothing
    with django_capture_on_commit_callbacks(execute=True):
        result = persons_import(actor=maker, path=path)
    assert result.new == 1
    [params] = refresh_jobs()
    assert params["sources"] == ["registry"]
    assert {"registry.certified", "subsidies.living.coverage", "care.pairing_coverage"} <= set(
        params["indicators"]
    )


def test_settlement_approval_and_payment_queue_a_refresh(regions, county, django_capture_on_commit_callbacks):
    maker, checker = county
    inst = rw.institution("370502")
    child = rw.child("370502001001", name="童结算")
    plan = rw.plan(child, inst, staff=rw.therapist(inst), year=2025, enrollment=rw.active_enrollment(child))
    from canlian.domains.rehab import actions

    actions.attendance_record(actor=None, plan_id=plan.pk, days=[D(2025, 3, 3)])
    settlement_rule_save(
        actor=None, region_code="3705", valid_from="2025-01", family="per_month", amount="1500", min_days=1
    )
    batch = batch_generate(actor=maker, institution_id=inst.pk, period_start="2025-03", period_end="2025-03")
    with django_capture_on_commit_callbacks(execute=True):
        batch_approve(actor=checker, batch_id=batch.pk)
    [params] = refresh_jobs()
    assert params["year"] == 2025 and params["sources"] == ["settlements"]
    assert params["indicators"] == ["rehab.amount"]
    with django_capture_on_commit_callbacks(execute=True):
        batch_mark_paid(actor=maker, batch_id=batch.pk)
    assert len(refresh_jobs()) == 2


def test_pairing_upload_queues_a_care_refresh(
    regions, county, tmp_path, make_user, django_capture_on_commit_callbacks
):
    maker, _ = county
    make_user("cadre", "370502001", username="cadre_up")
    person = registered(name="结对甲", region_code="370502001001", grade=1)
    hardship_add(actor=None, person_id=person.pk, kind="dibao", valid_from=D(2025, 1, 1))
    path = tmp_path / "pairs.csv"
    path.write_text(f"身份证号,干部账号\n{person.id_number},cadre_up\n", encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        care.pairings_import(actor=maker, path=path)
    [params] = refresh_jobs()
    assert params["sources"] == ["care"] and "care.pairing_coverage" in params["indicators"]
    with django_capture_on_commit_callbacks(execute=True):
        assert care.pairings_import(actor=maker, path=path)["skipped"] == 1  # nothing new: no refresh
    assert len(refresh_jobs()) == 1
