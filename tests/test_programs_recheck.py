"""Money paid by rule (issue 11): each month a cycle pays is judged by the program's rules in force
then; a change recorded before approval withdraws the lines no longer owed; a change recorded after
approval turns what was paid without entitlement into recovery items. Exact amounts, with the case
that must pay and the neighbouring one that must not."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone, translation
from registry_factories import registered
from test_programs_cycles import COUNTY, enroll, generate, lines_of, make_setup

from canlian.core.audit.models import AuditEvent
from canlian.core.registry import actions as registry
from canlian.core.registry.choices import HardshipKind, LifeStatus
from canlian.core.registry.models import Certificate
from canlian.domains.subsidies.presets import NURSING, compile_rules
from canlian.domains.subsidies.statistics import subsidy_statistics
from canlian.platform.errors import PermissionDenied, ValidationFailed
from canlian.programs.cycles import actions as cycles
from canlian.programs.enrollments import enrollment_stop
from canlian.programs.models import Enrollment, PaymentLine, RecoveryItem, RuleSetting, Standard
from canlian.programs.recoveries.actions import recoveries_detect, recovery_resolve
from canlian.programs.warnings.selectors import WarningKind, decorate_warnings, enrollment_warnings

D = dt.date
AUG, SEP, OCT, NOV = D(2026, 8, 1), D(2026, 9, 1), D(2026, 10, 1), D(2026, 11, 1)
P150 = Decimal("150.00")


@pytest.fixture
def setup(regions, make_user):
    return make_setup(make_user)


def _cert(person):
    return Certificate.objects.get(person=person, state="active")


def _nursing(setup, *, grade=2, category=4, **kw):
    return enroll(setup["nursing"], applied=AUG, grade=grade, category=category, **kw)


def _living(setup, **kw):
    e = enroll(setup["living"], applied=AUG, hardship_basis="dibao", **kw)
    registry.hardship_add(
        actor=None, person_id=e.person_id, kind=HardshipKind.DIBAO, valid_from=D(2024, 1, 1)
    )
    return e


def _extend_to_grades_3_4(setup):
    """The province pays grades 3–4 intellectual and mental too, at a lower standard (60 a month)."""
    RuleSetting.objects.create(
        program=setup["nursing"],
        region_code="37",
        valid_from=D(2016, 1, 1),
        rules=compile_rules(NURSING, {"include_grade_3_4_intellectual_mental": True}),
    )
    Standard.objects.create(
        program=setup["nursing"], region_code="", valid_from=D(2016, 1, 1), grades="34", amount=Decimal("60")
    )


def _reassess(e, grade, on, category=None):
    registry.certificate_reassess(
        actor=None,
        certificate_id=_cert(e.person).pk,
        category=category or _cert(e.person).category,
        grade=grade,
        issue_date=on,
    )


def _approve(setup, result):
    cycles.cycle_approve(actor=setup["checker"], cycle_id=result.cycle.pk)


# --- the cycle re-checks the rules every month -------------------------------------------------------


@pytest.mark.parametrize(
    ("reassessed_on", "paid"),
    [
        (D(2026, 9, 15), [(AUG, P150), (SEP, P150)]),  # grade 2 on 1–14 September: September paid
        (D(2026, 10, 1), [(AUG, P150), (SEP, P150)]),  # grade 3 from 1 October: October not paid
        (D(2026, 10, 2), [(AUG, P150), (SEP, P150), (OCT, P150)]),  # a day later: grade 2 on 1 October
    ],
)
def test_a_lower_grade_stops_the_nursing_subsidy_from_the_month_after(setup, reassessed_on, paid):
    e = _nursing(setup)
    _reassess(e, 3, reassessed_on)  # physical grade 3: outside the nursing rules
    result = generate(setup, OCT)
    assert [(p, a) for p, a, _k in lines_of(e)] == paid
    e.refresh_from_db()
    if len(paid) == 2:
        assert e.ineligible_since == OCT
        assert "1" in result.cycle.note
        rows = decorate_warnings(
            list(enrollment_warnings(user=setup["maker"], program=setup["nursing"], on=D(2026, 10, 20)))
        )
        row = next(r for r in rows if r.pk == e.pk)
        assert row.warning == WarningKind.NO_LONGER_ELIGIBLE
        assert row.suggested_stop == OCT
        assert "grade" in row.warning_detail.lower() or "等级" in row.warning_detail
    else:
        assert e.ineligible_since is None


def test_eligibility_command_and_the_cycle_agree_on_the_month(setup, capsys):
    e = _nursing(setup)
    _reassess(e, 3, D(2026, 9, 15))
    generate(setup, OCT)
    with translation.override("en"):
        call_command("eligibility", program=NURSING, person=str(e.person_id), month="2026-09")
        assert "ELIGIBLE" in capsys.readouterr().out
        with pytest.raises(CommandError) as exc:
            call_command("eligibility", program=NURSING, person=str(e.person_id), month="2026-10")
        assert exc.value.returncode == 1
        out = capsys.readouterr().out
        assert "NOT ELIGIBLE" in out and "grade not covered" in out


@pytest.mark.parametrize(
    ("tekun_from", "months"),
    [(D(2026, 9, 12), [AUG, SEP]), (D(2026, 10, 1), [AUG, SEP]), (D(2026, 10, 2), [AUG, SEP, OCT])],
)
def test_an_exclusion_starting_stops_the_living_subsidy_from_the_month_after(setup, tekun_from, months):
    e = _living(setup)
    registry.hardship_add(actor=None, person_id=e.person_id, kind=HardshipKind.TEKUN, valid_from=tekun_from)
    generate(setup, OCT, program="living")
    assert lines_of(e) == [(m, Decimal("80.00"), "regular" if m == OCT else "arrears") for m in months]


def test_a_new_band_is_paid_at_its_own_standard(setup):
    """Grade 2 → 4 intellectual where the province pays grades 3–4 too, at a lower standard."""
    _extend_to_grades_3_4(setup)
    e = _nursing(setup, grade=2, category=5)
    _reassess(e, 4, D(2026, 10, 1))
    generate(setup, NOV)
    assert [(p, a) for p, a, _k in lines_of(e)] == [
        (AUG, P150),
        (SEP, P150),
        (OCT, Decimal("60.00")),
        (NOV, Decimal("60.00")),
    ]


# --- withdrawal: a change before approval --------------------------------------------------------


@pytest.mark.parametrize(
    ("died_on", "kept"),
    [(D(2026, 9, 10), [AUG, SEP]), (D(2026, 9, 30), [AUG, SEP]), (D(2026, 10, 1), [AUG, SEP, OCT])],
)
def test_a_death_recorded_before_approval_withdraws_the_months_after(setup, died_on, kept):
    e = _nursing(setup)
    other = _nursing(setup)
    result = generate(setup, OCT)
    assert result.cycle.total_amount == Decimal("900.00")
    registry.person_set_life_status(
        actor=setup["maker"], person_id=e.person_id, status=LifeStatus.DECEASED, on=died_on
    )
    assert [p for p, _a, _k in lines_of(e)] == kept
    assert len(lines_of(other)) == 3
    result.cycle.refresh_from_db()
    assert result.cycle.total_amount == P150 * (3 + len(kept))
    assert result.cycle.line_count == 3 + len(kept)
    events = AuditEvent.objects.filter(event_type="cycle.lines_withdrawn", object_id=str(result.cycle.pk))
    if len(kept) == 3:
        assert not events.exists()
        return
    event = events.get()
    assert event.old_values["lines"] == [{"enrollment": e.pk, "period": "2026-10", "amount": "150.00"}]
    assert "2026" in event.new_values["reason"]
    # The bank file holds nothing for the month after the death.
    _approve(setup, result)
    with translation.override("en"):
        data, _name = cycles.cycle_export(actor=setup["maker"], cycle_id=result.cycle.pk, fmt="csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]
    assert sorted(r[7] for r in rows if r[2].strip() == e.person.id_number) == ["2026-08", "2026-09"]


def test_a_stop_before_approval_withdraws_the_months_from_the_stop(setup):
    e = _nursing(setup)
    result = generate(setup, OCT)
    enrollment_stop(
        actor=setup["maker"], enrollment_id=e.pk, reason="request", stopped_from=SEP, on=D(2026, 10, 20)
    )
    assert [p for p, _a, _k in lines_of(e)] == [AUG]
    result.cycle.refresh_from_db()
    assert result.cycle.total_amount == P150
    assert not RecoveryItem.objects.exists()


def test_a_lower_grade_before_approval_rewrites_the_line_at_the_new_amount(setup):
    _extend_to_grades_3_4(setup)
    e = _nursing(setup, category=6)
    result = generate(setup, OCT)
    _reassess(e, 3, D(2026, 10, 1))
    assert [(p, a) for p, a, _k in lines_of(e)] == [(AUG, P150), (SEP, P150), (OCT, Decimal("60.00"))]
    result.cycle.refresh_from_db()
    assert result.cycle.total_amount == Decimal("360.00")


# --- recovery: a change after approval --------------------------------------------------------------


def test_a_death_recorded_after_approval_becomes_a_recovery_item(setup):
    e = _nursing(setup)
    result = generate(setup, OCT)
    _approve(setup, result)
    registry.person_set_life_status(
        actor=setup["maker"], person_id=e.person_id, status=LifeStatus.DECEASED, on=D(2026, 8, 20)
    )
    item = RecoveryItem.objects.get()
    assert (item.enrollment_id, item.amount, item.months, item.status) == (
        e.pk,
        Decimal("300.00"),
        ["2026-09", "2026-10"],
        "to_recover",
    )
    assert sorted(item.lines.values_list("period", "paid", "due", "amount")) == [
        (SEP, P150, Decimal("0.00"), P150),
        (OCT, P150, Decimal("0.00"), P150),
    ]
    assert "2026-09" in item.reason
    # The lines already paid stay as they were; judging again finds nothing new.
    assert len(lines_of(e)) == 3
    assert recoveries_detect(actor=setup["maker"], program=setup["nursing"], region_code=COUNTY) == []
    assert RecoveryItem.objects.count() == 1
    assert AuditEvent.objects.filter(event_type="recovery.found", object_id=str(item.pk)).exists()


def test_a_lower_band_after_approval_recovers_the_difference(setup):
    _extend_to_grades_3_4(setup)
    e = _nursing(setup, category=5)
    _approve(setup, generate(setup, OCT))
    _reassess(e, 4, D(2026, 10, 1))  # recorded late: October was paid at the grade-2 amount
    item = RecoveryItem.objects.get()
    assert (item.amount, item.months) == (Decimal("90.00"), ["2026-10"])
    assert list(item.lines.values_list("paid", "due")) == [(P150, Decimal("60.00"))]


def test_resolving_a_recovery(setup, make_user):
    e = _nursing(setup)
    _approve(setup, generate(setup, OCT))
    registry.person_set_life_status(
        actor=setup["maker"], person_id=e.person_id, status=LifeStatus.DECEASED, on=D(2026, 9, 5)
    )
    item = RecoveryItem.objects.get()
    township = make_user("township_worker", "370502001")
    with pytest.raises(PermissionDenied):
        recovery_resolve(actor=township, item_id=item.pk, status="waived", note="困难")
    with pytest.raises(ValidationFailed):
        recovery_resolve(actor=setup["checker"], item_id=item.pk, status="waived", note="")
    item.refresh_from_db()
    assert item.status == "to_recover"
    today = timezone.localdate()
    with pytest.raises(ValidationFailed):  # before it was found
        recovery_resolve(
            actor=setup["maker"], item_id=item.pk, status="recovered", on=today - dt.timedelta(days=1)
        )
    recovery_resolve(actor=setup["maker"], item_id=item.pk, status="recovered", on=today)
    item.refresh_from_db()
    assert (item.status, item.resolved_on, item.resolved_by) == ("recovered", today, setup["maker"])
    stats = subsidy_statistics(user=setup["maker"], first=AUG, last=OCT)
    assert stats.recoveries[NURSING].times == 1
    assert stats.recoveries[NURSING].amount == P150
    assert stats.recoveries[NURSING].recovered == P150
    assert "应追缴1人次、金额0.02万元，已追回0.02万元" in stats.sentence


def test_recovery_pages_and_api(client, setup):
    e = _nursing(setup)
    _approve(setup, generate(setup, OCT))
    registry.person_set_life_status(
        actor=setup["maker"], person_id=e.person_id, status=LifeStatus.DECEASED, on=D(2026, 9, 5)
    )
    item = RecoveryItem.objects.get()
    client.force_login(setup["maker"])
    page = client.get(reverse("programs:recovery-list"))
    assert page.status_code == 200 and e.person.name in page.content.decode()
    assert e.person.id_number not in page.content.decode()  # masked
    detail = client.get(reverse("programs:recovery-detail", kwargs={"item_id": item.pk}))
    assert "150.00" in detail.content.decode()
    api = client.get("/api/v1/recoveries/")
    assert api.status_code == 200
    assert api.json()["results"][0]["amount"] == "150.00"
    done = client.post(
        f"/api/v1/recoveries/{item.pk}/resolve/",
        {"status": "recovered", "on": timezone.localdate().isoformat()},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["status"] == "recovered"
    again = client.post(
        reverse("programs:recovery-resolve", kwargs={"item_id": item.pk}),
        {"status": "waived", "on": timezone.localdate().isoformat(), "note": "x"},
    )
    assert again.status_code == 200  # the form shows the refusal
    item.refresh_from_db()
    assert item.status == "recovered"


def test_program_names_in_the_users_language(client, setup):
    _nursing(setup)
    result = generate(setup, OCT)
    client.force_login(setup["maker"])
    with translation.override("zh-hans"):
        assert setup["nursing"].label == "重度残疾人护理补贴"
    with translation.override("en"):
        assert setup["nursing"].label == "Nursing subsidy for people with severe disabilities"
    page = client.get(reverse("programs:cycle-list"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = page.content.decode()
    assert "护理补贴" in body and "nursing subsidy" not in body.lower()
    detail = client.get(
        reverse("programs:cycle-detail", kwargs={"cycle_id": result.cycle.pk}), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "重度残疾人护理补贴" in detail.content.decode()


def test_unpaid_months_of_people_registered_later_are_not_affected(setup):
    """Registering and certifying someone else does not touch an approved cycle (no false recoveries)."""
    e = _nursing(setup)
    _approve(setup, generate(setup, OCT))
    registered(name="旁人", category=4, grade=1)
    assert not RecoveryItem.objects.exists()
    assert PaymentLine.objects.filter(enrollment=e).count() == 3
    assert Enrollment.objects.get(pk=e.pk).ineligible_since is None


def test_payments_recheck_command_finds_what_an_import_changed(setup, capsys):
    """A death written set-based (as an import does, no action, no hook) is found by the command."""
    from canlian.core.registry.models import Person

    e = _nursing(setup)
    _approve(setup, generate(setup, OCT))
    Person.objects.filter(pk=e.person_id).update(life_status="deceased", life_status_date=D(2026, 9, 3))
    assert not RecoveryItem.objects.exists()
    call_command("payments_recheck", program=NURSING, region=COUNTY)
    item = RecoveryItem.objects.get()
    assert (item.amount, item.months) == (P150, ["2026-10"])
    assert "1 recovery items, 150.00 yuan" in capsys.readouterr().out
    call_command("payments_recheck", program=NURSING, region=COUNTY)  # again: nothing new
    assert RecoveryItem.objects.count() == 1
