"""Monthly payment cycles: which lines and amounts, idempotence and crashes, maker-checker, the bank
file and the bank's results, re-issues, scope; the pages, the API, the command and the job."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import translation
from registry_factories import registered

from canlian.core.audit.models import AuditEvent
from canlian.core.registry.models import Certificate, HardshipStatus
from canlian.platform.errors import InvalidState, NotFound, PermissionDenied, ValidationFailed
from canlian.platform.tabular import Table
from canlian.programs.cycles import actions as cycles
from canlian.programs.eligibility import age_at, standard_for
from canlian.programs.models import Enrollment, PaymentCycle, PaymentLine, Program, Standard

D = dt.date
COUNTY = "370502"


def months(*pairs: tuple[int, int]) -> list[dt.date]:
    return [D(y, m, 1) for y, m in pairs]


@pytest.fixture
def setup(regions, make_user) -> dict[str, Any]:
    return make_setup(make_user)


def make_setup(make_user: Any) -> dict[str, Any]:
    nursing = Program.objects.get(code="nursing-subsidy")
    living = Program.objects.get(code="living-subsidy")
    # Nursing: 100 a month for grades 1–2 until June 2025, 150 from July; the county pays grade 1
    # children under 18 more; living: 80 for 低保.
    Standard.objects.create(
        program=nursing,
        region_code="",
        valid_from=D(2016, 1, 1),
        valid_to=D(2025, 6, 30),
        grades="12",
        amount=Decimal("100"),
    )
    Standard.objects.create(
        program=nursing, region_code="", valid_from=D(2025, 7, 1), grades="12", amount=Decimal("150")
    )
    Standard.objects.create(
        program=nursing,
        region_code=COUNTY,
        valid_from=D(2016, 1, 1),
        grades="1",
        age_max=17,
        amount=Decimal("200"),
    )
    Standard.objects.create(
        program=living, region_code="", valid_from=D(2016, 1, 1), hardship="dibao", amount=Decimal("80")
    )
    return {
        "nursing": nursing,
        "living": living,
        "maker": make_user("county_admin", COUNTY, username="maker"),
        "checker": make_user("county_admin", COUNTY, username="checker"),
    }


_n = iter(range(1, 10_000))


def enroll(
    program: Program,
    *,
    applied: dt.date,
    grade: int = 2,
    category: int = 4,
    birth: str = "19800101",
    person: Any = None,
    hardship_basis: str = "",
    **extra: Any,
) -> Enrollment:
    if person is None:
        person = registered(
            name="测试" + "".join("零一二三四五六七八九"[int(c)] for c in str(next(_n))),
            birth=birth,
            category=category,
            grade=grade,
            issued=D(2015, 5, 1),
        )
        Certificate.objects.filter(person=person).update(valid_until=D(2035, 5, 1))
    return Enrollment.objects.create(
        program=program,
        person=person,
        region_code=person.region_code,
        status="active",
        applied_on=applied,
        application_month=applied.replace(day=1),
        grade=grade,
        category=category,
        hardship_basis=hardship_basis,
        # The nursing rules read the application's declaration of a long-term care need.
        needs_long_term_care=extra.pop("needs_long_term_care", True),
        bank_name="农商银行",
        bank_account=f"62220200000{person.pk:08d}",
        account_holder=person.name,
        **extra,
    )


def lines_of(enrollment: Enrollment) -> list[tuple[dt.date, Decimal, str]]:
    return [
        (line.period, line.amount, line.kind)
        for line in PaymentLine.objects.filter(enrollment=enrollment)
        .exclude(status="failed")
        .order_by("period")
    ]


def generate(
    setup: dict[str, Any], month: dt.date, program: str = "nursing", **kwargs: Any
) -> cycles.GenerateResult:
    return cycles.cycle_generate(
        actor=kwargs.pop("actor", setup["maker"]),
        program=setup[program],
        region_code=kwargs.pop("region_code", COUNTY),
        month=month,
        **kwargs,
    )


# --- which lines, which amounts ---------------------------------------------------------------------


def test_months_and_arrears_from_the_application_month(setup):
    e = enroll(setup["nursing"], applied=D(2025, 3, 14))
    result = generate(setup, D(2025, 5, 1))
    assert lines_of(e) == [
        (D(2025, 3, 1), Decimal("100.00"), "arrears"),
        (D(2025, 4, 1), Decimal("100.00"), "arrears"),
        (D(2025, 5, 1), Decimal("100.00"), "regular"),
    ]
    assert result.created == 3 and result.line_count == 3 and result.total_amount == Decimal("300.00")
    assert result.by_kind == {"arrears": 2, "regular": 1}
    cycle = result.cycle
    assert cycle.status == "generated" and cycle.generated_by == setup["maker"] and cycle.generated_at
    line = PaymentLine.objects.filter(enrollment=e).first()
    assert (line.region_code, line.person_id, line.program_id, line.bank_account) == (
        e.region_code,
        e.person_id,
        e.program_id,
        e.bank_account,
    )
    event = AuditEvent.objects.get(event_type="cycle.generated")
    assert event.new_values["written"] == 3 and event.new_values["line_count"] == 3


def test_arrears_window_limits_old_months(setup):
    Program.objects.filter(pk=setup["nursing"].pk).update(arrears_months=2)
    setup["nursing"].refresh_from_db()
    e = enroll(setup["nursing"], applied=D(2024, 1, 5))
    generate(setup, D(2025, 5, 1))
    assert [p for p, _a, _k in lines_of(e)] == months((2025, 3), (2025, 4), (2025, 5))


def test_standard_change_mid_year(setup):
    e = enroll(setup["nursing"], applied=D(2025, 5, 2))
    generate(setup, D(2025, 8, 1))
    assert lines_of(e) == [
        (D(2025, 5, 1), Decimal("100.00"), "arrears"),
        (D(2025, 6, 1), Decimal("100.00"), "arrears"),
        (D(2025, 7, 1), Decimal("150.00"), "arrears"),
        (D(2025, 8, 1), Decimal("150.00"), "regular"),
    ]


def test_sql_chooses_the_standard_exactly_as_standard_for(setup):
    """A child of grade 1 gets the county's band until 18; grade 3 gets nothing (the nursing rules
    refuse grade 3 physical: the enrollment is marked no longer eligible since its first month)."""
    nursing = setup["nursing"]
    child = enroll(nursing, applied=D(2025, 1, 1), grade=1, birth="20070815")  # 18 on 2025-08-15
    adult = enroll(nursing, applied=D(2025, 1, 1), grade=1)
    grade3 = enroll(nursing, applied=D(2025, 1, 1), grade=3)
    result = generate(setup, D(2025, 10, 1))
    for e in (child, adult):
        lines = PaymentLine.objects.filter(enrollment=e).order_by("period")
        assert len(lines) == 10
        for line in lines:
            expected = standard_for(
                nursing,
                region_code=e.region_code,
                month=line.period,
                grade=e.grade,
                category=e.category,
                age=age_at(e.person.birth_date, line.period),
            )
            assert line.standard_id == expected.pk and line.amount == expected.amount, line.period
    child_amounts = [a for _p, a, _k in lines_of(child)]
    assert child_amounts[:8] == [Decimal("200.00")] * 8  # January–August: 17 on the first of the month
    assert child_amounts[8:] == [Decimal("150.00")] * 2  # 18 from September
    assert lines_of(grade3) == []
    assert result.no_standard == 0
    assert Enrollment.objects.get(pk=grade3.pk).ineligible_since == D(2025, 1, 1)
    assert "1" in result.cycle.note


def test_qualifying_without_a_standard_is_counted(setup):
    """Eligible by the rules but no amount in force: no line, and the cycle's note says how many."""
    living = setup["living"]
    e = enroll(living, applied=D(2025, 3, 1), hardship_basis="dibao")
    HardshipStatus.objects.create(person=e.person, kind="dibao", valid_from=D(2024, 1, 1), source="manual")
    Standard.objects.filter(program=living).delete()
    with pytest.raises(InvalidState) as refused:
        generate(setup, D(2025, 4, 1), program="living")
    # nobody is paid, so no cycle: the refusal says why
    assert refused.value.code == "cycle_empty" and refused.value.details == {
        "no_standard": 1,
        "no_longer_eligible": 0,
    }
    assert lines_of(e) == [] and not PaymentCycle.objects.filter(program=living).exists()
    assert Enrollment.objects.get(pk=e.pk).ineligible_since is None


