"""Care and petitions indicators on a small world made through the actions: pairing coverage and the
on-track rate (the same verdict as ``compliance.person_compliance``, a contact of last year not
counted, a re-assigned person counted once), contacts, home visits and needs solved by month,
petitions received and closed in time (a petition closed one day late and one still open count
against the month they were due in), and the records of a county user."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from registry_factories import registered
from steering_indicators_world import columns_resolve, number, records, refresh, value

from canlian.core.registry.actions import hardship_add
from canlian.domains.care import actions
from canlian.domains.care.compliance import OVERDUE, person_compliance
from canlian.domains.care.models import Need
from canlian.domains.care.selectors import should_be_paired
from canlian.domains.petitions import actions as petitions

D = dt.date
TODAY = D(2026, 7, 15)


def needy(name: str, region: str, *, grade: int = 1, hardship: bool = True):
    person = registered(name=name, region_code=region, grade=grade)
    if hardship:
        hardship_add(actor=None, person_id=person.pk, kind="dibao", valid_from=D(2025, 1, 1))
    return person


@pytest.fixture
def world(regions, make_user):
    """The seeded rule: 4 contacts and 2 home visits a year. 王家村: 甲 (paired since June 2025, a call
    on 10 February and a visit on 5 April: on track), 乙 (paired since June 2025, a visit in
    December 2025 and a call on 5 March: overdue in July), 戊 (should be paired, is not), 己 (grade 3:
    need not be paired). 文汇街道: 丁 (no hardship status; paired since March 2025, re-assigned on
    1 May 2026, never contacted: overdue). 垦利街道: 丙 (paired from 1 June 2026, a call on 20 June:
    on track, 3 contacts and 2 visits a year pro rata)."""
    admin = make_user("county_admin", "370502", username="care_admin")
    kl_admin = make_user("county_admin", "370505", username="kl_care_admin")
    li = make_user("cadre", "370502001", username="cadre_li", display_name="李干部")
    wang = make_user("cadre", "370502001", username="cadre_wang", display_name="王干部")
    zhao = make_user("cadre", "370505001", username="cadre_zhao", display_name="赵干部")
    jia = needy("甲关爱", "370502001001")
    yi = needy("乙关爱", "370502001001", grade=2)
    wu = needy("戊未结", "370502001001")
    needy("己轻度", "370502001001", grade=3)
    ding = needy("丁改派", "370502001", hardship=False)
    bing = needy("丙垦利", "370505001")
    actions.pairing_create(actor=admin, person_id=jia.pk, cadre_id=li.pk, started_on=D(2025, 6, 1))
    actions.pairing_create(actor=admin, person_id=yi.pk, cadre_id=li.pk, started_on=D(2025, 6, 1))
    first = actions.pairing_create(actor=admin, person_id=ding.pk, cadre_id=li.pk, started_on=D(2025, 3, 1))
    actions.pairing_reassign(actor=admin, pairing_id=first.pk, cadre_id=wang.pk, on=D(2026, 5, 1))
    actions.pairing_create(actor=kl_admin, person_id=bing.pk, cadre_id=zhao.pk, started_on=D(2026, 6, 1))
    actions.contact_record(actor=li, person_id=jia.pk, way="phone", on=D(2026, 2, 10))
    actions.contact_record(actor=li, person_id=jia.pk, way="home_visit", on=D(2026, 4, 5))
    actions.contact_record(actor=li, person_id=yi.pk, way="home_visit", on=D(2025, 12, 20))
    actions.contact_record(actor=li, person_id=yi.pk, way="phone", on=D(2026, 3, 5))
    actions.contact_record(actor=zhao, person_id=bing.pk, way="phone", on=D(2026, 6, 20))
    return {"admin": admin, "kl_admin": kl_admin, "jia": jia, "yi": yi, "wu": wu, "ding": ding, "bing": bing}


def test_on_track_is_the_compliance_verdict(world):
    code = "care.on_track"
    refresh(code, today=TODAY)
    assert value(code, "370502001001", 7) == (Decimal(1), Decimal(2))  # 甲 on track, 乙 overdue
    assert value(code, "370502001", 7) == (Decimal(1), Decimal(3))  # 丁 once, overdue
    assert value(code, "370505", 7) == (Decimal(1), Decimal(1))  # 丙: 1 call due by 15 July, done
    assert value(code, "3705", 7) == (Decimal(2), Decimal(4))
    # At the end of March one call was due (none of the visits yet): 甲 and 乙 had theirs, 丁 not;
    # 丙, paired only from June, owed nothing yet.
    assert value(code, "3705", 3) == (Decimal(3), Decimal(4))
    assert value(code, "370502001", 1) == (Decimal(3), Decimal(3))  # nothing due in January
    rows = person_compliance(user=world["admin"], year=2026, on=TODAY)
    kenli = person_compliance(user=world["kl_admin"], year=2026, on=TODAY)
    assert sorted((r.person_name, r.status != OVERDUE) for r in rows + kenli) == [
        ("丁改派", False),
        ("丙垦利", True),
        ("乙关爱", False),
        ("甲关爱", True),
    ]
    for month, on in ((3, D(2026, 3, 31)), (5, D(2026, 5, 31))):
        verdicts = person_compliance(user=world["admin"], year=2026, on=on)
        assert value(code, "370502", month) == (
            Decimal(sum(r.status != OVERDUE for r in verdicts)),
            Decimal(len(verdicts)),
        )


def test_on_track_records(world):
    rows = records("care.on_track", world["admin"], 7, "370502", today=TODAY)
    got = {
        r.person.name: (r.contacts_done, r.visits_done, r.contacts_due, r.visits_due, r.on_track)
        for r in rows
    }
    # 乙's visit of December 2025 does not count in 2026
    assert got == {"甲关爱": (2, 1, 2, 1, True), "乙关爱": (1, 0, 2, 1, False), "丁改派": (0, 0, 2, 1, False)}
    cells = columns_resolve("care.on_track", rows)
    assert {c[0]: c[3] for c in cells}["丁改派"] == "王干部"  # the cadre of the latest pairing
    assert [r.person.name for r in records("care.on_track", world["kl_admin"], 7, "", today=TODAY)] == [
        "丙垦利"
    ]


def test_pairing_coverage(world):
    code = "care.pairing_coverage"
    refresh(code, today=TODAY)
    assert value(code, "370502001001", 7) == (Decimal(2), Decimal(3))  # 甲, 乙 of 甲, 乙, 戊
    assert value(code, "370502001", 7) == (Decimal(2), Decimal(3))  # 丁 has no hardship status
    assert value(code, "370505", 5) == (Decimal(0), Decimal(1))  # 丙 paired from June
    assert value(code, "370505", 6) == (Decimal(1), Decimal(1))
    assert value(code, "3705", 7) == (Decimal(3), Decimal(4))
    assert should_be_paired(user=world["admin"]).count() == 3  # today the selector agrees
    rows = records(code, world["admin"], 7, "370502", today=TODAY)
    assert [(p.name, p.paired) for p in rows] == [("戊未结", False), ("甲关爱", True), ("乙关爱", True)]


def test_contacts_and_visits_by_month(world):
    refresh("care.contacts", "care.visits", today=TODAY)
    assert [number("care.contacts", "370502", m) for m in (1, 2, 3, 4, 5, 6)] == [0, 1, 1, 1, 0, 0]
    assert [number("care.visits", "370502", m) for m in (2, 3, 4)] == [0, 0, 1]
    assert number("care.contacts", "3705", 6) == 1
    assert sum(number("care.contacts", "", m) for m in range(1, 8)) == 4  # December 2025 is not 2026
    rows = records("care.contacts", world["kl_admin"], 6, "", today=TODAY)
    assert [(r.person.name, r.on) for r in rows] == [("丙垦利", D(2026, 6, 20))]
    assert columns_resolve("care.contacts", rows)[0][5] == "赵干部"


def test_needs_solved_in_the_month_they_were_resolved(world):
    today = timezone.localdate()  # need_update stamps the day it is resolved
    admin = world["admin"]
    contact = actions.contact_record(
        actor=admin, person_id=world["jia"].pk, way="phone", on=today, needs_found="轮椅维修\n护理床"
    )
    chair, bed = contact.needs.order_by("id")
    actions.need_update(actor=admin, need_id=chair.pk, status="resolved", resolution="已维修")
    refresh("care.needs_solved", today=today, year=today.year)
    assert number("care.needs_solved", "370502001001", today.month, today.year) == 1  # the bed is still open
    assert Need.objects.get(pk=bed.pk).status == "open"
    rows = records("care.needs_solved", admin, today.month, "", today=today, year=today.year)
    assert [r.description for r in rows] == ["轮椅维修"]
    assert (
        records("care.needs_solved", world["kl_admin"], today.month, "", today=today, year=today.year) == []
    )


@pytest.fixture
def petitions_world(world):
    admin = world["admin"]

    def receive(on: dt.date, category: str = "complaint", person=None, actor=admin):
        return petitions.petition_receive(
            actor=actor,
            category=category,
            issue="补贴未到账",
            received_on=on,
            person_id=(person or world["jia"]).pk,
        )

    in_time, late, still_open = receive(D(2026, 3, 2)), receive(D(2026, 3, 4)), receive(D(2026, 3, 5))
    due_later = receive(D(2026, 6, 29), category="subsidy")
    kenli = receive(D(2026, 3, 2), person=world["bing"], actor=world["kl_admin"])
    for petition, closed_on in ((in_time, in_time.deadline), (late, late.deadline + dt.timedelta(days=1))):
        petitions.petition_close(
            actor=admin,
            petition_id=petition.pk,
            result="已答复",
            satisfaction="satisfied",
            closed_on=closed_on,
        )
    petitions.petition_close(
        actor=world["kl_admin"],
        petition_id=kenli.pk,
        result="已答复",
        satisfaction="satisfied",
        closed_on=D(2026, 3, 3),
    )
    return {"in_time": in_time, "late": late, "open": still_open, "due_later": due_later, "kenli": kenli}


def test_petitions_received_and_closed_in_time(petitions_world):
    p = petitions_world
    assert {p[k].deadline.month for k in ("in_time", "late", "open", "kenli")} == {3}
    assert p["due_later"].deadline > TODAY  # due after today: not yet among those due
    refresh("petitions.received", "petitions.closed_in_time", today=TODAY)
    assert [number("petitions.received", "370502", m) for m in (2, 3, 6)] == [0, 3, 1]
    assert number("petitions.received", "3705", 3) == 4
    code = "petitions.closed_in_time"
    assert value(code, "370502001001", 3) == (Decimal(1), Decimal(3))  # late by a day, still open
    assert value(code, "370505", 3) == (Decimal(1), Decimal(1))
    assert value(code, "3705", 3) == (Decimal(2), Decimal(4))
    assert value(code, "3705", 7) is None


def test_petition_records_for_a_county_user(petitions_world, world):
    p = petitions_world
    rows = records("petitions.closed_in_time", world["admin"], 3, "", today=TODAY)
    assert [(r.pk, r.in_time) for r in rows] == [
        (p["late"].pk, False),
        (p["open"].pk, False),
        (p["in_time"].pk, True),
    ]
    kenli = records("petitions.received", world["kl_admin"], 3, "3705", today=TODAY)
    assert [r.pk for r in kenli] == [p["kenli"].pk]
    assert columns_resolve("petitions.received", kenli)[0][:2] == ["丙垦利", "370505001"]
