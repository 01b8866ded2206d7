"""The home page per role (日管控): each to-do count exact on a small world (the row that must count
and its neighbour that must not), only the items the user's permissions allow, each link opening the
list it counts, a leader's dashboard cards, the grouped navigation with its person search, and a
query count that stays flat when the data grows."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from registry_factories import registered

from canlian.core.jobs.models import Job
from canlian.core.registry.actions import hardship_add
from canlian.core.registry.models import Certificate, ScreeningRecord
from canlian.domains.care import actions as care_actions
from canlian.domains.care.models import Need
from canlian.domains.petitions import actions as petition_actions
from canlian.domains.petitions.models import Petition
from canlian.domains.rehab.models import SettlementBatch
from canlian.domains.supervision import actions as supervision_actions
from canlian.domains.supervision.models import RectificationNotice
from canlian.programs import workdays
from canlian.programs.models import Enrollment, PaymentCycle, Program, RecoveryItem
from canlian.reporting.models import IndicatorValue
from canlian.reporting.steering.todo import EXPIRING_DAYS, NEAR_WORKING_DAYS, todo_for
from canlian.web.navigation import nav_for

VILLAGE = "370502001001"
TOWNSHIP = "370502001"
COUNTY = "370502"
OTHER_VILLAGE = "370602001"  # 芝罘区 向阳街道: another county, outside every scope below
_seq = itertools.count(1)


def _today() -> dt.date:
    return timezone.localdate()


def _person(region: str = VILLAGE, **extra: Any) -> Any:
    n = next(_seq)
    birth = (dt.date(1960, 1, 1) + dt.timedelta(days=n)).strftime("%Y%m%d")
    return registered(
        name=extra.pop("name", "张" + "甲乙丙丁戊己庚辛壬癸"[n % 10]),
        region_code=region,
        birth=birth,
        **extra,
    )


def _enrollment(program: Program, status: str, due: dt.date | None, region: str = VILLAGE) -> Enrollment:
    person = _person(region)
    today = _today()
    return Enrollment.objects.create(
        program=program,
        person=person,
        region_code=person.region_code,
        status=status,
        applicant_kind="self",
        applied_on=today - dt.timedelta(days=20),
        application_month=today.replace(day=1),
        step_due_on=due,
    )


def _notice(inspection: Any, owner: Any, due: dt.date, status: str = "open") -> RectificationNotice:
    notice = supervision_actions.notice_issue(
        actor=owner,
        inspection_id=inspection.pk,
        problems="整改",
        working_days=5,
        issued_on=inspection.inspected_on,
    )
    closed_on = _today() if status == "closed" else None
    RectificationNotice.objects.filter(pk=notice.pk).update(due_on=due, status=status, closed_on=closed_on)
    return notice


def _petition(owner: Any, person: Any, deadline: dt.date, status: str = "open") -> Petition:
    petition = petition_actions.petition_receive(
        actor=owner,
        category="subsidy",
        issue="来访",
        received_on=_today() - dt.timedelta(days=20),
        person_id=person.pk,
    )
    closed_on = _today() if status == "closed" else None
    Petition.objects.filter(pk=petition.pk).update(deadline=deadline, status=status, closed_on=closed_on)
    return petition


@pytest.fixture
def world(make_user, regions) -> dict[str, Any]:
    """One township of 东营区 with a row on each side of every to-do boundary, and the same rows in
    another county, which no user below may see."""
    from supervision_world import institution, scores

    today = _today()
    near = workdays.add_working_days(today, NEAR_WORKING_DAYS)
    yesterday = today - dt.timedelta(days=1)
    users = {
        "worker": make_user("township_worker", TOWNSHIP, username="wenhui_worker"),
        "county": make_user("county_admin", COUNTY, username="dyq_admin"),
        "county_two": make_user("county_admin", COUNTY, username="dyq_admin_two"),
        "civil": make_user("civil_affairs_reviewer", COUNTY, username="dyq_civil"),
        "cadre": make_user("cadre", TOWNSHIP, username="wenhui_cadre"),
        "other_cadre": make_user("cadre", TOWNSHIP, username="wenhui_cadre_two"),
        "leader": make_user("leader", COUNTY, username="dyq_leader"),
        "city": make_user("city_admin", "3705", username="dy_city"),
        "far_admin": make_user("county_admin", "370602", username="zf_admin"),
    }
    county, other = users["county"], users["far_admin"]

    # certificates: 60 days counts, 61 does not; expired yesterday; one expiring far away
    for days, name in ((EXPIRING_DAYS, "甲六十"), (EXPIRING_DAYS + 1, "乙六十一"), (-1, "丙过期")):
        person = _person(name=name)
        Certificate.objects.filter(person=person).update(valid_until=today + dt.timedelta(days=days))
    far = _person(OTHER_VILLAGE, name="丁远方")
    Certificate.objects.filter(person=far).update(valid_until=today + dt.timedelta(days=10))
    # screening: one open, one closed
    for outcome in ("pending", "not_disabled"):
        ScreeningRecord.objects.create(name="筛查", region_code=VILLAGE, found_on=today, outcome=outcome)

    # the review chain
    nursing = Program.objects.get(code="nursing-subsidy")
    _enrollment(nursing, "applied", today)  # first check, due today: near
    _enrollment(nursing, "applied", near + dt.timedelta(days=1))  # first check, not near
    _enrollment(nursing, "applied", yesterday)  # first check, overdue
    _enrollment(nursing, "first_checked", today)  # certificate check
    _enrollment(nursing, "reviewed", today)  # decision
    active = _enrollment(nursing, "active", None)
    _enrollment(nursing, "applied", yesterday, region=OTHER_VILLAGE)  # overdue, far away

    # payment cycles: one generated by someone else, one by the county admin, one approved
    month = today.replace(day=1)
    PaymentCycle.objects.create(
        program=nursing, region_code=COUNTY, month=month, status="generated", generated_by=users["county_two"]
    )
    living = Program.objects.get(code="living-subsidy")
    PaymentCycle.objects.create(
        program=living, region_code=COUNTY, month=month, status="generated", generated_by=county
    )
    PaymentCycle.objects.create(
        program=nursing, region_code=COUNTY, month=month.replace(year=month.year - 1), status="approved"
    )
    for status in ("to_recover", "recovered"):
        RecoveryItem.objects.create(
            program=nursing,
            enrollment=active,
            person=active.person,
            region_code=active.region_code,
            amount=Decimal("100.00"),
            reason="死亡后发放",
            status=status,
            detected_on=today,
            resolved_on=None if status == "to_recover" else today,
        )

    # care: A paired since 1 January (overdue), B since yesterday (due soon), C paired to another cadre
    a, b, c = (_person(name=n) for n in ("关爱甲", "关爱乙", "关爱丙"))
    for person, cadre, start in (
        (a, users["cadre"], dt.date(today.year, 1, 1)),
        (b, users["cadre"], yesterday),
        (c, users["other_cadre"], dt.date(today.year, 1, 1)),
    ):
        care_actions.pairing_create(actor=county, person_id=person.pk, cadre_id=cadre.pk, started_on=start)
    care_actions.contact_record(
        actor=users["cadre"],
        person_id=a.pk,
        way="home_visit",
        on=today,
        needs_found="轮椅",
        follow_up_on=today,
    )
    care_actions.contact_record(
        actor=users["cadre"], person_id=b.pk, way="phone", on=today, needs_found="药品"
    )
    Need.objects.filter(person=b).update(due_on=yesterday)  # past due; A's is due today
    # one person who should be paired (grade 2 and 低保) and is not; a grade-3 neighbour who need not be
    for grade in (2, 3):
        person = _person(grade=grade)
        hardship_add(actor=None, person_id=person.pk, kind="dibao", valid_from=dt.date(2025, 1, 1))
    # petitions: overdue, near (the last near working day), just after, closed; one far away
    for deadline, status in (
        (yesterday, "open"),
        (near, "open"),
        (near + dt.timedelta(days=1), "open"),
        (yesterday, "closed"),
    ):
        _petition(county, a, deadline, status)
    _petition(other, far, yesterday)

    # an institution in the township: its staff, notices and settlement batches
    centre = institution(TOWNSHIP, name="文汇康复中心")
    users["staff"] = make_user("institution_staff", TOWNSHIP, username="wenhui_staff", institution=centre)
    inspection = supervision_actions.inspection_record(
        actor=county,
        institution_id=centre.pk,
        inspected_on=today - dt.timedelta(days=30),
        items=scores({5: 4}),
        inspectors="检查员",
    )
    _notice(inspection, county, yesterday)  # overdue
    _notice(inspection, county, today, status="responded")  # near
    _notice(inspection, county, near + dt.timedelta(days=1))  # not near
    _notice(inspection, county, yesterday, status="closed")  # closed
    rehab = Program.objects.get(code="child-rehab")
    for start, status, by in (
        (dt.date(today.year, 1, 1), "generated", users["county_two"]),
        (dt.date(today.year, 2, 1), "generated", county),
        (dt.date(today.year, 3, 1), "approved", users["county_two"]),
    ):
        SettlementBatch.objects.create(
            program=rehab,
            institution=centre,
            region_code=TOWNSHIP,
            period_start=start,
            period_end=start + dt.timedelta(days=27),
            status=status,
            generated_by=by,
            total_amount=Decimal("0.00"),
        )

    # jobs: running in the township and in the county, failed in the township, one done
    for region, status in (
        (TOWNSHIP, "running"),
        (COUNTY, "running"),
        (TOWNSHIP, "failed"),
        (TOWNSHIP, "succeeded"),
    ):
        Job.objects.create(kind="regions.import", status=status, region_code=region, actor=county)
    return users


def _counts(user: Any) -> dict[str, tuple[int | None, int | None]]:
    return {item.key: (item.count, item.soon) for item in todo_for(user)}


def test_township_worker_counts(world):
    assert _counts(world["worker"]) == {
        "registry.certificates_expiring": (1, None),
        "registry.certificates_expired": (1, None),
        "registry.screening_open": (1, None),
        "programs.overdue_steps": (1, None),
        "programs.first_check": (3, 1),
        "care.region_behind": (2, None),  # A and C; B was paired yesterday
        "care.follow_ups": (0, None),
        "care.needs_past_due": (1, None),
        "care.needs_open": (2, None),
        "care.unpaired": (1, None),
        "petitions.overdue": (1, None),
        "petitions.open": (3, 1),
        "services.modification_overdue": (0, None),
        "jobs.running": (1, None),
        "jobs.failed": (1, None),
    }


def test_county_admin_counts(world):
    counts = _counts(world["county"])
    assert {
        k: counts[k] for k in counts if k.startswith(("programs.", "rehab.", "supervision.", "jobs."))
    } == {
        "programs.overdue_steps": (1, None),
        "programs.review": (1, 1),
        "programs.cycles_to_approve": (1, None),  # the other one is their own (maker-checker)
        "programs.recoveries": (1, None),
        "rehab.batches_to_approve": (1, None),
        "supervision.notices_overdue": (1, None),
        "supervision.notices_open": (3, 1),
        "jobs.running": (2, None),
        "jobs.failed": (1, None),
    }
    assert "programs.first_check" not in counts and "programs.decide" not in counts
    # the generator of the cycle and the batch sees their colleague's, not their own
    other = _counts(world["county_two"])
    assert other["programs.cycles_to_approve"] == (1, None) and other["rehab.batches_to_approve"] == (1, None)


def test_cadre_sees_their_own_people(world):
    assert _counts(world["cadre"]) == {
        "care.own_overdue": (1, None),
        "care.own_due_soon": (1, None),
        "care.follow_ups": (1, None),
        "care.needs_past_due": (1, None),
        "care.needs_open": (2, None),
    }
    # the other cadre: their one person (C, paired since January, no contact) is overdue
    counts = _counts(world["other_cadre"])
    assert counts["care.own_overdue"] == (1, None) and counts["care.own_due_soon"] == (0, None)
    assert counts["care.needs_open"] == (0, None)


def test_civil_affairs_and_institution_staff(world):
    civil = _counts(world["civil"])
    assert civil["programs.decide"] == (1, 1) and civil["programs.overdue_steps"] == (1, None)
    assert "programs.first_check" not in civil and "registry.certificates_expiring" not in civil
    assert _counts(world["staff"]) == {
        "rehab.attendance": (None, None),
        "supervision.notices_overdue": (1, None),
        "supervision.notices_open": (3, 1),
    }


def test_leader_gets_no_work_items_and_other_county_sees_its_own(world):
    assert set(_counts(world["leader"])) == {"jobs.running", "jobs.failed"}
    far = _counts(world["far_admin"])
    assert far["programs.overdue_steps"] == (1, None)
    assert far["registry.certificates_expiring"] == (1, None)  # 10 days
    assert far["supervision.notices_open"] == (0, 0) and far["jobs.running"] == (0, None)


def test_overdue_items_come_first(world):
    urgencies = [item.urgency for item in todo_for(world["worker"])]
    assert urgencies == sorted(urgencies, key=["overdue", "due_soon", "info"].index)
    assert urgencies[0] == "overdue"
    petitions = next(i for i in todo_for(world["worker"]) if i.key == "petitions.open")
    assert petitions.urgency == "due_soon"  # informational, but one falls due within days


def _rows(response: Any, key: str, user: Any) -> int:
    """The rows the list shows that the item counts."""
    ctx = response.context
    if key == "care.own_overdue":
        return sum(1 for r in ctx["due"] if r.status == "overdue")
    if key == "care.own_due_soon":
        return sum(1 for r in ctx["due"] if r.status == "due_soon")
    if key == "care.follow_ups":
        return len(ctx["follow_ups"])
    if key in ("programs.cycles_to_approve", "rehab.batches_to_approve"):
        return sum(1 for row in ctx["page"] if row.generated_by_id != user.pk)
    return len(ctx["page"])


@pytest.mark.parametrize("who", ["worker", "county", "cadre", "staff", "civil"])
def test_each_item_opens_the_list_it_counts(client, world, who):
    user = world[who]
    client.force_login(user)
    for item in todo_for(user):
        response = client.get(item.url, follow=True)
        assert response.status_code == 200, (item.key, item.url)
        if item.count is None:
            continue  # a link
        assert _rows(response, item.key, user) == item.count, (item.key, item.url)


def test_expiring_list_link_keeps_the_window(client, world):
    client.force_login(world["worker"])
    item = next(i for i in todo_for(world["worker"]) if i.key == "registry.certificates_expiring")
    assert item.url == f"/registry/certificates/expiring/?days={EXPIRING_DAYS}"
    body = client.get(item.url).content.decode()
    assert "甲六十" in body and "乙六十一" not in body


def test_home_page_of_a_township_worker(client, world):
    client.force_login(world["worker"])
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 200 and response.context["board"] is None
    cards = [i.key for i in response.context["due"]]
    assert cards == [
        # overdue
        "registry.certificates_expired",
        "programs.overdue_steps",
        "care.region_behind",
        "care.needs_past_due",
        "petitions.overdue",
        # to do
        "registry.certificates_expiring",
        "registry.screening_open",
        "programs.first_check",
        "care.unpaired",
        "petitions.open",  # one falls due within days
        "jobs.failed",
        # for information
        "care.needs_open",
        "jobs.running",
    ]
    assert "care.follow_ups" not in cards and [i.key for i in response.context["clear"]] == [
        "services.modification_overdue",
        "care.follow_ups",
    ]
    assert body.count('data-testid="todo-item"') == len(cards) == 13
    assert (
        'href="/petitions/overdue/"' in body and 'href="/care/needs/?status=open_all&amp;overdue=1"' in body
    )
    assert "文汇街道" in body and "王家村" in body  # the user's township and the villages below it


def test_leader_home_shows_the_dashboard(client, world):
    today = _today()
    IndicatorValue.objects.create(
        indicator="registry.certified", region_code=COUNTY, year=today.year, month=today.month, numerator=1234
    )
    client.force_login(world["leader"])
    response = client.get("/")
    assert response.status_code == 200
    board = response.context["board"]
    assert board.region_code == COUNTY and board.own["registry.certified"].value == 1234
    body = response.content.decode()
    assert 'data-testid="home-dashboard"' in body
    # the to-do of a leader holds only the jobs
    assert {i.key for i in response.context["due"] + response.context["clear"]} == {
        "jobs.running",
        "jobs.failed",
    }


def test_city_admin_sees_dashboard_and_work_county_admin_only_work(client, world):
    client.force_login(world["city"])
    response = client.get("/")
    assert response.context["board"].region_code == "3705"
    assert "programs.cycles_to_approve" in {i.key for i in response.context["due"]}
    client.force_login(world["county"])
    assert client.get("/").context["board"] is None


def test_navigation_groups_and_person_search(client, world):
    client.force_login(world["worker"])
    body = client.get("/").content.decode()
    assert 'data-testid="nav-person-search"' in body and 'action="/registry/persons/"' in body
    assert body.count('<details class="nav-group"') == len(nav_for(world["worker"], "/"))
    # the group holding the current page is open, the others closed
    assert '<details class="nav-group" data-nav-group="work" open>' in body
    assert '<details class="nav-group" data-nav-group="registry">' in body
    page = client.get("/registry/persons/", {"q": "甲六十"}).content.decode()
    assert '<details class="nav-group" data-nav-group="registry" open>' in page
    assert '<details class="nav-group" data-nav-group="work">' in page
    assert 'name="q" value="甲六十"' in page
    # institution staff do not read people: no search box
    client.force_login(world["staff"])
    assert 'data-testid="nav-person-search"' not in client.get("/").content.decode()


def test_navigation_groups_by_work_area(world):
    groups = {g["key"]: [e["url"] for e in g["items"]] for g in nav_for(world["county"], "/care/weekly/")}
    assert list(groups) == [
        "work",
        "registry",
        "benefits",
        "rehab",
        "care",
        "institutions",
        "community",
        "services",
        "education_employment",
        "matching",
        "steering",
        "administration",
    ]
    reports = [
        "/subsidies/statistics/",
        "/reports/rehab/",
        "/care/weekly/",
        "/care/monthly/",
        "/care/bulletin/",
        "/care/yearly/",
    ]
    # the reports moved into the steering group (the steering pages join them there)
    assert [url for url in groups["steering"] if url in reports] == reports
    assert not [url for key, urls in groups.items() if key != "steering" for url in urls if url in reports]
    sections = nav_for(world["county"], "/care/weekly/")
    assert [g["key"] for g in sections if g["open"]] == ["steering"]
    active = [e["url"] for g in sections for e in g["items"] if e["active"]]
    assert active == ["/care/weekly/"]
    # a cadre: only what their role uses
    cadre = [g["key"] for g in nav_for(world["cadre"], "/")]
    assert cadre == ["work", "registry", "care", "steering"]


def _home_queries(client: Any, user: Any) -> int:
    client.force_login(user)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def test_home_query_count_stays_flat(client, world):
    users = [world[k] for k in ("worker", "county", "cadre", "staff", "city")]
    before = [_home_queries(client, u) for u in users]
    today = _today()
    nursing = Program.objects.get(code="nursing-subsidy")
    owner = world["county"]
    for _ in range(4):
        person = _person(name="增长")
        Certificate.objects.filter(person=person).update(valid_until=today + dt.timedelta(days=5))
        _enrollment(nursing, "applied", today)
        _petition(owner, person, today)
        care_actions.pairing_create(
            actor=owner, person_id=person.pk, cadre_id=world["cadre"].pk, started_on=dt.date(today.year, 1, 1)
        )
        Job.objects.create(kind="regions.import", status="running", region_code=TOWNSHIP, actor=owner)
    after = [_home_queries(client, u) for u in users]
    assert after == before