def test_death_in_month_pays_that_month_not_the_next(setup):
    e = enroll(setup["nursing"], applied=D(2025, 4, 1))
    type(e.person).objects.filter(pk=e.person_id).update(
        life_status="deceased", life_status_date=D(2025, 6, 15)
    )
    generate(setup, D(2025, 8, 1))
    assert [p for p, _a, _k in lines_of(e)] == months((2025, 4), (2025, 5), (2025, 6))


def test_certificate_expiry_and_cancellation(setup):
    expired = enroll(setup["nursing"], applied=D(2025, 3, 1))
    Certificate.objects.filter(person=expired.person).update(valid_until=D(2025, 5, 20))
    cancelled = enroll(setup["nursing"], applied=D(2025, 3, 1))
    Certificate.objects.filter(person=cancelled.person).update(state="cancelled", cancelled_on=D(2025, 4, 10))
    generate(setup, D(2025, 7, 1))
    assert [p for p, _a, _k in lines_of(expired)] == months((2025, 3), (2025, 4), (2025, 5))
    assert [p for p, _a, _k in lines_of(cancelled)] == months((2025, 3), (2025, 4))


def test_hardship_loss_stops_the_living_subsidy(setup):
    e = enroll(setup["living"], applied=D(2025, 2, 1), hardship_basis="dibao")
    HardshipStatus.objects.create(
        person=e.person, kind="dibao", valid_from=D(2024, 1, 1), valid_to=D(2025, 4, 30), source="manual"
    )
    nursing = enroll(setup["nursing"], applied=D(2025, 2, 1), person=e.person)
    generate(setup, D(2025, 6, 1), program="living")
    generate(setup, D(2025, 6, 1))
    assert lines_of(e) == [
        (D(2025, 2, 1), Decimal("80.00"), "arrears"),
        (D(2025, 3, 1), Decimal("80.00"), "arrears"),
        (D(2025, 4, 1), Decimal("80.00"), "arrears"),
    ]
    assert len(lines_of(nursing)) == 5  # the nursing subsidy does not ask for a hardship status


