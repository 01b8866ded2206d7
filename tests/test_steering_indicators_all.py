"""Every registered indicator: its leaf runs on an empty and on a small world (both counties of 东营
with something for each figure), and its records give a county user only its own county's rows
(while the city sees both), with the declared record columns readable on every row."""

from __future__ import annotations

import datetime as dt

import pytest
import rehab_world as rw
from registry_factories import registered
from steering_indicators_world import YEAR, columns_resolve
from supervision_world import scores

from canlian.core.institutions import actions as inst_actions
from canlian.core.registry.actions import (
    certificate_issue,
    hardship_add,
    person_set_life_status,
    screening_record,
)
from canlian.domains.care import actions as care
from canlian.domains.petitions import actions as petitions
from canlian.domains.rehab import actions as rehab
from canlian.domains.rehab.models import DeviceKind
from canlian.domains.supervision import actions as sup
from canlian.platform.indicators import all_indicators
from canlian.programs import enrollments as steps
from canlian.programs.cycles import actions as cycles
from canlian.programs.rules.actions import standard_create
from canlian.reporting.models import IndicatorRefresh, IndicatorValue
from canlian.reporting.steering.refresh import indicator_refresh

D = dt.date
TODAY = D(2026, 7, 15)
COUNTIES = {"370502": "370502001001", "370505": "370505001"}
#: Every indicator the issue lists (other domains may add more; these must be there).
AGREED = {
    "registry.certified",
    "registry.certificates_expiring",
    "registry.certificates_expired",
    "registry.screening_pending",
    "subsidies.living.people",
    "subsidies.nursing.people",
    "subsidies.living.times",
    "subsidies.nursing.times",
    "subsidies.living.amount",
    "subsidies.nursing.amount",
    "subsidies.amount",
    "subsidies.living.coverage",
    "subsidies.nursing.coverage",
    "subsidies.recoveries",
    "rehab.children",
    "rehab.service_rate",
    "rehab.amount",
    "rehab.institutions",
    "supervision.notices_issued",
    "supervision.notices_closed",
    "institutions.staff_trained",
    "care.pairing_coverage",
    "care.on_track",
    "care.contacts",
    "care.visits",
    "care.needs_solved",
    "petitions.received",
    "petitions.closed_in_time",
}


def enrol(program: str, person, applied: dt.date):
    e = steps.enrollment_apply(
        actor=None,
        program_code=program,
        person_id=person.pk,
        applied_on=applied,
        needs_long_term_care=True,
        bank_account="6228480012345678901",
    )
    for step, days in (
        (steps.enrollment_first_check, 1),
        (steps.enrollment_review, 2),
        (steps.enrollment_decide, 3),
    ):
        step(actor=None, enrollment_id=e.pk, on=applied + dt.timedelta(days=days))
    return steps.enrollment_notice_end(actor=None, enrollment_id=e.pk, on=applied + dt.timedelta(days=12))


def build_county(county: str, village: str, make_user) -> None:
    maker = make_user("county_admin", county)
    checker = make_user("county_admin", county)
    cadre = make_user("cadre", village[:9])
    tag = {"370502": "东", "370505": "垦"}[county]
    # registry
    registered(name=f"证{tag}", region_code=village)
    for name, until in ((f"将到{tag}", TODAY + dt.timedelta(days=30)), (f"过期{tag}", D(2026, 3, 31))):
        person = registered(name=name, region_code=village, category=None)
        certificate_issue(
            actor=None, person_id=person.pk, category=4, grade=3, issue_date=D(2016, 9, 1), valid_until=until
        )
    screening_record(actor=None, name=f"摸排{tag}", region_code=village, found_on=D(2026, 2, 1))
    # subsidies: one nursing and one living payee (the latter dies, recorded late), one gap
    nursing = registered(name=f"护理{tag}", region_code=village, grade=1)
    enrol("nursing-subsidy", nursing, D(2026, 1, 5))
    living = registered(name=f"生活{tag}", region_code=village, grade=3, category=5)
    hardship_add(actor=None, person_id=living.pk, kind="dibao", valid_from=D(2025, 1, 1))
    enrol("living-subsidy", living, D(2026, 1, 5))
    gap = registered(name=f"未申{tag}", region_code=village, grade=4)
    hardship_add(actor=None, person_id=gap.pk, kind="dibao", valid_from=D(2025, 1, 1))
    for program in ("nursing-subsidy", "living-subsidy"):
        for month in (1, 2):
            cycle = cycles.cycle_generate(
                actor=maker, program_code=program, region_code=county, month=D(2026, month, 1)
            )
            cycles.cycle_approve(actor=checker, cycle_id=cycle.cycle.pk)
    person_set_life_status(actor=None, person_id=living.pk, status="deceased", on=D(2026, 1, 10))
    # children's rehabilitation, supervision, training
    inst = rw.institution(county, name=f"康复{tag}")
    staff = rw.therapist(inst)
    child = rw.child(village, name=f"童{tag}")
    plan = rw.plan(
        child, inst, staff=staff, year=YEAR, enrollment=rw.active_enrollment(child, applied_on=D(2026, 1, 5))
    )
    rehab.attendance_record(actor=None, plan_id=plan.pk, days=[D(2026, 3, 2)])
    rehab.device_provide(
        actor=None,
        person_id=child.pk,
        kind_id=DeviceKind.objects.get(code="hearing-aid").pk,
        provided_on=D(2026, 4, 1),
        amount="1000",
    )
    inspection = sup.inspection_record(
        actor=None,
        institution_id=inst.pk,
        inspected_on=D(2026, 3, 9),
        items=scores({5: 4}),
        inspectors="检查员",
    )
    notice = sup.notice_issue(
        actor=None, inspection_id=inspection.pk, problems="考勤不符", working_days=5, issued_on=D(2026, 3, 10)
    )
    sup.notice_close(actor=None, notice_id=notice.pk, on=D(2026, 3, 20))
    course = inst_actions.training_course_create(
        actor=None, name=f"培训{tag}", region_code=county, starts_on=D(2026, 3, 2), ends_on=D(2026, 3, 20)
    )
    inst_actions.training_results_record(
        actor=None,
        course_id=course.pk,
        results=[{"staff_id": staff.pk, "written_score": 80, "practical_score": 80}],
    )
    # care and petitions
    paired = registered(name=f"结对{tag}", region_code=village, grade=1)
    hardship_add(actor=None, person_id=paired.pk, kind="dibao", valid_from=D(2025, 1, 1))
    care.pairing_create(actor=maker, person_id=paired.pk, cadre_id=cadre.pk, started_on=D(2026, 2, 1))
    care.contact_record(actor=cadre, person_id=paired.pk, way="phone", on=D(2026, 3, 5))
    visit = care.contact_record(
        actor=cadre, person_id=paired.pk, way="home_visit", on=D(2026, 4, 5), needs_found="轮椅"
    )
    care.need_update(actor=maker, need_id=visit.needs.get().pk, status="resolved", resolution="已配发")
    petition = petitions.petition_receive(
        actor=maker, category="complaint", issue="咨询", received_on=D(2026, 3, 2), person_id=paired.pk
    )
    petitions.petition_close(
        actor=maker,
        petition_id=petition.pk,
        result="已答复",
        satisfaction="satisfied",
        closed_on=D(2026, 3, 3),
    )


