"""The cadence pages (周排查、月调度、季通报、年总结) and the one ledger (六统一): figures equal to the
ones computed by hand from the records made here, the ranking and its tie-breaks, the bulletin's
sentences, the workbook's columns and values, the weekly exception lists, per-cadre figures, scope."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from registry_factories import registered

from canlian.core.audit.models import AuditEvent
from canlian.core.regions.choices import RegionSource
from canlian.core.regions.models import Region
from canlian.core.registry.choices import HardshipKind, HardshipSource
from canlian.core.registry.models import HardshipStatus
from canlian.domains.care.models import Contact, ContactRule, ContactWay, Need, NeedStatus, Pairing
from canlian.domains.petitions.models import Festival, FestivalVisit, Petition, PetitionStatus
from canlian.reporting import cadence

YEAR = 2025
Q3 = cadence.quarter_period(YEAR, 3)
START = dt.date(YEAR, 1, 1)

#: township → (good people, bad people). A good person has 3 contacts (Feb phone, Jul home visit,
#: Aug phone with a policy, a difficulty and a task) and is on track through September; a bad one
#: has one call on 15 Aug and is overdue. 370502005's bad person also has a call on 20 Aug.
PLAN = {
    "370502001": (2, 0),
    "370502002": (1, 1),
    "370502003": (1, 0),
    "370502004": (0, 2),
    "370502005": (1, 1),
    "370502006": (0, 0),
    "370502007": (0, 1),
}
#: Cadre A is paired with the people of 001 and 002, cadre B with the rest.
CADRE_A = ("370502001", "370502002")
CN = "零一二三四五六七八九"


def aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, 10, 0))


def contact(person, pairing, on, way=ContactWay.PHONE, **extra):
    return Contact.objects.create(
        person=person,
        pairing=pairing,
        cadre=pairing.cadre,
        region_code=person.region_code,
        way=way,
        on=on,
        **extra,
    )


@pytest.fixture
def world(regions, make_user):
    ContactRule.objects.get_or_create(
        applies_to="paired",
        region_prefix="",
        defaults={
            "name": "4 + 2",
            "contacts_per_year": 4,
            "home_visits_per_year": 2,
            "valid_from": dt.date(2000, 1, 1),
        },
    )
    county = regions["370502"]
    for i in range(2, 8):
        Region.objects.create(
            code=f"37050200{i}", name=f"{i}号镇", level=4, parent=county, source=RegionSource.IMPORTED
        )
    admin = make_user("county_admin", "370502", username="dyq_admin")
    cadre_a = make_user("cadre", "370502", username="cadre_a")
    cadre_b = make_user("cadre", "370502", username="cadre_b")
    people: dict[str, list] = {}
    for town, (good, bad) in PLAN.items():
        for k in range(good + bad):
            is_good = k < good
            name = f"{'好' if is_good else '差'}{CN[int(town[-1])]}{CN[k]}"
            person = registered(name=name, region_code=town)
            cadre = cadre_a if town in CADRE_A else cadre_b
            pairing = Pairing.objects.create(
                cadre=cadre, person=person, region_code=town, started_on=START, created_by=admin
            )
            people.setdefault(town, []).append(person)
            if is_good:
                contact(person, pairing, dt.date(YEAR, 2, 10))
                contact(person, pairing, dt.date(YEAR, 7, 10), way=ContactWay.HOME_VISIT)
                contact(
                    person,
                    pairing,
                    dt.date(YEAR, 8, 10),
                    policies_delivered=1,
                    difficulties_solved=1,
                    tasks_done=1,
                )
            else:
                contact(person, pairing, dt.date(YEAR, 8, 15))
                if town == "370502005":
                    contact(person, pairing, dt.date(YEAR, 8, 20), way=ContactWay.WECHAT)
    # Needs: one found 1 Aug and resolved 1 Sep (002, owner cadre A); one open, due 1 Sep (004).
    need = Need.objects.create(
        person=people["370502002"][1],
        region_code="370502002",
        description="轮椅维修",
        owner=cadre_a,
        status=NeedStatus.RESOLVED,
        due_on=dt.date(YEAR, 8, 30),
        resolved_on=dt.date(YEAR, 9, 1),
        resolution="已维修",
    )
    Need.objects.filter(pk=need.pk).update(created_at=aware(dt.date(YEAR, 8, 1)))
    late = Need.objects.create(
        person=people["370502004"][0],
        region_code="370502004",
        description="MARKER-NEED-LATE",
        owner=cadre_b,
        due_on=dt.date(YEAR, 9, 1),
    )
    Need.objects.filter(pk=late.pk).update(created_at=aware(dt.date(YEAR, 8, 20)))
    # Petitions: one received 5 Jul and closed 20 Jul (001); one open, deadline 20 Sep (004).
    Petition.objects.create(
        received_on=dt.date(YEAR, 7, 5),
        region_code="370502001",
        person=people["370502001"][0],
        issue="补贴咨询",
        category="subsidy",
        deadline=dt.date(YEAR, 7, 25),
        status=PetitionStatus.CLOSED,
        closed_on=dt.date(YEAR, 7, 20),
    )
    Petition.objects.create(
        received_on=dt.date(YEAR, 9, 1),
        region_code="370502004",
        visitor_name="MARKER-PETITION-LATE",
        issue="住房改造",
        category="housing",
        deadline=dt.date(YEAR, 9, 20),
    )
    FestivalVisit.objects.create(
        person=people["370502003"][0],
        region_code="370502003",
        on=dt.date(YEAR, 9, 10),
        festival=Festival.MID_AUTUMN,
        money=Decimal("500.00"),
    )
    FestivalVisit.objects.create(
        person=people["370502001"][0],
        region_code="370502001",
        on=dt.date(YEAR, 9, 10),
        festival=Festival.MID_AUTUMN,
        money=Decimal("300.50"),
    )
    # Unpaired: grade 1 with 低保, no pairing.
    lonely = registered(name="未结对者", region_code="370502001001", grade=1)
    HardshipStatus.objects.create(
        person=lonely, kind=HardshipKind.DIBAO, valid_from=dt.date(2020, 1, 1), source=HardshipSource.MANUAL
    )
    # Another county (垦利区) and another city (烟台): never counted for 东营区.
    for code, town, name in (("370505", "370505001", "外区甲"), ("3706", "370602001", "外区乙")):
        other_cadre = make_user("cadre", code)
        person = registered(name=name, region_code=town)
        pairing = Pairing.objects.create(cadre=other_cadre, person=person, region_code=town, started_on=START)
        for month in (7, 8, 9):
            contact(person, pairing, dt.date(YEAR, month, 3), way=ContactWay.HOME_VISIT, tasks_done=5)
        Petition.objects.create(
            received_on=dt.date(YEAR, 7, 1),
            region_code=town,
            visitor_name="外区来访",
            issue="x",
            category="other",
            deadline=dt.date(YEAR, 7, 2),
        )
        FestivalVisit.objects.create(
            person=person,
            region_code=town,
            on=dt.date(YEAR, 9, 1),
            festival=Festival.OTHER,
            money=Decimal("999"),
        )
    return {
        "admin": admin,
        "cadre_a": cadre_a,
        "cadre_b": cadre_b,
        "people": people,
        "lonely": lonely,
        "county": county,
    }


EXPECTED_Q3 = {
    # code: (paired, contacts, visits, policies, needs found, needs resolved, petitions in, closed, money, rate)
    "370502001": (2, 4, 2, 2, 0, 0, 1, 1, Decimal("300.50"), Decimal("100.0")),
    "370502002": (2, 3, 1, 1, 1, 1, 0, 0, Decimal("0.00"), Decimal("50.0")),
    "370502003": (1, 2, 1, 1, 0, 0, 0, 0, Decimal("500.00"), Decimal("100.0")),
    "370502004": (2, 2, 0, 0, 1, 0, 1, 0, Decimal("0.00"), Decimal("0.0")),
    "370502005": (2, 4, 1, 1, 0, 0, 0, 0, Decimal("0.00"), Decimal("50.0")),
    "370502006": (0, 0, 0, 0, 0, 0, 0, 0, Decimal("0.00"), None),
    "370502007": (1, 1, 0, 0, 0, 0, 0, 0, Decimal("0.00"), Decimal("0.0")),
}
RANKED = ["370502001", "370502003", "370502005", "370502002", "370502004", "370502007", "370502006"]


def figures(row):
    return (
        row.paired,
        row.contacts,
        row.visits,
        row.policies,
        row.needs_found,
        row.needs_resolved,
        row.petitions_received,
        row.petitions_closed,
        row.money,
        row.rate,
    )


def test_bulletin_ranks_with_hand_computed_figures(world):
    result = cadence.ledger(user=world["admin"], region=world["county"], period=Q3)
    by_code = {r.code: figures(r) for r in result.rows}
    assert by_code == EXPECTED_Q3
    total = result.total
    assert (total.paired, total.contacts, total.visits) == (10, 16, 5)
    assert (total.policies, total.difficulties, total.tasks) == (5, 5, 5)
    assert total.money == Decimal("800.50")
    assert (total.due, total.on_track, total.rate) == (10, 5, Decimal("50.0"))
    ranked = cadence.rank(result.rows)
    assert [r.code for r in ranked] == RANKED
    assert [r.rank for r in ranked] == [*range(1, 7), None]  # nobody due in the last: no rank
    text = cadence.bulletin_text(result, ranked)
    assert text[0] == (
        "第三季度，全区结对关爱对象10人，累计联系16次，其中入户走访5次，按期完成率50.0%，"
        "排名前三的是文汇街道、3号镇、5号镇，后三位的是2号镇、4号镇、7号镇。"
    )
    assert "接待来访2件，办结1件" in text[1] and "发放慰问金800.50元" in text[1]


def test_bulletin_page_printable(client, world):
    client.force_login(world["admin"])
    response = client.get(reverse("care:bulletin"), {"region": "370502", "year": YEAR, "quarter": 3})
    assert response.status_code == 200
    body = response.content.decode()
    assert "@media print" in body and ".sidebar" in body
    assert "排名前三的是文汇街道、3号镇、5号镇" in body
    rows = [r for r in body.split('data-region="')[1:]]
    assert [r.split('"')[0] for r in rows] == [*RANKED, "total"]


def test_ledger_workbook_columns_values_and_audit(client, world):
    client.force_login(world["admin"])
    before = AuditEvent.objects.filter(event_type="record.exported").count()
    response = client.get(
        reverse("care:ledger-export"), {"kind": "quarter", "region": "370502", "year": YEAR, "quarter": 3}
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.active
    values = list(sheet.values)
    assert list(values[2]) == [h for _k, h in cadence.LEDGER_COLUMNS]
    assert values[2][:4] == ("地区", "结对关爱人数", "联系次数", "入户走访次数")
    rows = {v[0]: v for v in values[3:]}
    assert rows["文汇街道"] == ("文汇街道", 2, 4, 2, 2, 2, 2, 0, 0, 1, 1, 300.5, 100.0)
    assert rows["4号镇"] == ("4号镇", 2, 2, 0, 0, 0, 0, 1, 0, 1, 0, 0.0, 0.0)
    assert rows["6号镇"][-1] in (None, "")
    assert rows["东营区合计"] == ("东营区合计", 10, 16, 5, 5, 5, 5, 2, 1, 2, 1, 800.5, 50.0)
    assert len(values) == 3 + 7 + 1
    event = AuditEvent.objects.filter(event_type="record.exported").order_by("-id").first()
    assert AuditEvent.objects.filter(event_type="record.exported").count() == before + 1
    assert event.region_code == "370502" and event.actor_id == world["admin"].pk
    # The same layout from the monthly and the yearly pages.
    for params in ({"kind": "month", "month": 8}, {"kind": "year"}):
        response = client.get(reverse("care:ledger-export"), {"region": "370502", "year": YEAR, **params})
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        assert list(list(sheet.values)[2]) == [h for _k, h in cadence.LEDGER_COLUMNS]


def test_weekly_lists(client, world):
    week = cadence.week_period(dt.date(YEAR, 9, 17))  # Mon 15 – Sun 21 Sep
    assert (week.start, week.end) == (dt.date(YEAR, 9, 15), dt.date(YEAR, 9, 21))
    lists = {
        x.key: x for x in cadence.weekly_screening(user=world["admin"], region=world["county"], period=week)
    }
    bad = {p.pk for town in PLAN for p in world["people"].get(town, []) if "差" in p.name}
    assert {r.person_id for r in lists["overdue_contacts"].items} == bad
    assert lists["overdue_contacts"].count == 5
    assert [p.pk for p in lists["unpaired"].items] == [world["lonely"].pk]
    assert [n.description for n in lists["needs_past_due"].items] == ["MARKER-NEED-LATE"]
    assert [p.visitor_name for p in lists["petitions_past_deadline"].items] == ["MARKER-PETITION-LATE"]
    client.force_login(world["admin"])
    body = client.get(reverse("care:weekly"), {"region": "370502", "week": "2025-09-17"}).content.decode()
    assert "MARKER-NEED-LATE" in body and "MARKER-PETITION-LATE" in body and "未结对者" in body


def test_monthly_per_cadre(client, world):
    august = cadence.month_period(YEAR, 8)
    rows = {
        r.cadre_id: r for r in cadence.cadre_rows(user=world["admin"], region=world["county"], period=august)
    }
    a, b = rows[world["cadre_a"].pk], rows[world["cadre_b"].pk]
    assert (a.paired, a.contacts, a.visits, a.contacts_ytd, a.visits_ytd) == (4, 4, 0, 10, 3)
    assert (a.due, a.on_track, a.rate) == (4, 3, Decimal("75.0"))
    assert (b.paired, b.contacts, b.visits, b.contacts_ytd, b.visits_ytd) == (6, 7, 0, 11, 2)
    assert (b.due, b.on_track, b.rate) == (6, 2, Decimal("33.3"))
    assert len(rows) == 2
    september = cadence.cadre_rows(
        user=world["admin"], region=world["county"], period=cadence.month_period(YEAR, 9)
    )
    assert {r.cadre_id: r.needs_resolved for r in september}[world["cadre_a"].pk] == 1
    client.force_login(world["admin"])
    response = client.get(reverse("care:monthly"), {"region": "370502", "year": YEAR, "month": 8})
    assert response.status_code == 200
    assert f'data-cadre="{world["cadre_a"].pk}"' in response.content.decode()


def test_scope(client, world, make_user):
    # A county admin of 东营区 at the city level sees only what is in their scope.
    kenli = make_user("county_admin", "370505")
    result = cadence.ledger(user=kenli, region=Region.objects.get(code="3705"), period=Q3)
    assert (result.total.paired, result.total.contacts, result.total.tasks) == (1, 3, 15)
    assert result.total.money == Decimal("999.00")
    # The city leader sees both counties; 烟台 is never counted.
    leader = make_user("leader", "3705")
    city = cadence.ledger(user=leader, region=Region.objects.get(code="3705"), period=Q3)
    assert {r.code: r.contacts for r in city.rows} == {"370502": 16, "370505": 3}
    assert city.total.money == Decimal("1799.50")
    # A cadre counts only the people paired to them (and no petitions: no petitions.view).
    mine = cadence.ledger(user=world["cadre_a"], region=world["county"], period=Q3)
    assert (mine.total.paired, mine.total.contacts, mine.total.petitions_received) == (4, 7, 0)
    # Someone of 烟台 picking 东营区 is refused the region; their own page shows none of it.
    outsider = make_user("county_admin", "3706")
    client.force_login(outsider)
    body = client.get(
        reverse("care:bulletin"), {"region": "370502", "year": YEAR, "quarter": 3}
    ).content.decode()
    assert "文汇街道" not in body
    response = client.get(
        reverse("care:ledger-export"), {"kind": "quarter", "region": "370502", "year": YEAR}
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert all("文汇街道" not in str(v[0]) for v in sheet.values)


def test_pages_render_for_each_role(client, world, make_user):
    for role, code in (("leader", "3705"), ("township_worker", "370502001"), ("cadre", "370502")):
        client.force_login(make_user(role, code))
        for name in ("care:weekly", "care:monthly", "care:bulletin", "care:yearly"):
            assert client.get(reverse(name)).status_code == 200, (role, name)


# --- the demo ----------------------------------------------------------------------------------------


@pytest.fixture
def demo_city(regions, make_user):
    from canlian.demo.persons import generate_demo_persons

    county = regions["370502"]
    town = Region.objects.create(
        code="370502100", name="史口镇", level=4, parent=county, source=RegionSource.IMPORTED
    )
    for code, name in (("370502100001", "李家村"), ("370502100002", "前进村")):
        Region.objects.create(code=code, name=name, level=5, parent=town, source=RegionSource.IMPORTED)
    make_user("cadre", "370502", username="ganbu")
    make_user("county_admin", "370502", username="xian_admin")
    generate_demo_persons(region_code="3705", count=1500, seed=7, today=DEMO_TODAY)
    return make_user("city_admin", "3705", username="shi_admin")


DEMO_TODAY = dt.date(2026, 11, 20)


def demo_snapshot():
    return (
        sorted(Pairing.objects.values_list("person__id_number", "cadre__username", "started_on", "ended_on")),
        sorted(Contact.objects.values_list("person__id_number", "on", "way", "policies_delivered")),
        sorted(Need.objects.values_list("person__id_number", "status", "due_on")),
        sorted(Petition.objects.values_list("received_on", "region_code", "status", "deadline")),
        sorted(FestivalVisit.objects.values_list("person__id_number", "on", "money")),
    )


def test_demo_care(demo_city):
    from canlian.demo.care import generate_demo_care
    from canlian.domains.care import compliance, selectors
    from canlian.domains.petitions.models import InvitationEvent, Invitee

    admin = demo_city
    result = generate_demo_care(region_code="3705", seed=7, overseer=admin, password=None, today=DEMO_TODAY)
    assert not result.skipped
    assert result.cadres >= 3  # ganbu, one per county, two in townships
    first = demo_snapshot()
    assert all(first), result.counts
    # Who should be paired: most are, some are not (应结尽结).
    should = selectors.should_be_paired(user=admin, on=DEMO_TODAY, region="3705").count()
    unpaired = selectors.unpaired(user=admin, on=DEMO_TODAY, region="3705").count()
    assert 0 < unpaired < should / 4
    # Every cadre pairs people inside their own region.
    for pairing in Pairing.objects.select_related("cadre"):
        assert any(pairing.region_code.startswith(c) for c in pairing.cadre.region_codes())
    # Some people on track, some due soon, some overdue; the year's contacts and visits are there.
    rows = compliance.person_compliance(user=admin, year=2026, on=DEMO_TODAY, region="3705")
    statuses = {r.status for r in rows}
    assert statuses == {compliance.ON_TRACK, compliance.DUE_SOON, compliance.OVERDUE}
    # The issue's example: 3 contacts and 1 home visit by late November is overdue.
    assert any(r.contacts == 3 and r.visits == 1 and r.status == compliance.OVERDUE for r in rows)
    assert any(r.contacts == 4 and r.visits == 2 and r.met for r in rows)
    overdue_share = sum(r.status == compliance.OVERDUE for r in rows) / len(rows)
    assert 0.1 < overdue_share < 0.5
    # Needs (some past due), petitions (some overdue), 助残日 with attendance, festival money.
    assert (
        Need.objects.overdue(DEMO_TODAY).exists() and Need.objects.filter(status=NeedStatus.RESOLVED).exists()
    )
    assert Petition.objects.overdue(DEMO_TODAY).exists() and Petition.objects.filter(status="closed").exists()
    event = InvitationEvent.objects.get()
    assert event.held_on == dt.date(2026, 5, 17)
    assert 0 < Invitee.objects.filter(attended=True).count() < Invitee.objects.count()
    assert FestivalVisit.objects.filter(festival=Festival.SPRING).count() > 0
    # The bulletin has figures for the city.
    ledger = cadence.ledger(
        user=admin, region=Region.objects.get(code="3705"), period=cadence.quarter_period(2026, 3)
    )
    assert ledger.total.contacts > 0 and ledger.total.rate is not None and ledger.total.money > 0
    # Idempotent: a second run changes nothing.
    again = generate_demo_care(region_code="3705", seed=7, overseer=admin, password=None, today=DEMO_TODAY)
    assert again.skipped and demo_snapshot() == first
    # Same seed, same data.
    for model in (FestivalVisit, Invitee, InvitationEvent, Petition, Need, Contact, Pairing):
        model.objects.all().delete()
    generate_demo_care(region_code="3705", seed=7, overseer=admin, password=None, today=DEMO_TODAY)
    assert demo_snapshot() == first


def test_people_of_the_region_itself_are_shown_not_ranked(client, world):
    person = registered(name="本级人", region_code="370502")
    pairing = Pairing.objects.create(
        cadre=world["cadre_b"], person=person, region_code="370502", started_on=START
    )
    contact(person, pairing, dt.date(YEAR, 8, 1), way=ContactWay.HOME_VISIT)
    result = cadence.ledger(user=world["admin"], region=world["county"], period=Q3)
    own = result.rows[-1]
    assert (own.code, own.name, own.paired, own.contacts) == ("370502", "东营区本级", 1, 1)
    assert (result.total.paired, result.total.contacts) == (11, 17)
    client.force_login(world["admin"])
    body = client.get(
        reverse("care:bulletin"), {"region": "370502", "year": YEAR, "quarter": 3}
    ).content.decode()
    order = [r.split('"')[0] for r in body.split('data-region="')[1:]]
    assert order == [*RANKED, "370502", "total"]
    assert "后三位的是2号镇、4号镇、7号镇。" in body


def test_a_field_in_error_keeps_the_others(client, world):
    client.force_login(world["admin"])
    response = client.get(reverse("care:monthly"), {"region": "370502", "year": 1990, "month": 8})
    assert response.status_code == 200
    assert response.context["region"].code == "370502"
    assert response.context["period"].start == dt.date(timezone.localdate().year, 8, 1)
    assert response.context["form"].errors


def test_cadre_weekly_shows_only_their_people(client, world):
    client.force_login(world["cadre_a"])
    body = client.get(reverse("care:weekly"), {"week": "2025-09-17"}).content.decode()
    assert "差二一" in body  # cadre A's overdue person in 370502002
    assert "差四零" not in body and "MARKER-NEED-LATE" not in body  # cadre B's
    assert "MARKER-PETITION-LATE" not in body  # no petitions.view