def test_stopped_from(setup):
    e = enroll(setup["nursing"], applied=D(2025, 2, 1), stopped_from=D(2025, 4, 1))
    Enrollment.objects.filter(pk=e.pk).update(status="active")
    other = enroll(setup["nursing"], applied=D(2025, 2, 1))
    Enrollment.objects.filter(pk=other.pk).update(status="stopped", stopped_from=D(2025, 3, 1))
    generate(setup, D(2025, 6, 1))
    assert [p for p, _a, _k in lines_of(e)] == months((2025, 2), (2025, 3))
    assert lines_of(other) == []


def test_only_the_region_of_the_cycle(setup, regions):
    inside = enroll(setup["nursing"], applied=D(2025, 5, 1))
    elsewhere = registered(name="垦利人", region_code="370505001", category=4, grade=1, issued=D(2015, 5, 1))
    Certificate.objects.filter(person=elsewhere).update(valid_until=D(2035, 1, 1))
    outside = enroll(setup["nursing"], applied=D(2025, 5, 1), person=elsewhere)
    generate(setup, D(2025, 5, 1))
    assert len(lines_of(inside)) == 1 and lines_of(outside) == []


# --- idempotence and crashes ------------------------------------------------------------------------


def test_rerun_adds_nothing(setup):
    enroll(setup["nursing"], applied=D(2025, 3, 1))
    first = generate(setup, D(2025, 5, 1))
    again = generate(setup, D(2025, 5, 1))
    assert again.cycle.pk == first.cycle.pk
    assert again.created == 0 and again.line_count == 3
    assert PaymentLine.objects.count() == 3
    assert AuditEvent.objects.filter(event_type="cycle.generated").count() == 2


def test_new_enrollment_is_added_by_a_rerun(setup):
    enroll(setup["nursing"], applied=D(2025, 5, 1))
    generate(setup, D(2025, 5, 1))
    late = enroll(setup["nursing"], applied=D(2025, 4, 1))
    result = generate(setup, D(2025, 5, 1))
    assert result.created == 2 and len(lines_of(late)) == 2 and result.line_count == 3