@pytest.fixture
def small_world(regions, make_user):
    province = make_user("province_admin", "37")
    standard_create(
        actor=province,
        program="nursing-subsidy",
        region_code="37",
        valid_from=D(2026, 1, 1),
        grades="12",
        amount="200",
    )
    standard_create(
        actor=province,
        program="living-subsidy",
        region_code="37",
        valid_from=D(2026, 1, 1),
        hardship="dibao",
        amount="150",
    )
    for county, village in COUNTIES.items():
        build_county(county, village, make_user)


def _refresh_all() -> None:
    indicator_refresh(year=YEAR, today=TODAY)
    # needs are stamped resolved on the real day: that year is refreshed as of today too
    from django.utils import timezone

    indicator_refresh(indicators=["care.needs_solved"], year=timezone.localdate().year)


def test_the_agreed_indicators_are_registered():
    codes = {i.code for i in all_indicators()}
    assert AGREED <= codes
    for indicator in all_indicators():
        if indicator.code in AGREED:
            assert indicator.records is not None and indicator.record_columns, indicator.code
            assert any(str(label) for label, _path in indicator.record_columns)


#: Indicators whose denominator is the region tree itself: with regions and nothing else they are 0 %.
OVER_THE_REGION_TREE = {"community.township_coverage"}


def test_every_leaf_runs_on_an_empty_world(regions):
    indicator_refresh(year=YEAR, today=TODAY)
    assert not IndicatorValue.objects.exclude(indicator__in=OVER_THE_REGION_TREE).exists()
    over_the_tree = IndicatorValue.objects.filter(indicator__in=OVER_THE_REGION_TREE)
    assert over_the_tree.exists() and not over_the_tree.exclude(numerator=0).exists()
    assert set(IndicatorRefresh.objects.values_list("indicator", flat=True)) >= AGREED


def test_every_leaf_counts_in_the_small_world(small_world):
    _refresh_all()
    national = set(
        IndicatorValue.objects.filter(region_code="", numerator__gt=0).values_list("indicator", flat=True)
    )
    assert AGREED - national == set()
    # every figure has rows in both counties
    for county in COUNTIES:
        found = set(
            IndicatorValue.objects.filter(region_code=county, numerator__gt=0).values_list(
                "indicator", flat=True
            )
        )
        assert AGREED - found == set(), county


def _region_of(indicator, row) -> str:
    """The row's region, through the record column the indicator declares for it."""
    from django.utils import translation

    with translation.override("en"):
        path = next(path for label, path in indicator.record_columns if str(label) == "Region")
    value = row
    for part in path.split("."):
        value = getattr(value, part)
    return value


def _records(indicator, user, region: str) -> list:
    from django.utils import timezone

    today = timezone.localdate() if indicator.code == "care.needs_solved" else TODAY
    out = []
    for month in range(1, today.month + 1 if indicator.code == "care.needs_solved" else 8):
        out += list(indicator.records(user, indicator.window(today.year, month, today), region))
    return out


def test_records_of_a_county_user_stay_in_its_county(small_world, make_user):
    kenli = make_user("county_admin", "370505")
    city = make_user("city_admin", "3705")
    for indicator in all_indicators():
        if indicator.code not in AGREED:
            continue
        own = _records(indicator, kenli, "") + _records(indicator, kenli, "3705")
        assert own, indicator.code
        assert {_region_of(indicator, r)[:6] for r in own} == {"370505"}, indicator.code
        assert all(
            len(cells) == len(indicator.record_columns) for cells in columns_resolve(indicator.code, own)
        )
        whole = _records(indicator, city, "")
        assert {_region_of(indicator, r)[:6] for r in whole} == {"370502", "370505"}, indicator.code
        # a county's own township narrows further
        assert {_region_of(indicator, r) for r in _records(indicator, kenli, "370505001")} <= {"370505001"}
