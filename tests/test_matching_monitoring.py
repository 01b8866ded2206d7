"""Return-to-poverty monitoring: a flagged household with its risk causes, visits on a cadence,
assistance measures, the exit with its evidence (refused while the risk remains), the indicator by
region, scope, and the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from matching_world import upload
from registry_factories import registered

from canlian.core.registry.models import HardshipStatus
from canlian.domains.matching import actions, monitoring, selectors
from canlian.domains.matching.choices import Outcome
from canlian.domains.matching.indicators import INDICATORS
from canlian.domains.matching.models import Finding, MonitoringCase, MonitoringVisit
from canlian.platform.errors import Conflict, InvalidState, NotFound, PermissionDenied, ValidationFailed
from canlian.platform.indicators import window_for

D = dt.date


@pytest.fixture
def world(regions, make_user):
    return {
        "county": make_user("county_admin", "370502", username="county"),
        "city": make_user("city_admin", "3705", username="city"),
        "township": make_user("township_worker", "370502001", username="wenhui"),
        "other_township": make_user("township_worker", "370505001", username="kenli"),
    }


def _open(world, person, **kw):
    return monitoring.monitoring_open(
        actor=world["county"],
        person_id=person.pk,
        monitored_type="marginal",
        risk_causes=kw.pop("risk_causes", ["illness", "disability"]),
        started_on=kw.pop("started_on", D(2026, 9, 1)),
        cadence_days=kw.pop("cadence_days", 30),
        **kw,
    )


def test_a_case_flags_the_registry_and_visits_keep_the_cadence(world):
    person = registered(name="监测", birth="19700101")
    case = _open(world, person)
    status = HardshipStatus.objects.get(person=person, kind="monitored", valid_to__isnull=True)
    assert (status.monitored_type, status.risk_cause, status.valid_from) == (
        "marginal",
        "illness",
        D(2026, 9, 1),
    )
    assert case.next_visit_due == D(2026, 10, 1) and case.risk_causes == ["illness", "disability"]
    with pytest.raises(Conflict):
        _open(world, person)
    monitoring.monitoring_visit_record(
        actor=world["township"],
        case_id=case.pk,
        visited_on=D(2026, 9, 20),
        visitor="村干部",
        situation="住院中",
    )
    case.refresh_from_db()
    assert case.next_visit_due == D(2026, 10, 20)
    with pytest.raises(ValidationFailed):  # before the case started
        monitoring.monitoring_visit_record(
            actor=world["township"], case_id=case.pk, visited_on=D(2026, 8, 31), visitor="x", situation="y"
        )
    assert MonitoringVisit.objects.count() == 1


def test_exit_needs_evidence_and_a_visit_that_found_the_risk_gone(world):
    person = registered(name="退出", birth="19700101")
    case = _open(world, person)
    monitoring.monitoring_visit_record(
        actor=world["township"],
        case_id=case.pk,
        visited_on=D(2026, 9, 10),
        visitor="村干部",
        situation="仍无收入",
    )
    with pytest.raises(InvalidState):
        monitoring.monitoring_exit(
            actor=world["county"], case_id=case.pk, on=D(2026, 11, 1), reason="稳定", evidence="x"
        )
    monitoring.monitoring_measure_add(
        actor=world["township"], case_id=case.pk, kind="employment", on=D(2026, 10, 1), description="公益岗位"
    )
    monitoring.monitoring_visit_record(
        actor=world["township"],
        case_id=case.pk,
        visited_on=D(2026, 10, 30),
        visitor="村干部",
        situation="公益岗位月收入1800元",
        risk_remains=False,
    )
    with pytest.raises(PermissionDenied):  # a township records visits, the county decides the exit
        monitoring.monitoring_exit(
            actor=world["township"], case_id=case.pk, on=D(2026, 11, 1), reason="稳定", evidence="x"
        )
    with pytest.raises(ValidationFailed):
        monitoring.monitoring_exit(
            actor=world["county"], case_id=case.pk, on=D(2026, 11, 1), reason="稳定", evidence=""
        )
    monitoring.monitoring_exit(
        actor=world["county"],
        case_id=case.pk,
        on=D(2026, 11, 1),
        reason="收入稳定",
        evidence="公益岗位收入，走访核实",
    )
    case.refresh_from_db()
    assert (case.status, case.exit_on) == ("exited", D(2026, 11, 1))
    assert HardshipStatus.objects.get(person=person, kind="monitored").valid_to == D(2026, 11, 1)
    with pytest.raises(InvalidState):
        monitoring.monitoring_visit_record(
            actor=world["township"], case_id=case.pk, visited_on=D(2026, 11, 2), visitor="x", situation="y"
        )


def test_a_flagged_finding_opens_the_case(world):
    person = registered(name="三类", birth="19700101")
    upload(
        world["city"],
        "monitored",
        [["1", "三类", person.id_number, "2026-03-01", "突发严重困难户"]],
        department="rural",
    )
    finding = Finding.objects.get(rule__code="monitored-not-flagged")
    actions.finding_resolve(
        actor=world["township"],
        finding_id=finding.pk,
        outcome=Outcome.FLAGGED,
        monitored_type="sudden",
        risk_cause="accident",
    )
    case = MonitoringCase.objects.get(person=person)
    assert (case.finding_id, case.started_on, case.monitored_type, case.risk_causes) == (
        finding.pk,
        D(2026, 3, 1),
        "sudden",
        ["accident"],
    )


def test_scope_and_the_indicator_by_region(world):
    here = registered(name="文汇", birth="19700101")
    there = registered(name="垦利", birth="19700202", region_code="370505001")
    _open(world, here)
    with pytest.raises(NotFound):  # the county admin of 东营区 does not reach 垦利区
        _open(world, there)
    other = monitoring.monitoring_open(
        actor=world["city"],
        person_id=there.pk,
        monitored_type="unstable",
        risk_causes="schooling",
        started_on=D(2026, 10, 1),
    )
    assert [c.person_id for c in selectors.cases_visible(user=world["township"])] == [here.pk]
    with pytest.raises(NotFound):
        monitoring.monitoring_visit_record(
            actor=world["township"], case_id=other.pk, visited_on=D(2026, 10, 2), visitor="x", situation="y"
        )
    today = timezone.localdate()
    indicator = next(i for i in INDICATORS if i.code == "matching.monitored_households")
    window = window_for(indicator.period, today.year, today.month, today)
    assert {r["region"]: r["numerator"] for r in indicator.leaf(window)} == {
        here.region_code: 1,
        there.region_code: 1,
    }
    overdue = next(i for i in INDICATORS if i.code == "matching.monitoring_visits_overdue")
    assert {r["region"]: r["numerator"] for r in overdue.leaf(window)} == {
        here.region_code: 1,
        there.region_code: 1,
    }


def test_pages(client, english, world):
    person = registered(name="页面", birth="19700101")
    client.force_login(world["county"])
    response = client.post(
        reverse("matching:case-create"),
        {
            "id_number": person.id_number,
            "monitored_type": "marginal",
            "risk_causes": ["illness"],
            "started_on": "2026-09-01",
            "cadence_days": "30",
        },
    )
    assert response.status_code == 302
    case = MonitoringCase.objects.get()
    client.force_login(world["township"])
    assert person.name in client.get(reverse("matching:case-list")).content.decode()
    detail = client.get(reverse("matching:case-detail", args=[case.pk])).content.decode()
    assert "visit-form" in detail and "exit-form" not in detail
    response = client.post(
        reverse("matching:case-visit", args=[case.pk]),
        {"visited_on": "2026-09-15", "visitor": "村干部", "situation": "正常"},
    )
    assert response.status_code == 302 and MonitoringVisit.objects.get().risk_remains is False
    assert (
        client.post(
            reverse("matching:case-exit", args=[case.pk]),
            {"on": "2026-10-01", "reason": "x", "evidence": "y"},
        ).status_code
        == 403
    )
    client.force_login(world["other_township"])
    assert client.get(reverse("matching:case-detail", args=[case.pk])).status_code == 404