def test_killed_run_leaves_nothing_and_a_rerun_writes_each_line_once(setup):
    enroll(setup["nursing"], applied=D(2025, 3, 1))
    enroll(setup["nursing"], applied=D(2025, 4, 1))
    with pytest.raises(RuntimeError):
        generate(setup, D(2025, 5, 1), fail_after_insert=True)
    assert PaymentLine.objects.count() == 0
    assert PaymentCycle.objects.count() == 0
    assert not AuditEvent.objects.filter(event_type="cycle.generated").exists()
    result = generate(setup, D(2025, 5, 1))
    assert result.created == 5 and PaymentLine.objects.count() == 5
    generate(setup, D(2025, 5, 1))
    assert PaymentLine.objects.count() == 5


def test_partially_written_state_completes_without_duplicates(setup):
    e = enroll(setup["nursing"], applied=D(2025, 2, 1))
    other = enroll(setup["nursing"], applied=D(2025, 4, 1))
    cycle = PaymentCycle.objects.create(program=setup["nursing"], region_code=COUNTY, month=D(2025, 5, 1))
    for period in months((2025, 2), (2025, 4)):
        PaymentLine.objects.create(
            cycle=cycle,
            program=setup["nursing"],
            enrollment=e,
            person=e.person,
            region_code=e.region_code,
            period=period,
            amount=Decimal("100"),
            kind="arrears",
        )
    result = generate(setup, D(2025, 5, 1))
    assert result.created == 4 and result.line_count == 6
    assert [p for p, _a, _k in lines_of(e)] == months((2025, 2), (2025, 3), (2025, 4), (2025, 5))
    assert len(lines_of(other)) == 2
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT period, enrollment_id FROM programs_paymentline "
            "GROUP BY period, enrollment_id HAVING COUNT(*) > 1) d"
        )
        assert cursor.fetchone()[0] == 0


def test_overlapping_cycles_never_pay_twice(setup):
    """A city's cycle after the county's finds nothing left to pay (the unique key holds)."""
    enroll(setup["nursing"], applied=D(2025, 5, 1))
    generate(setup, D(2025, 5, 1))
    with pytest.raises(InvalidState) as refused:
        cycles.cycle_generate(actor=None, program=setup["nursing"], region_code="3705", month=D(2025, 5, 1))
    # nothing left to pay: no empty city cycle goes to approval
    assert refused.value.code == "cycle_empty"
    assert PaymentLine.objects.count() == 1 and not PaymentCycle.objects.filter(region_code="3705").exists()


# --- maker-checker, export, bank results, re-issue --------------------------------------------------


def test_maker_checker(setup):
    enroll(setup["nursing"], applied=D(2025, 5, 1))
    cycle = generate(setup, D(2025, 5, 1)).cycle
    with translation.override("en"), pytest.raises(PermissionDenied) as exc:
        cycles.cycle_approve(actor=setup["maker"], cycle_id=cycle.pk)
    assert exc.value.code == "same_person" and "generated" in exc.value.message
    cycle.refresh_from_db()
    assert cycle.status == "generated" and cycle.approved_by is None
    approved = cycles.cycle_approve(actor=setup["checker"], cycle_id=cycle.pk)
    assert approved.status == "approved" and approved.approved_by == setup["checker"]
    assert AuditEvent.objects.filter(event_type="cycle.approved", actor=setup["checker"]).exists()
    with pytest.raises(InvalidState):
        generate(setup, D(2025, 5, 1))
    with pytest.raises(InvalidState):
        cycles.cycle_approve(actor=setup["checker"], cycle_id=cycle.pk)


MAY = D(2025, 5, 1)


def _approved_cycle(setup: dict[str, Any], month: dt.date = MAY) -> tuple[PaymentCycle, list[Enrollment]]:
    people = [enroll(setup["nursing"], applied=D(2025, 5, 1)) for _ in range(3)]
    cycle = generate(setup, month).cycle
    cycles.cycle_approve(actor=setup["checker"], cycle_id=cycle.pk)
    return cycle, people


