"""Care of people: pairing, contacts, needs, the contact obligations and compliance, pages and API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from registry_factories import registered

from canlian.core.registry.actions import hardship_add
from canlian.domains.care import actions
from canlian.domains.care.compliance import (
    DUE_SOON,
    ON_TRACK,
    OVERDUE,
    cadre_compliance,
    person_compliance,
    prorated,
    region_compliance,
    required_to_date,
)
from canlian.domains.care.models import Contact, ContactRule, Need, NeedStatus, Pairing
from canlian.domains.care.selectors import (
    contacts_visible,
    needs_visible,
    pairings_visible,
    should_be_paired,
    unpaired,
)
from canlian.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user):
    return make_user("county_admin", "370502", username="care_admin")


@pytest.fixture
def cadre(make_user):
    return make_user("cadre", "370502001", username="cadre_li", display_name="李干部")


@pytest.fixture
def cadre2(make_user):
    return make_user("cadre", "370502001", username="cadre_wang", display_name="王干部")


def person(name="张三", birth="19800101", region="370502001001", grade=1):
    return registered(name=name, birth=birth, region_code=region, grade=grade)


def add_contacts(p, pairing, cadre, dates, way="phone"):
    for day in dates:
        Contact.objects.create(
            person=p, pairing=pairing, cadre=cadre, region_code=p.region_code, way=way, on=day
        )


# --- the rule arithmetic -----------------------------------------------------------------------------


def test_seeded_province_rule():
    rule = ContactRule.objects.get(applies_to="paired", region_prefix="")
    assert (rule.contacts_per_year, rule.home_visits_per_year) == (4, 2)


def test_prorating_arithmetic_counts_leap_years():
    assert prorated(4, 365, 365) == 4
    assert prorated(4, 366, 366) == 4
    # paired from 1 July: 184 days of 365 → ceil(4 × 184 / 365) = ceil(2.016) = 3; of 366: 2.011 → 3
    assert prorated(4, 184, 365) == 3
    assert prorated(2, 184, 365) == 2 - 1 + 1  # ceil(1.008) = 2
    assert prorated(4, 183, 366) == 2  # 4 × 183 / 366 = exactly 2
    assert prorated(4, 183, 365) == 3  # 2.005 → 3: the leap day matters
    # due dates at slice midpoints: 4 a year are due mid-Feb, mid-May, mid-Aug, mid-Nov
    assert required_to_date(4, 44, 365) == 0
    assert required_to_date(4, 46, 365) == 1
    assert required_to_date(4, 334, 365) == 4
    assert required_to_date(4, 365, 365) == 4


def test_three_contacts_and_one_visit_by_december_is_overdue(admin, cadre):
    p = person()
    pairing = actions.pairing_create(
        actor=admin, person_id=p.pk, cadre_id=cadre.pk, started_on=dt.date(2024, 1, 1)
    )
    add_contacts(p, pairing, cadre, [dt.date(2024, 2, 1), dt.date(2024, 5, 1)])
    add_contacts(p, pairing, cadre, [dt.date(2024, 8, 1)], way="home_visit")
    [row] = person_compliance(user=admin, year=2024, on=dt.date(2024, 12, 1))
    assert (row.contacts, row.visits) == (3, 1)
    assert (row.required_contacts, row.required_visits) == (4, 2)
    assert row.status == OVERDUE and not row.met
    # in mid-September the same person is fine, the next contact falling due in November
    [row] = person_compliance(user=admin, year=2024, on=dt.date(2024, 9, 15))
    assert row.status == DUE_SOON or row.status == ON_TRACK
    [row] = person_compliance(user=admin, year=2024, on=dt.date(2024, 8, 10))
    assert row.status == ON_TRACK
    # one more visit: 4 contacts of which 2 visits → met
    add_contacts(p, pairing, cadre, [dt.date(2024, 11, 20)], way="home_visit")
    [row] = person_compliance(user=admin, year=2024, on=dt.date(2024, 12, 1))
    assert (row.contacts, row.visits, row.status, row.met) == (4, 2, ON_TRACK, True)


def test_leap_year_and_a_pairing_starting_mid_year(admin, cadre):
    p = person()
    actions.pairing_create(actor=admin, person_id=p.pk, cadre_id=cadre.pk, started_on=dt.date(2024, 7, 2))
    [row] = person_compliance(user=admin, year=2024, on=dt.date(2025, 1, 1))
    # 2 July – 31 December 2024 = 183 days of 366: 4 × 183 / 366 = 2 contacts, 1 visit
    assert row.paired_days == 183
    assert (row.required_contacts, row.required_visits) == (2, 1)
    assert row.status == OVERDUE
    # the same dates in 2025 (not leap): 183 of 365 → ceil(2.005) = 3 contacts, ceil(1.003) = 2 visits
    p2 = person(name="李四", birth="19810101")
    actions.pairing_create(actor=admin, person_id=p2.pk, cadre_id=cadre.pk, started_on=dt.date(2025, 7, 2))
    rows = {r.person_id: r for r in person_compliance(user=admin, year=2025, on=dt.date(2026, 1, 1))}
    assert (rows[p2.pk].required_contacts, rows[p2.pk].required_visits) == (3, 2)
    # at the start of the pairing nothing is due yet
    [row] = [
        r for r in person_compliance(user=admin, year=2024, on=dt.date(2024, 7, 3)) if r.person_id == p.pk
    ]
    assert row.contacts_due == 0 and row.status in (ON_TRACK, DUE_SOON)


def test_reassignment_keeps_the_years_contacts_with_the_person(admin, cadre, cadre2):
    p = person()
    first = actions.pairing_create(
        actor=admin, person_id=p.pk, cadre_id=cadre.pk, started_on=dt.date(2025, 1, 1)
    )
    add_contacts(p, first, cadre, [dt.date(2025, 2, 1), dt.date(2025, 3, 1)])
    add_contacts(p, first, cadre, [dt.date(2025, 4, 1)], way="home_visit")
    second = actions.pairing_reassign(
        actor=admin, pairing_id=first.pk, cadre_id=cadre2.pk, on=dt.date(2025, 6, 1)
    )
    first.refresh_from_db()
    assert first.ended_on == dt.date(2025, 5, 31) and first.end_reason == "reassigned"
    assert second.started_on == dt.date(2025, 6, 1) and second.cadre == cadre2
    assert Pairing.objects.filter(person=p).count() == 2
    add_contacts(p, second, cadre2, [dt.date(2025, 9, 1)], way="home_visit")
    [row] = person_compliance(user=admin, year=2025, on=dt.date(2026, 1, 1))
    # the whole year is one paired period; all four contacts count, attributed to the new cadre
    assert (row.paired_days, row.contacts, row.visits, row.cadre_id) == (365, 4, 2, cadre2.pk)
    assert row.status == ON_TRACK and row.met
    # the new cadre sees the person; the old one no longer does
    assert [r.person_id for r in person_compliance(user=cadre2, year=2025, on=dt.date(2026, 1, 1))] == [p.pk]
    assert person_compliance(user=cadre, year=2025, on=dt.date(2026, 1, 1)) == []


def test_cadre_sees_only_their_people_and_county_admin_sees_all(admin, cadre, cadre2):
    a, b = person(name="甲某"), person(name="乙某", birth="19820101")
    pa = actions.pairing_create(
        actor=admin, person_id=a.pk, cadre_id=cadre.pk, started_on=dt.date(2026, 1, 1)
    )
    actions.pairing_create(actor=admin, person_id=b.pk, cadre_id=cadre2.pk, started_on=dt.date(2026, 1, 1))
    add_contacts(a, pa, cadre, [dt.date(2026, 2, 1)])
    assert list(pairings_visible(user=cadre)) == [pa]
    assert pairings_visible(user=admin).count() == 2
    assert [c.person_id for c in contacts_visible(user=cadre)] == [a.pk]
    assert contacts_visible(user=cadre2).count() == 0
    assert {r.person_id for r in person_compliance(user=cadre, year=2026)} == {a.pk}
    assert {r.person_id for r in person_compliance(user=admin, year=2026)} == {a.pk, b.pk}
    tallies = cadre_compliance(user=admin, year=2026, on=dt.date(2026, 12, 31))
    assert {t.key for t in tallies} == {cadre.pk, cadre2.pk}
    assert all(t.people == 1 and t.overdue == 1 for t in tallies)
    regions = region_compliance(user=admin, year=2026, level=4, on=dt.date(2026, 3, 1))
    [township] = regions
    assert (township.key, township.name, township.people) == ("370502001", "文汇街道", 2)
    # a cadre may not record for somebody else's person
    with pytest.raises(PermissionDenied):
        actions.contact_record(actor=cadre, person_id=b.pk, way="phone")


# --- pairing ---------------------------------------------------------------------------------------


def test_who_should_be_paired_and_unpaired(admin, cadre):
    severe = person(name="重度", grade=1)
    mild = person(name="轻度", birth="19830101", grade=3)
    for p in (severe, mild):
        hardship_add(actor=None, person_id=p.pk, kind="dibao", valid_from=dt.date(2024, 1, 1))
    person(name="无困难", birth="19840101", grade=2)
    assert list(should_be_paired(user=admin)) == [severe]
    assert list(unpaired(user=admin)) == [severe]
    actions.pairing_create(actor=admin, person_id=severe.pk, cadre_id=cadre.pk)
    assert list(unpaired(user=admin)) == []


def test_one_active_pairing_per_person(admin, cadre, cadre2):
    p = person()
    pairing = actions.pairing_create(actor=admin, person_id=p.pk, cadre_id=cadre.pk)
    with pytest.raises(Conflict):
        actions.pairing_create(actor=admin, person_id=p.pk, cadre_id=cadre2.pk)
    with pytest.raises(PermissionDenied):
        actions.pairing_create(
            actor=cadre, person_id=person(name="乙某", birth="19820101").pk, cadre_id=cadre.pk
        )
    actions.pairing_end(actor=admin, pairing_id=pairing.pk, reason="deceased")
    actions.pairing_create(actor=admin, person_id=p.pk, cadre_id=cadre2.pk)
    assert Pairing.objects.filter(person=p, ended_on__isnull=True).get().cadre == cadre2


def test_bulk_pairing_upload_rejects_bad_rows_and_writes_nothing(admin, cadre, cadre2, tmp_path, make_user):
    a, b = person(name="甲某"), person(name="乙某", birth="19820101")
    c = person(name="丙某", birth="19830101")
    outsider = registered(name="外地", birth="19850101", region_code="370602001")
    make_user("cadre", "370602001", username="cadre_far")
    rows = [
        "身份证号,干部账号,干部姓名",
        f"{a.id_number},cadre_li,",
        f"{b.id_number},,王干部",
        "110101199003071234,cadre_li,",  # bad check digit
        f"{outsider.id_number},cadre_li,",  # not in the admin's region
        f"{c.id_number},nobody,",  # unknown user
        f"{c.id_number},cadre_far,",  # user of another region
        f"{a.id_number},cadre_wang,",  # twice in the file
    ]
    path = tmp_path / "pairs.csv"
    path.write_text("\n".join(rows), encoding="utf-8")
    with pytest.raises(ValidationFailed) as exc:
        actions.pairings_import(actor=admin, path=path)
    bad = {(e.row, e.field) for e in exc.value.errors}
    assert bad == {(4, "身份证号"), (5, "身份证号"), (6, "干部账号"), (7, "干部账号"), (8, "身份证号")}
    assert Pairing.objects.count() == 0
    path.write_text("\n".join(rows[:3]), encoding="utf-8")
    result = actions.pairings_import(actor=admin, path=path)
    assert result == {"created": 2, "skipped": 0, "rows": 2}
    assert {(p.person_id, p.cadre_id) for p in Pairing.objects.all()} == {(a.pk, cadre.pk), (b.pk, cadre2.pk)}
    # uploading again skips the pairings that exist
    assert actions.pairings_import(actor=admin, path=path)["skipped"] == 2


# --- contacts and needs ----------------------------------------------------------------------------


def test_contact_record_creates_needs_and_closes_follow_ups(admin, cadre):
    p = person()
    actions.pairing_create(actor=admin, person_id=p.pk, cadre_id=cadre.pk)
    today = timezone.localdate()
    first = actions.contact_record(
        actor=cadre, person_id=p.pk, way="phone", on=today, follow_up_on=today + dt.timedelta(days=3)
    )
    contact = actions.contact_record(
        actor=cadre,
        person_id=p.pk,
        way="home_visit",
        on=today,
        discussed="家里情况",
        needs_found="轮椅坏了\n- 需要护理补贴",
        policies_delivered=2,
        tasks_done="1",
        photo=SimpleUploadedFile("visit.jpg", b"\xff\xd8\xff fake jpeg"),
    )
    first.refresh_from_db()
    assert first.follow_up_done
    assert contact.photo.name.startswith("care/contacts/")
    needs = list(Need.objects.filter(contact=contact).order_by("id"))
    assert [n.description for n in needs] == ["轮椅坏了", "需要护理补贴"]
    assert all(n.owner == cadre and n.status == "open" for n in needs)
    assert needs_visible(user=cadre, open_only=True).count() == 2
    with pytest.raises(ValidationFailed):
        actions.need_update(actor=cadre, need_id=needs[0].pk, status=NeedStatus.RESOLVED)
    need = actions.need_update(actor=cadre, need_id=needs[0].pk, status="resolved", resolution="已修好")
    assert need.resolved_on == today
    with pytest.raises(ValidationFailed):
        actions.contact_record(actor=cadre, person_id=p.pk, way="phone", on=today + dt.timedelta(days=1))
    with pytest.raises(ValidationFailed):
        actions.contact_record(actor=cadre, person_id=p.pk, way="fax")


# --- pages and API ---------------------------------------------------------------------------------


@pytest.fixture
def fixed_today(monkeypatch):
    day = dt.date(2026, 11, 23)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
    return day


def test_today_page_moves_a_person_from_due_to_done(client, admin, cadre, fixed_today, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    p = person()
    pairing = actions.pairing_create(
        actor=admin, person_id=p.pk, cadre_id=cadre.pk, started_on=dt.date(2026, 1, 1)
    )
    add_contacts(p, pairing, cadre, [dt.date(2026, 2, 1), dt.date(2026, 5, 1)])
    add_contacts(p, pairing, cadre, [dt.date(2026, 8, 1)], way="home_visit")
    client.force_login(cadre)
    page = client.get(reverse("care:today")).content.decode()
    due, done = page.split('data-testid="today-done"')
    assert f'data-person="{p.pk}"' in due and f'data-person="{p.pk}"' not in done
    assert 'data-status="overdue"' in due
    form = client.get(reverse("care:contact-create", args=[p.pk]))
    assert form.status_code == 200
    assert 'name="viewport"' in form.content.decode() and 'value="2026-11-23"' in form.content.decode()
    response = client.post(
        reverse("care:contact-create", args=[p.pk]),
        {
            "way": "home_visit",
            "on": "2026-11-23",
            "discussed": "上门看望",
            "needs_found": "需要助听器",
            "photo": SimpleUploadedFile("v.jpg", b"\xff\xd8\xff photo"),
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("care:today")
    page = client.get(reverse("care:today")).content.decode()
    due, done = page.split('data-testid="today-done"')
    assert f'data-person="{p.pk}"' not in due and f'data-person="{p.pk}"' in done
    need = Need.objects.get(person=p)
    assert need.owner == cadre and need.due_on == dt.date(2026, 12, 23)
    contact = Contact.objects.get(person=p, on=fixed_today)
    assert client.get(reverse("care:contact-photo", args=[contact.pk])).status_code == 200
    # the person page shows the visit and offers the link
    person_page = client.get(reverse("registry:person-detail", args=[p.pk])).content.decode()
    assert "上门看望" in person_page and reverse("care:contact-create", args=[p.pk]) in person_page


def test_contact_form_errors_and_other_cadres(client, admin, cadre, cadre2, fixed_today):
    p = person()
    actions.pairing_create(actor=admin, person_id=p.pk, cadre_id=cadre.pk)
    client.force_login(cadre)
    response = client.post(reverse("care:contact-create", args=[p.pk]), {"way": "phone", "on": "2026-12-01"})
    assert response.status_code == 400 and Contact.objects.count() == 0
    # an untouched form (no way chosen: nothing is preselected) saves no contact toward the quota
    form_page = client.get(reverse("care:contact-create", args=[p.pk])).content.decode()
    assert "checked" not in form_page.split('name="way"', 1)[1][:200]
    untouched = client.post(reverse("care:contact-create", args=[p.pk]), {"on": "2026-11-30"})
    assert untouched.status_code == 400 and Contact.objects.count() == 0
    client.force_login(cadre2)
    assert client.get(reverse("care:contact-create", args=[p.pk])).status_code == 404
    assert client.get(reverse("care:pairing-list")).content.decode().count("data-status=") == 0
    client.force_login(admin)
    assert "张三" in client.get(reverse("care:pairing-list")).content.decode()


def test_pairing_pages_unpaired_pair_and_upload(client, admin, cadre, cadre2, tmp_path):
    severe = person(name="重度", grade=1)
    hardship_add(actor=None, person_id=severe.pk, kind="tekun", valid_from=dt.date(2024, 1, 1))
    client.force_login(admin)
    page = client.get(reverse("care:unpaired")).content.decode()
    assert "重度" in page and f'data-testid="pair-{severe.pk}"' in page
    form = client.get(reverse("care:pairing-create") + f"?person={severe.pk}").content.decode()
    assert "cadre_li" in form or "李干部" in form
    response = client.post(
        reverse("care:pairing-create"), {"person": severe.pk, "cadre": cadre.pk, "started_on": "2026-01-05"}
    )
    pairing = Pairing.objects.get(person=severe)
    assert response.status_code == 302 and pairing.cadre == cadre
    assert "重度" not in client.get(reverse("care:unpaired")).content.decode()
    response = client.post(
        reverse("care:pairing-reassign", args=[pairing.pk]), {"cadre": cadre2.pk, "on": "2026-03-01"}
    )
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "李干部" in detail and "王干部" in detail  # history kept
    other = person(name="乙某", birth="19820101")
    upload = SimpleUploadedFile(
        "p.csv", f"身份证号,干部账号\n{other.id_number},cadre_li\n110101199003071234,cadre_li\n".encode()
    )
    response = client.post(reverse("care:pairing-upload"), {"file": upload})
    assert response.status_code == 400 and 'data-testid="upload-errors"' in response.content.decode()
    assert not Pairing.objects.filter(person=other).exists()
    upload = SimpleUploadedFile("p.csv", f"身份证号,干部账号\n{other.id_number},cadre_li\n".encode())
    assert client.post(reverse("care:pairing-upload"), {"file": upload}).status_code == 302
    assert Pairing.objects.get(person=other).cadre == cadre


def test_api_record_contact_needs_and_compliance(client, admin, cadre, cadre2, fixed_today):
    p = person()
    actions.pairing_create(actor=admin, person_id=p.pk, cadre_id=cadre.pk, started_on=dt.date(2026, 1, 1))
    client.force_login(cadre)
    response = client.post(
        "/api/v1/care/contacts/",
        {"person": p.pk, "way": "wechat", "on": "2026-11-20", "needs_found": "康复训练"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["way"] == "wechat"
    need_id = Need.objects.get(person=p).pk
    response = client.patch(
        f"/api/v1/care/needs/{need_id}/",
        {"status": "resolved", "resolution": "已安排"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["resolved_on"] == "2026-11-23"
    body = client.get("/api/v1/care/compliance/?year=2026").json()
    [row] = body["results"]
    assert (row["contacts"], row["visits"], row["status"]) == (1, 0, "overdue")
    assert client.get("/api/v1/care/pairings/").json()["results"][0]["person"] == p.pk
    client.force_login(cadre2)
    assert client.get("/api/v1/care/pairings/").json()["results"] == []
    assert client.get(f"/api/v1/care/needs/{need_id}/").status_code == 404
    response = client.post(
        "/api/v1/care/contacts/", {"person": p.pk, "way": "phone"}, content_type="application/json"
    )
    assert response.status_code == 403
    client.force_login(admin)
    regions = client.get("/api/v1/care/compliance/regions/?year=2026&level=3").json()["results"]
    assert regions[0]["key"] == "370502" and regions[0]["people"] == 1 and regions[0]["rate"] == 0


# --- one read path: for_user holds "a cadre sees only their own people" ------------------------------


def _two_cadres_world(admin, cadre, cadre2):
    p1, p2 = person(), person(name="李四", birth="19810101")
    first = actions.pairing_create(actor=admin, person_id=p1.pk, cadre_id=cadre.pk)
    second = actions.pairing_create(actor=admin, person_id=p2.pk, cadre_id=cadre2.pk)
    c1 = actions.contact_record(actor=cadre, person_id=p1.pk, way="phone", needs_found="轮椅")
    c2 = actions.contact_record(actor=cadre2, person_id=p2.pk, way="phone", needs_found="康复")
    return first, second, c1, c2


def _detail_statuses(client, pairing, contact, need):
    """The statuses of the pairing, contact and need pages and API details, as a set."""
    pages = [
        reverse("care:pairing-detail", kwargs={"pairing_id": pairing.pk}),
        reverse("care:contact-detail", kwargs={"contact_id": contact.pk}),
        reverse("care:need-detail", kwargs={"need_id": need.pk}),
        f"/api/v1/care/pairings/{pairing.pk}/",
        f"/api/v1/care/contacts/{contact.pk}/",
        f"/api/v1/care/needs/{need.pk}/",
    ]
    return {client.get(url).status_code for url in pages}


def test_for_user_keeps_a_cadre_to_their_own_people(admin, cadre, cadre2):
    first, second, c1, c2 = _two_cadres_world(admin, cadre, cadre2)
    assert list(Pairing.objects.for_user(cadre)) == [first]
    assert list(Pairing.objects.for_user(cadre2)) == [second]
    assert set(Pairing.objects.for_user(admin)) == {first, second}
    assert list(Contact.objects.for_user(cadre)) == [c1]
    assert list(Need.objects.for_user(cadre2)) == list(c2.needs.all())
    assert Need.objects.for_user(admin).count() == 2
    # care.manage is region-wide; a plain cadre holds none
    assert not Pairing.objects.for_user(cadre, "manage").exists()
    assert Pairing.objects.for_user(admin, "manage").count() == 2


def test_a_second_cadre_reaches_none_of_the_first_cadres_people(client, admin, cadre, cadre2):
    first, second, c1, _c2 = _two_cadres_world(admin, cadre, cadre2)
    need = c1.needs.get()
    client.force_login(cadre2)
    assert _detail_statuses(client, first, c1, need) == {404}
    listed = client.get("/api/v1/care/pairings/").json()["results"]
    assert [row["id"] for row in listed] == [second.pk]
    with pytest.raises(NotFound):
        actions.need_update(actor=cadre2, need_id=need.pk, status="in_progress")
    with pytest.raises(NotFound):
        actions.pairing_end(actor=cadre2, pairing_id=first.pk)
    assert (
        Need.objects.get(pk=need.pk).status == NeedStatus.OPEN and Pairing.objects.get(pk=first.pk).is_active
    )


def test_national_scope_sees_care_lists_pages_and_api(client, admin, cadre, cadre2, django_user_model):
    first, _second, c1, _c2 = _two_cadres_world(admin, cadre, cadre2)
    national = django_user_model.objects.create_superuser(username="care_national", password="pw-Strong-2026")
    assert Pairing.objects.for_user(national).count() == 2
    assert Contact.objects.for_user(national).count() == 2
    assert Need.objects.for_user(national).count() == 2
    client.force_login(national)
    for name in ("care:pairing-list", "care:contact-list", "care:need-list"):
        page = client.get(reverse(name)).content.decode()
        assert "张三" in page and "李四" in page, name
    need = c1.needs.get()
    assert _detail_statuses(client, first, c1, need) == {200}
    for path in ("care/pairings/", "care/contacts/", "care/needs/"):
        assert len(client.get(f"/api/v1/{path}").json()["results"]) == 2, path
    year = timezone.localdate().year
    assert len(client.get(f"/api/v1/care/compliance/?year={year}").json()["results"]) == 2


def test_a_real_error_in_a_care_page_is_not_turned_into_a_404(client, admin, cadre, monkeypatch):
    from canlian.domains.care import selectors

    _two_cadres_world(admin, cadre, cadre)
    client.force_login(admin)
    contact = Contact.objects.first()

    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(selectors, "contacts_visible", broken)
    monkeypatch.setattr(selectors, "needs_visible", broken)
    with pytest.raises(RuntimeError):
        client.get(reverse("care:contact-detail", kwargs={"contact_id": contact.pk}))
    with pytest.raises(RuntimeError):
        client.get(reverse("care:need-detail", kwargs={"need_id": Need.objects.first().pk}))


def test_the_system_actor_writes_like_the_command_line(cadre):
    from canlian.core.audit.models import AuditEvent
    from canlian.platform.access import SYSTEM

    p = person()
    pairing = actions.pairing_create(actor=SYSTEM, person_id=p.pk, cadre_id=cadre.pk)
    assert pairing.created_by is None
    contact = actions.contact_record(actor=SYSTEM, person_id=p.pk, way="phone", needs_found="轮椅")
    assert contact.cadre == cadre
    need = actions.need_update(
        actor=SYSTEM, need_id=contact.needs.get().pk, status="resolved", resolution="已适配"
    )
    assert need.status == NeedStatus.RESOLVED
    assert actions.pairing_end(actor=SYSTEM, pairing_id=pairing.pk).ended_on is not None
    labels = set(
        AuditEvent.objects.filter(event_type__startswith="care.").values_list("actor_label", flat=True)
    )
    assert labels == {"system"}
    assert Pairing.objects.for_user(SYSTEM).count() == 1
