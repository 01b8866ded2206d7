"""Rehabilitation services: the needs survey and the service rate (two needs and one service is not
served), the survey-sheet import, assistive devices (standards by date, replacement), indicators."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rehabservices_world import D, adult, fitted, station, survey

from canlian.domains.rehabservices import actions, selectors
from canlian.domains.rehabservices.indicators import fitting_rate_leaf, precise_rate_leaf, surveyed_leaf
from canlian.domains.rehabservices.models import DeviceFitting, DeviceType, Need, NeedsSurvey, ServiceRecord
from canlian.platform.errors import Conflict, InvalidState, PermissionDenied, ValidationFailed
from canlian.platform.indicators import Period, get_indicator, window_for

pytestmark = pytest.mark.django_db


def _serve(need, day=dt.date(2026, 4, 1), actor=None):
    return actions.service_record(
        actor=actor,
        need_id=need.pk,
        delivered_on=day,
        place="rehab_room",
        provider="社区康复站",
        content="康复训练 8 次",
    )


def _rate(region="370502", year=2026, month=11):
    rows = list(precise_rate_leaf(window_for(Period.CUMULATIVE, year, month)))
    num = sum(r["numerator"] for r in rows if r["region"].startswith(region))
    den = sum(r["denominator"] for r in rows if r["region"].startswith(region))
    return num, den


def test_two_needs_and_one_service_is_not_served(regions):
    person = adult()
    s = survey(person, ("training", "medication"))
    training = s.needs.get(kind="training")
    _serve(training)
    assert _rate() == (0, 1)
    assert not selectors.surveys_for(_national(), year=2026).get(pk=s.pk).served
    assert list(selectors.unmet_needs_for(_national(), year=2026)) == [s.needs.get(kind="medication")]
    _serve(s.needs.get(kind="medication"))
    assert _rate() == (1, 1)
    assert selectors.surveys_for(_national(), year=2026, state="served").filter(pk=s.pk).exists()


def test_the_rate_counts_services_by_the_month_end_and_leaves_out_no_need(regions):
    a, b, c = adult(), adult(), adult()
    sa = survey(a, ("guidance",))
    survey(b, ("nursing",))
    actions.survey_record(actor=None, person_id=c.pk, surveyed_on=D, needs=[], no_needs=True)
    _serve(sa.needs.get(), day=dt.date(2026, 5, 3))
    assert _rate(month=4) == (0, 2)  # the service falls in May
    assert _rate(month=5) == (1, 2)
    surveyed = sum(r["numerator"] for r in surveyed_leaf(window_for(Period.CUMULATIVE, 2026, 5)))
    assert surveyed == 3


def _national():
    from canlian.platform.indicators import NATIONAL

    return NATIONAL


def test_survey_refusals_write_nothing(regions):
    person = adult()
    with pytest.raises(ValidationFailed) as exc:
        actions.survey_record(actor=None, person_id=person.pk, surveyed_on=D, needs=[])
    assert exc.value.errors[0].field == "needs"
    with pytest.raises(ValidationFailed):
        actions.survey_record(
            actor=None, person_id=person.pk, surveyed_on=D, needs=["training"], no_needs=True
        )
    with pytest.raises(ValidationFailed):
        actions.survey_record(
            actor=None, person_id=person.pk, surveyed_on=dt.date(2099, 1, 1), needs=["training"]
        )
    survey(person, ("training",))
    with pytest.raises(Conflict):
        survey(person, ("surgery",), on=dt.date(2026, 6, 1))
    assert NeedsSurvey.objects.count() == 1 and Need.objects.count() == 1


def test_a_person_without_a_certificate_cannot_be_surveyed(regions):
    from registry_factories import registered

    person = registered(name="无证", category=None)
    with pytest.raises(InvalidState):
        actions.survey_record(actor=None, person_id=person.pk, surveyed_on=D, needs=["training"])
    assert not NeedsSurvey.objects.exists()


def test_scope_another_county_cannot_record(regions, make_user):
    person = adult("370502001001")
    outsider = make_user("township_worker", "370505001")
    from canlian.platform.errors import NotFound

    with pytest.raises(NotFound):
        actions.survey_record(actor=outsider, person_id=person.pk, surveyed_on=D, needs=["training"])
    with pytest.raises(PermissionDenied):
        actions.survey_record(
            actor=make_user("cadre", "370502"), person_id=person.pk, surveyed_on=D, needs=["training"]
        )
    assert not NeedsSurvey.objects.exists()


def test_import_is_all_or_nothing_with_errors_by_row(regions, make_user):
    worker = make_user("township_worker", "370502001")
    a, b = adult(), adult()
    header = ["身份证号", "调查日期", "康复需求", "调查员"]
    bad = [
        [a.id_number, "2026-03-02", "康复训练、辅助器具", "王"],
        ["123", "2026-03-02", "手术", ""],
        [b.id_number, "2026-03-02", "飞行", ""],
    ]
    with pytest.raises(ValidationFailed) as exc:
        actions.surveys_import(actor=worker, header=header, rows=bad, filename="s.xlsx")
    assert [e.row for e in exc.value.errors] == [3, 4]
    assert not NeedsSurvey.objects.exists()
    good = [[a.id_number, "2026-03-02", "康复训练、辅助器具", "王"], [b.id_number, "2026-03-03", "无", ""]]
    assert actions.surveys_import(actor=worker, header=header, rows=good, filename="s.xlsx") == 2
    sa = NeedsSurvey.objects.get(person=a)
    assert sorted(sa.needs.values_list("kind", flat=True)) == ["device", "training"] and sa.source == "import"
    assert NeedsSurvey.objects.get(person=b).no_needs
    with pytest.raises(ValidationFailed) as again:
        actions.surveys_import(actor=worker, header=header, rows=good[:1], filename="s.xlsx")
    assert "already" in again.value.errors[0].message or again.value.errors[0].row == 2


def test_delivery_takes_the_standard_in_force_that_day_and_serves_the_device_need(regions):
    wheelchair = DeviceType.objects.get(code="wheelchair")
    actions.device_standard_save(
        actor=None,
        device_type_id=wheelchair.pk,
        region_code="3705",
        valid_from="2026-04-01",
        price="1500.00",
        subsidy="1300.00",
    )
    st = station()
    before, on_day = adult(), adult()
    survey(before, ("device",))
    survey(on_day, ("device",))
    f1 = fitted(before, st, delivered=dt.date(2026, 3, 31))
    f2 = fitted(on_day, st, delivered=dt.date(2026, 4, 1))
    assert (f1.price, f1.subsidy) == (Decimal("1200.00"), Decimal("1200.00"))  # national, the day before
    assert (f2.price, f2.subsidy) == (
        Decimal("1500.00"),
        Decimal("1300.00"),
    )  # the city's, from its first day
    assert f2.replacement_due == dt.date(2031, 4, 1)  # 60 months
    assert ServiceRecord.objects.filter(fitting=f2, need__person=on_day).exists()
    assert _rate() == (2, 2)
    rows = list(fitting_rate_leaf(window_for(Period.CUMULATIVE, 2026, 11)))
    assert sum(r["numerator"] for r in rows) == 2 and sum(r["denominator"] for r in rows) == 2


def test_a_standard_overlapping_another_is_refused_and_the_subsidy_cannot_exceed_the_price(regions):
    cane = DeviceType.objects.get(code="white-cane")
    actions.device_standard_save(
        actor=None,
        device_type_id=cane.pk,
        region_code="37",
        valid_from="2026-01-01",
        valid_to="2026-12-31",
        price="80",
        subsidy="80",
    )
    with pytest.raises(Conflict):
        actions.device_standard_save(
            actor=None,
            device_type_id=cane.pk,
            region_code="37",
            valid_from="2026-06-01",
            price="90",
            subsidy="90",
        )
    with pytest.raises(ValidationFailed):
        actions.device_standard_save(
            actor=None,
            device_type_id=cane.pk,
            region_code="3705",
            valid_from="2026-06-01",
            price="90",
            subsidy="90.01",
        )


def test_a_device_must_fit_the_certificate(regions):
    deaf = adult(category=2, grade=2)
    with pytest.raises(ValidationFailed) as exc:
        fitted(deaf, station(), device="wheelchair")
    assert exc.value.errors[0].field == "device_type"
    electric = adult(category=4, grade=3)
    with pytest.raises(ValidationFailed):  # electric wheelchairs fit grades 1–2
        fitted(electric, station(), device="wheelchair-electric")
    assert not DeviceFitting.objects.exists()


def test_replacement_is_refused_before_its_due_date_and_allowed_on_it(regions):
    person = adult()
    st = station()
    cane = DeviceType.objects.get(code="crutches")  # 24 months
    f = actions.fitting_assess(
        actor=None,
        person_id=person.pk,
        device_type_id=cane.pk,
        station_id=st.pk,
        assessed_on=dt.date(2024, 3, 1),
    )
    f = actions.fitting_deliver(actor=None, fitting_id=f.pk, fitted_on=dt.date(2024, 3, 4))
    assert f.replacement_due == dt.date(2026, 3, 4)
    with pytest.raises(Conflict):
        actions.fitting_assess(
            actor=None,
            person_id=person.pk,
            device_type_id=cane.pk,
            station_id=st.pk,
            assessed_on=dt.date(2026, 3, 3),
        )
    with pytest.raises(InvalidState):
        actions.fitting_assess(
            actor=None,
            person_id=person.pk,
            device_type_id=cane.pk,
            station_id=st.pk,
            assessed_on=dt.date(2026, 3, 3),
            replaces_id=f.pk,
        )
    assert DeviceFitting.objects.count() == 1
    new = actions.fitting_assess(
        actor=None,
        person_id=person.pk,
        device_type_id=cane.pk,
        station_id=st.pk,
        assessed_on=dt.date(2026, 3, 4),
        replaces_id=f.pk,
    )
    assert new.replaces_id == f.pk
    assert list(DeviceFitting.objects.due_for_replacement(dt.date(2026, 3, 4))) == []  # replaced already
    with pytest.raises(InvalidState):
        actions.fitting_deliver(actor=None, fitting_id=f.pk, fitted_on=dt.date(2026, 3, 5))


def test_station_must_be_a_device_station(regions):
    person = adult()
    room = station(kind="rehab_room")
    with pytest.raises(ValidationFailed) as exc:
        fitted(person, room)
    assert exc.value.errors[0].field == "station"


def test_indicators_are_registered():
    for code in (
        "services.precise_rate",
        "services.fitting_rate",
        "services.modifications",
        "services.family_doctor_rate",
        "services.device_stations",
    ):
        assert get_indicator(code).permission == "services.view"