def test_export_needs_approval_and_is_audited(setup):
    enroll(setup["nursing"], applied=D(2025, 5, 1))
    cycle = generate(setup, D(2025, 5, 1)).cycle
    with pytest.raises(InvalidState):
        cycles.cycle_export(actor=setup["maker"], cycle_id=cycle.pk)
    cycles.cycle_approve(actor=setup["checker"], cycle_id=cycle.pk)
    with translation.override("en"):
        data, name = cycles.cycle_export(actor=setup["maker"], cycle_id=cycle.pk, fmt="csv")
    assert name == "nursing-subsidy-370502-202505.csv"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    line = PaymentLine.objects.select_related("person", "enrollment").get()
    assert rows[0] == [
        "Line",
        "Name",
        "ID number",
        "Bank",
        "Bank account",
        "Account holder",
        "Amount",
        "Period",
        "Kind",
        "Program",
    ]
    with translation.override("zh-hans"):  # every column named in Chinese, no raw English key
        zh_header = [translation.gettext(label) for _key, label in cycles.EXPORT_HEADER]
    assert not [h for h in zh_header if re.search(r"[A-Za-z]", h)], zh_header
    # the ID number (and a long account) are led by a tab, so Excel keeps them as text
    assert rows[1][2] == "\t" + line.person.id_number
    assert [cell.strip() for cell in rows[1]] == [
        str(line.pk),
        line.person.name,
        line.person.id_number,
        "农商银行",
        line.bank_account,
        line.person.name,
        "100.00",
        "2025-05",
        "Regular",
        "重度残疾人护理补贴",  # the official name, in any interface language
    ]
    cycle.refresh_from_db()
    assert cycle.status == "exported" and cycle.exported_at
    event = AuditEvent.objects.get(event_type="cycle.exported")
    assert (
        event.new_values["rows"] == 1
        and event.new_values["format"] == "csv"
        and event.actor == setup["maker"]
    )


