"""Petitions (接访), invitations (邀访) and festival visits (慰问): deadlines in working days, the
overdue list, closing with satisfaction, key dates, invitees and attendance, condolence money per
region, the all-or-nothing upload, and scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from registry_factories import registered

from canlian.core.audit.models import AuditEvent
from canlian.core.regions.choices import RegionLevel
from canlian.domains.petitions import actions, selectors
from canlian.domains.petitions.models import (
    FestivalVisit,
    InvitationEvent,
    Invitee,
    KeyDate,
    Petition,
    PetitionStatus,
    key_date,
)
from canlian.platform.errors import InvalidState, NotFound, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(regions):
    return {
        "a": registered(name="王一", region_code="370502001001"),
        "a2": registered(name="王二", region_code="370502001001", category=None),
        "b": registered(name="李三", region_code="370505001"),
        "far": registered(name="赵四", region_code="370602001"),
    }


@pytest.fixture
def admin(make_user):
    return make_user("county_admin", "370502", username="dyq_admin")


@pytest.fixture
def city(make_user):
    return make_user("city_admin", "3705", username="dy_admin")


# --- deadlines and the overdue list ----------------------------------------------------------------


def test_deadline_counts_working_days_over_national_day(admin, people):
    # 2026-09-28 (Mon): working days 9-29, 9-30, then 10-1..10-7 are the holiday; 10-8, 10-9,
    # 10-10 (make-up Saturday), 10-12..10-16, 10-19..10-23 → the 15th is Friday 2026-10-23.
    p = actions.petition_receive(
        actor=admin,
        category="subsidy",
        issue="补贴未到账",
        received_on=dt.date(2026, 9, 28),
        person_id=people["a"].pk,
    )
    assert p.deadline == dt.date(2026, 10, 23)
    assert p.region_code == "370502001001" and p.handler == admin and p.status == PetitionStatus.OPEN
    # Complaints are due in 10 working days: 9-29, 9-30, 10-8, 10-9, 10-10, 10-12 … 10-16.
    c = actions.petition_receive(
        actor=admin,
        category="complaint",
        issue="态度差",
        received_on=dt.date(2026, 9, 28),
        visitor_name="路人甲",
        visitor_phone="13812345678",
        region_code="370502001",
    )
    assert c.deadline == dt.date(2026, 10, 16)
    assert c.person is None and c.masked_visitor_phone == "138****5678"
    assert AuditEvent.objects.filter(event_type="petition.received").count() == 2


def test_overdue_list_and_close(admin, people):
    late = actions.petition_receive(
        actor=admin, category="subsidy", issue="x", received_on=dt.date(2026, 9, 28), person_id=people["a"].pk
    )
    done = actions.petition_receive(
        actor=admin,
        category="subsidy",
        issue="y",
        received_on=dt.date(2026, 9, 28),
        person_id=people["a2"].pk,
    )
    actions.petition_act(actor=admin, petition_id=done.pk, text="电话回访", on=dt.date(2026, 9, 29))
    actions.petition_close(
        actor=admin,
        petition_id=done.pk,
        result="已补发",
        satisfaction="satisfied",
        closed_on=dt.date(2026, 9, 30),
    )
    # The deadline day itself is not overdue; the next day is.
    assert list(selectors.petitions_overdue(user=admin, today=dt.date(2026, 10, 23))) == []
    assert list(selectors.petitions_overdue(user=admin, today=dt.date(2026, 10, 24))) == [late]
    done.refresh_from_db()
    assert (done.status, done.satisfaction, done.closed_on) == ("closed", "satisfied", dt.date(2026, 9, 30))
    assert done.actions.count() == 1
    with pytest.raises(InvalidState):
        actions.petition_close(actor=admin, petition_id=done.pk, result="again", satisfaction="satisfied")
    with pytest.raises(InvalidState):
        actions.petition_act(actor=admin, petition_id=done.pk, text="too late")
    with pytest.raises(ValidationFailed) as exc:
        actions.petition_close(actor=admin, petition_id=late.pk, result="r", satisfaction="meh")
    assert exc.value.field == "satisfaction"


def test_petition_counts(admin, people):
    day = dt.date(2026, 9, 1)
    made = [
        actions.petition_receive(
            actor=admin, category="other", issue=str(i), received_on=day, person_id=people["a"].pk
        )
        for i in range(4)
    ]
    for p, sat in zip(made[:3], ["satisfied", "satisfied", "not_satisfied"], strict=True):
        actions.petition_close(actor=admin, petition_id=p.pk, result="ok", satisfaction=sat, closed_on=day)
    counts = selectors.petition_counts(user=admin, start=dt.date(2026, 9, 1), end=dt.date(2026, 9, 30))
    assert counts["received"] == 4 and counts["closed"] == 3 and counts["open"] == 1
    assert counts["overdue"] == 1  # the open one, due 2026-09-22, is late on 09-30
    assert counts["satisfaction"]["satisfied"] == 2
    assert counts["satisfaction_shares"]["satisfied"] == Decimal("0.6667")
    assert counts["satisfaction_shares"]["not_satisfied"] == Decimal("0.3333")
    assert (
        selectors.petition_counts(user=admin, start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31))[
            "received"
        ]
        == 0
    )


# --- invitations -----------------------------------------------------------------------------------


def test_key_dates():
    assert key_date(KeyDate.HELP_DAY, 2026) == dt.date(2026, 5, 17)  # third Sunday of May
    assert key_date(KeyDate.HELP_DAY, 2027) == dt.date(2027, 5, 16)
    assert key_date(KeyDate.HELP_DAY, 2021) == dt.date(2021, 5, 16)  # May 2021 began on a Saturday
    assert key_date(KeyDate.PREVENTION_DAY, 2026) == dt.date(2026, 8, 25)
    assert key_date(KeyDate.INTERNATIONAL_DAY, 2026) == dt.date(2026, 12, 3)
    assert key_date(KeyDate.OTHER, 2026) is None


def test_invitees_and_attendance(admin, people):
    event = actions.invitation_create(
        actor=admin, title="助残日座谈会", region_code="370502", key_date_kind="help_day", year=2026
    )
    assert event.held_on == dt.date(2026, 5, 17)
    # By rule: everyone of the township → the two people of 王家村 (李三 of 垦利 is another county).
    assert actions.invitees_add(actor=admin, event_id=event.pk, rule="people", region="370502001") == 2
    assert actions.invitees_add(actor=admin, event_id=event.pk, rule="people") == 0  # already listed
    assert set(Invitee.objects.filter(event=event).values_list("person_id", flat=True)) == {
        people["a"].pk,
        people["a2"].pk,
    }
    # Only certificate holders: 王二 has none.
    other = actions.invitation_create(
        actor=admin, title="国际残疾人日", region_code="370502", key_date_kind="international_day", year=2026
    )
    assert actions.invitees_add(actor=admin, event_id=other.pk, rule="certificate_holders") == 1
    # By list: people outside the actor's scope are skipped.
    third = actions.invitation_create(
        actor=admin, title="走访", region_code="370502", held_on=dt.date(2026, 6, 1)
    )
    assert (
        actions.invitees_add(actor=admin, event_id=third.pk, person_ids=[people["a"].pk, people["b"].pk]) == 1
    )

    assert (
        actions.attendance_record(actor=admin, event_id=event.pk, attended_person_ids=[people["a"].pk]) == 1
    )
    rows = {e.pk: e for e in selectors.invitations_visible(user=admin)}
    assert (rows[event.pk].invited_count, rows[event.pk].attended_count) == (2, 1)
    # Re-ticking replaces: now only 王二 came.
    actions.attendance_record(actor=admin, event_id=event.pk, attended_person_ids=[people["a2"].pk])
    assert list(Invitee.objects.filter(event=event, attended=True).values_list("person_id", flat=True)) == [
        people["a2"].pk
    ]
    counts = selectors.invitation_counts(user=admin, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    assert counts == {"events": 3, "invited": 4, "attended": 1}
    with pytest.raises(ValidationFailed):
        actions.invitation_create(actor=admin, title="无日期", region_code="370502", key_date_kind="other")


# --- festival visits -------------------------------------------------------------------------------


def test_festival_money_by_region_matches_hand_figures(city, admin, people, django_assert_num_queries):
    rec = actions.festival_visit_record
    rec(actor=city, person_id=people["a"].pk, festival="spring", on=dt.date(2026, 2, 10), money="500")
    rec(actor=city, person_id=people["a2"].pk, festival="spring", on=dt.date(2026, 2, 11), money="300.50")
    rec(actor=city, person_id=people["a"].pk, festival="mid_autumn", on=dt.date(2026, 9, 25), money="200")
    rec(
        actor=city,
        person_id=people["b"].pk,
        festival="spring",
        on=dt.date(2026, 2, 12),
        money="200",
        goods="米面油",
    )
    rec(
        actor=city, person_id=people["b"].pk, festival="spring", on=dt.date(2025, 1, 20), money="1000"
    )  # other year
    with pytest.raises(ValidationFailed):
        rec(actor=city, person_id=people["b"].pk, festival="spring", money="-5")
    start, end = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    with django_assert_num_queries(2):  # one GROUP BY, one for the region names
        rows = selectors.festival_money_by_region(user=city, start=start, end=end, level="township")
    assert [(r["code"], r["name"], r["visits"], r["people"], r["money"]) for r in rows] == [
        ("370502001", "文汇街道", 3, 2, Decimal("1000.50")),
        ("370505001", "垦利街道", 1, 1, Decimal("200.00")),
    ]
    county = selectors.festival_money_by_region(
        user=city, start=start, end=end, level=RegionLevel.COUNTY, festival="spring"
    )
    assert [(r["code"], r["money"]) for r in county] == [
        ("370502", Decimal("800.50")),
        ("370505", Decimal("200.00")),
    ]
    # The county admin of 东营区 sees only its own.
    assert [
        r["code"]
        for r in selectors.festival_money_by_region(user=admin, start=start, end=end, level="county")
    ] == ["370502"]
    assert selectors.festival_counts(user=city, start=start, end=end) == {
        "visits": 4,
        "people": 3,
        "money": Decimal("1200.50"),
    }


def _csv(rows: list[str]) -> bytes:
    return ("身份证号,日期,慰问金额,节日\n" + "\n".join(rows) + "\n").encode()


def test_import_all_or_nothing(admin, people, tmp_path):
    a, a2 = people["a"], people["a2"]
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        _csv(
            [
                f"{a.id_number},2026-02-10,500,春节",
                f"{a2.id_number},2026/13/01,300,春节",  # row 3: bad date
                f"{a.id_number},2026-02-10,-1,春节",  # row 4: negative money
                f"{a2.id_number},2026-02-10,100,元宵",  # row 5: unknown festival
                f"{people['far'].id_number},2026-02-10,100,中秋",  # row 6: outside the scope
            ]
        )
    )
    before = (FestivalVisit.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed) as exc:
        actions.festival_visits_import(actor=admin, path=bad)
    assert [(e.row, e.field) for e in exc.value.errors] == [
        (3, "日期"),
        (4, "慰问金额"),
        (5, "节日"),
        (6, "身份证号"),
    ]
    assert (FestivalVisit.objects.count(), AuditEvent.objects.count()) == before

    good = tmp_path / "good.csv"
    good.write_bytes(_csv([f"{a.id_number},2026-02-10,500,春节", f"{a2.id_number},20260211,300.5,中秋节"]))
    assert actions.festival_visits_import(actor=admin, path=good) == 2
    assert sorted(FestivalVisit.objects.values_list("person_id", "festival", "money")) == sorted(
        [(a.pk, "spring", Decimal("500.00")), (a2.pk, "mid_autumn", Decimal("300.50"))]
    )
    assert set(FestivalVisit.objects.values_list("region_code", flat=True)) == {"370502001001"}


def test_import_page_lists_bad_rows_and_writes_nothing(client, admin, people):
    client.force_login(admin)
    upload = SimpleUploadedFile("visits.csv", _csv([f"{people['a'].id_number},2026-02-10,abc,春节"]))
    response = client.post(reverse("petitions:festival-import"), {"file": upload})
    assert response.status_code == 200
    assert "慰问金额" in response.content.decode()
    assert FestivalVisit.objects.count() == 0
    upload = SimpleUploadedFile("visits.csv", _csv([f"{people['a'].id_number},2026-02-10,88,春节"]))
    response = client.post(reverse("petitions:festival-import"), {"file": upload})
    assert response.status_code == 302
    assert FestivalVisit.objects.get().money == Decimal("88.00")


# --- scope -----------------------------------------------------------------------------------------


def test_scope(admin, make_user, people):
    p = actions.petition_receive(actor=admin, category="care", issue="z", person_id=people["a"].pk)
    outsider = make_user("county_admin", "370602")
    leader = make_user("leader", "370502")
    assert list(selectors.petitions_visible(user=outsider)) == []
    assert list(selectors.petitions_visible(user=leader)) == [p]
    with pytest.raises(NotFound):
        actions.petition_act(actor=outsider, petition_id=p.pk, text="x")
    with pytest.raises(PermissionDenied):
        actions.petition_act(actor=leader, petition_id=p.pk, text="x")
    with pytest.raises(NotFound):  # a person of another region cannot be the petitioner
        actions.petition_receive(actor=admin, category="care", issue="z", person_id=people["far"].pk)
    with pytest.raises(NotFound):  # nor can a visitor be filed in another region
        actions.petition_receive(
            actor=admin, category="care", issue="z", visitor_name="某人", region_code="370602001"
        )
    event = actions.invitation_create(
        actor=admin, title="t", region_code="370502", held_on=dt.date(2026, 5, 17)
    )
    with pytest.raises(NotFound):
        actions.invitees_add(actor=outsider, event_id=event.pk, rule="people")
    assert not InvitationEvent.objects.for_user(outsider).exists()
    assert Petition.objects.count() == 1


# --- pages -----------------------------------------------------------------------------------------


def test_pages(client, admin, people):
    client.force_login(admin)
    response = client.post(
        reverse("petitions:receive"),
        {
            "visitor_name": "路人乙",
            "visitor_phone": "13900001111",
            "region": "370502001",
            "category": "housing",
            "issue": "无障碍坡道",
            "received_on": "2026-09-28",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    p = Petition.objects.get()
    assert p.deadline == dt.date(2026, 10, 23) and p.visitor_phone == "13900001111"
    listing = client.get(reverse("petitions:list")).content.decode()
    assert "路人乙" in listing and "139****1111" in listing and "13900001111" not in listing
    assert "路人乙" in client.get(reverse("petitions:overdue")).content.decode()
    response = client.post(
        reverse("petitions:receive"),
        {"id_number": people["a"].id_number, "category": "subsidy", "issue": "补贴"},
    )
    assert response.status_code == 302
    mine = Petition.objects.get(person=people["a"])
    assert client.post(reverse("petitions:act", args=[mine.pk]), {"text": "已转民政"}).status_code == 302
    assert (
        client.post(
            reverse("petitions:close", args=[mine.pk]), {"result": "已解决", "satisfaction": "basically"}
        ).status_code
        == 302
    )
    detail = client.get(reverse("petitions:detail", args=[mine.pk])).content.decode()
    assert "已转民政" in detail and "已解决" in detail
    # the person page shows the petition and a festival visit with its money
    actions.festival_visit_record(actor=admin, person_id=people["a"].pk, festival="spring", money="600")
    page = client.get(reverse("registry:person-detail", args=[people["a"].pk])).content.decode()
    assert "600.00" in page and reverse("petitions:detail", args=[mine.pk]) in page
    # invitation pages: create, add by ID number, tick attendance
    response = client.post(
        reverse("petitions:invitation-create"),
        {"title": "助残日", "key_date_kind": "help_day", "region": "370502"},
    )
    assert response.status_code == 302
    event = InvitationEvent.objects.get()
    response = client.post(
        reverse("petitions:invitation-invitees", args=[event.pk]), {"id_numbers": people["a"].id_number}
    )
    assert response.status_code == 302 and event.invitees.count() == 1
    client.post(reverse("petitions:invitation-attendance", args=[event.pk]), {"attended": [people["a"].pk]})
    assert event.invitees.get().attended
    for name in ("petitions:invitation-list", "petitions:festival-list", "petitions:festival-record"):
        assert client.get(reverse(name)).status_code == 200
    assert "600.00" in client.get(reverse("petitions:festival-list")).content.decode()


def test_api(client, admin, people):
    client.force_login(admin)
    response = client.post(
        "/api/v1/petitions/",
        {"category": "education", "issue": "入学", "person_id": people["a"].pk, "received_on": "2026-09-28"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pid = response.json()["id"]
    assert response.json()["deadline"] == "2026-10-23"
    response = client.post(
        f"/api/v1/petitions/{pid}/act/", {"text": "协调学校"}, content_type="application/json"
    )
    assert response.status_code == 200 and len(response.json()["actions"]) == 1
    response = client.post(
        f"/api/v1/petitions/{pid}/close/",
        {"result": "已入学", "satisfaction": "satisfied"},
        content_type="application/json",
    )
    assert response.json()["status"] == "closed"
    response = client.post(
        "/api/v1/invitations/",
        {"title": "防残日", "region_code": "370502", "key_date_kind": "prevention_day", "year": 2026},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["held_on"] == "2026-08-25"
    iid = response.json()["id"]
    response = client.post(
        f"/api/v1/invitations/{iid}/invitees/", {"rule": "people"}, content_type="application/json"
    )
    assert response.json()["invited_count"] == 2
    response = client.post(
        f"/api/v1/invitations/{iid}/attendance/",
        {"attended_person_ids": [people["a"].pk]},
        content_type="application/json",
    )
    assert response.json()["attended_count"] == 1
    response = client.post(
        "/api/v1/festival-visits/",
        {"person_id": people["a"].pk, "festival": "spring", "money": "300.00"},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["money"] == "300.00"
    assert client.get("/api/v1/festival-visits/").status_code == 200


def test_invitees_by_pairing_rule(admin, make_user, people):
    """The "paired" rule reads the care app's pairings: only people with a pairing still running."""
    from django.apps import apps

    pairing = apps.get_model("care", "Pairing")
    cadre = make_user("cadre", "370502001")
    for person, ended in ((people["a"], None), (people["a2"], dt.date(2026, 3, 1))):
        pairing.objects.create(
            cadre=cadre,
            person=person,
            region_code=person.region_code,
            started_on=dt.date(2026, 1, 1),
            ended_on=ended,
        )
    event = actions.invitation_create(
        actor=admin, title="结对邀访", region_code="370502", held_on=dt.date(2026, 5, 17)
    )
    assert actions.invitees_add(actor=admin, event_id=event.pk, rule="paired", region="370502001") == 1
    assert list(event.invitees.values_list("person_id", flat=True)) == [people["a"].pk]