def test_export_xlsx(setup):
    cycle, people = _approved_cycle(setup)
    with translation.override("en"):
        data, _name = cycles.cycle_export(actor=setup["checker"], cycle_id=cycle.pk, fmt="xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4 and rows[0][2] == "ID number"
    assert {r[2] for r in rows[1:]} == {e.person.id_number for e in people}
    assert sum(Decimal(str(r[6])) for r in rows[1:]) == Decimal("300")


def _results(header: list[str], rows: list[list[str]]) -> Table:
    return Table(header=header, rows=rows, first_row=2)


def test_bank_results_all_or_nothing_then_close(setup):
    cycle, _people = _approved_cycle(setup)
    cycles.cycle_export(actor=setup["checker"], cycle_id=cycle.pk, fmt="csv")
    l1, l2, l3 = PaymentLine.objects.filter(cycle=cycle).order_by("id").select_related("person")
    bad = _results(
        ["明细号", "身份证号", "所属期", "结果", "失败原因", "到账日期"],
        [
            [str(l1.pk), "", "", "成功", "", "2025-05-20"],
            ["999999", "", "", "成功", "", ""],
            [str(l2.pk), "", "", "maybe", "", ""],
            ["", l3.person.id_number, "2025-04", "失败", "账户冻结", ""],
        ],
    )
    with pytest.raises(ValidationFailed) as exc:
        cycles.cycle_record_results(actor=setup["maker"], cycle_id=cycle.pk, table=bad)
    reported = [(e.row, e.field) for e in exc.value.errors]
    assert reported == [(3, "line"), (4, "status"), (5, "line")]
    assert set(PaymentLine.objects.filter(cycle=cycle).values_list("status", flat=True)) == {"pending"}
    good = _results(
        ["明细号", "身份证号", "所属期", "结果", "失败原因", "到账日期"],
        [
            [str(l1.pk), "", "", "成功", "", "2025-05-20"],
            [str(l2.pk), "", "", "paid", "", ""],
            ["", l3.person.id_number, "2025年5月", "失败", "账户冻结", ""],
        ],
    )
    outcome = cycles.cycle_record_results(actor=setup["maker"], cycle_id=cycle.pk, table=good)
    assert (outcome.paid, outcome.failed, outcome.pending) == (2, 1, 0)
    l1.refresh_from_db()
    l3.refresh_from_db()
    assert l1.status == "paid" and l1.paid_on == D(2025, 5, 20)
    assert l3.status == "failed" and l3.failure_reason == "账户冻结"
    cycle.refresh_from_db()
    assert cycle.status == "closed" and cycle.closed_at
    assert AuditEvent.objects.get(event_type="cycle.results_recorded").new_values["failed"] == 1
    # Recording the same file again changes nothing; contradicting it is refused.
    cycles.cycle_record_results(actor=setup["maker"], cycle_id=cycle.pk, table=good)
    flip = _results(["line", "status"], [[str(l1.pk), "failed"]])
    with pytest.raises(ValidationFailed):
        cycles.cycle_record_results(actor=setup["maker"], cycle_id=cycle.pk, table=flip)


def test_results_before_export_refused_and_missing_columns(setup):
    cycle, _people = _approved_cycle(setup)
    with pytest.raises(InvalidState):
        cycles.cycle_record_results(
            actor=setup["maker"], cycle_id=cycle.pk, table=_results(["line", "status"], [])
        )
    cycles.cycle_export(actor=setup["checker"], cycle_id=cycle.pk, fmt="csv")
    with pytest.raises(ValidationFailed) as exc:
        cycles.cycle_record_results(
            actor=setup["maker"], cycle_id=cycle.pk, table=_results(["a", "b"], [["1", "2"]])
        )
    assert exc.value.code == "missing_columns"


def test_failed_line_is_reissued_next_month(setup):
    cycle, _people = _approved_cycle(setup)
    cycles.cycle_export(actor=setup["checker"], cycle_id=cycle.pk, fmt="csv")
    lines = list(PaymentLine.objects.filter(cycle=cycle).order_by("id"))
    table = _results(
        ["line", "status", "reason"],
        [[str(lines[0].pk), "failed", "closed account"]] + [[str(x.pk), "paid", ""] for x in lines[1:]],
    )
    cycles.cycle_record_results(actor=setup["maker"], cycle_id=cycle.pk, table=table)
    june = generate(setup, D(2025, 6, 1))
    assert june.by_kind == {"regular": 3, "reissue": 1}
    reissue = PaymentLine.objects.get(cycle=june.cycle, kind="reissue")
    assert reissue.reissue_of_id == lines[0].pk and reissue.period == D(2025, 5, 1)
    assert reissue.enrollment_id == lines[0].enrollment_id and reissue.amount == Decimal("100.00")
    assert generate(setup, D(2025, 6, 1)).created == 0


# --- scope -----------------------------------------------------------------------------------------


def test_scope_and_permission(setup, make_user):
    enroll(setup["nursing"], applied=D(2025, 5, 1))
    worker = make_user("township_worker", "370502001")
    with pytest.raises(PermissionDenied):
        generate(setup, D(2025, 5, 1), actor=worker)
    neighbour = make_user("county_admin", "370505")
    with pytest.raises(NotFound):
        generate(setup, D(2025, 5, 1), actor=neighbour)
    city = make_user("city_admin", "3705")
    assert generate(setup, D(2025, 5, 1), actor=city).created == 1
    cycle = PaymentCycle.objects.get()
    with pytest.raises(NotFound):
        cycles.cycle_approve(actor=neighbour, cycle_id=cycle.pk)
    assert PaymentCycle.objects.get().status == "generated"
    with pytest.raises(ValidationFailed):
        generate(setup, D(2025, 5, 1), actor=None, region_code="999999")


# --- the job, the command, the pages and the API ----------------------------------------------------


def test_generate_job_and_command(setup, capsys):
    from canlian.core.jobs.actions import job_submit
    from canlian.core.jobs.runner import run_job

    enroll(setup["nursing"], applied=D(2025, 4, 1))
    job = job_submit(
        actor=setup["maker"],
        kind="payments.generate",
        params={"program": "nursing-subsidy", "month": "2025-05-01"},
        region_code=COUNTY,
        enqueue=False,
    )
    job = run_job(job.pk)
    assert job.status == "succeeded", job.error
    assert job.result["written"] == 2 and job.result["line_count"] == 2
    call_command("cycle_generate", program="nursing-subsidy", month="2025-06", user="maker")
    out = capsys.readouterr().out
    assert "1 lines written, 1 in the cycle (regular 1), total 100.00" in out
    call_command("cycle_generate", program="nursing-subsidy", month="2025-06", region=COUNTY)
    assert "0 lines written" in capsys.readouterr().out


def test_pages(client, setup):
    enroll(setup["nursing"], applied=D(2025, 4, 1))
    client.force_login(setup["maker"])
    page = client.get(reverse("programs:cycle-generate"))
    assert page.status_code == 200 and COUNTY in page.content.decode()
    response = client.post(
        reverse("programs:cycle-generate"),
        {"program": "nursing-subsidy", "region": COUNTY, "month": "2025-05"},
    )
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    # The test settings run the queued job at once, or not at all: run it here if it is still queued.
    from canlian.core.jobs.models import Job
    from canlian.core.jobs.runner import run_job

    job = Job.objects.get(kind="payments.generate")
    if job.status == "queued":
        run_job(job.pk)
    cycle = PaymentCycle.objects.get()
    detail = client.get(reverse("programs:cycle-detail", kwargs={"cycle_id": cycle.pk}))
    body = detail.content.decode()
    assert detail.status_code == 200 and 'data-testid="approve"' not in body
    line = PaymentLine.objects.first()
    assert line.person.id_number not in body and line.person.id_number[:6] in body
    assert client.get(reverse("programs:cycle-list") + "?status=generated").status_code == 200
    assert client.get(reverse("programs:line-detail", kwargs={"line_id": line.pk})).status_code == 200
    client.force_login(setup["checker"])
    assert (
        'data-testid="approve"'
        in client.get(reverse("programs:cycle-detail", kwargs={"cycle_id": cycle.pk})).content.decode()
    )
    client.post(reverse("programs:cycle-approve", kwargs={"cycle_id": cycle.pk}))
    cycle.refresh_from_db()
    assert cycle.status == "approved"
    export = client.post(reverse("programs:cycle-export", kwargs={"cycle_id": cycle.pk}), {"fmt": "csv"})
    assert export.status_code == 200 and line.person.id_number in export.content.decode("utf-8-sig")
    upload = io.BytesIO(f"明细号,结果,失败原因\n{line.pk},失败,账户注销\n999,成功,\n".encode())
    upload.name = "result.csv"
    rejected = client.post(reverse("programs:cycle-results", kwargs={"cycle_id": cycle.pk}), {"file": upload})
    assert rejected.status_code == 200 and 'data-testid="rejected-rows"' in rejected.content.decode()
    assert set(PaymentLine.objects.values_list("status", flat=True)) == {"pending"}


def test_api(client, setup):
    enroll(setup["nursing"], applied=D(2025, 5, 1))
    client.force_login(setup["maker"])
    created = client.post(
        reverse("api:payment-cycle-list"),
        {"program": "nursing-subsidy", "region_code": COUNTY, "month": "2025-05"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    cycle_id = created.json()["cycle"]["id"]
    assert created.json()["written"] == 1
    refused = client.post(reverse("api:payment-cycle-approve", kwargs={"cycle_id": cycle_id}))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "same_person"
    client.force_login(setup["checker"])
    assert (
        client.post(reverse("api:payment-cycle-approve", kwargs={"cycle_id": cycle_id})).json()["status"]
        == "approved"
    )
    detail = client.get(reverse("api:payment-cycle-detail", kwargs={"cycle_id": cycle_id})).json()
    assert detail["totals"] == [{"kind": "regular", "status": "pending", "count": 1, "amount": "100.00"}]
    lines = client.get(reverse("api:payment-line-list") + f"?cycle={cycle_id}&period=2025-05").json()[
        "results"
    ]
    assert len(lines) == 1 and "*" in lines[0]["id_number"]
    export = client.post(reverse("api:payment-cycle-export", kwargs={"cycle_id": cycle_id}) + "?fmt=csv")
    assert export.status_code == 200
    upload = io.BytesIO(f"line,status\n{lines[0]['id']},paid\n".encode())
    upload.name = "r.csv"
    done = client.post(reverse("api:payment-cycle-results", kwargs={"cycle_id": cycle_id}), {"file": upload})
    assert done.status_code == 200 and done.json()["status"] == "closed" and done.json()["paid"] == 1


def test_the_generate_form_defaults_to_the_users_county_or_one_with_people(setup, make_user):
    from canlian.programs.cycles.views import GenerateForm

    county = make_user("county_admin", "370505")
    assert GenerateForm(user=county).fields["region"].initial == "370505"  # its own county
    city = make_user("city_admin", "3705")
    person = registered(name="王五一", region_code="370505001", issued=D(2015, 5, 1))
    enroll(setup["nursing"], applied=D(2025, 5, 1), person=person)
    # 370502 sorts first but has nobody enrolled: the default is the county with people
    assert [c for c, _l in GenerateForm(user=city).fields["region"].choices][:2] == ["370502", "370505"]
    assert GenerateForm(user=city).fields["region"].initial == "370505"
