"""The registry's pages: the person list (search, filters, keyset pages), masking and the audited reveal,
the person page and its edit forms, certificate lists, households, screening and the Excel export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from registry_factories import registered, resident_id

from canlian.core.audit.events import EventType
from canlian.core.audit.models import AuditEvent
from canlian.core.permissions import ROLE_PERMISSIONS, Perm
from canlian.core.registry import actions, views
from canlian.core.registry.choices import HardshipKind, ScreeningOutcome
from canlian.core.registry.models import Certificate, Household, Person, ScreeningRecord

TODAY = timezone.localdate()


@pytest.fixture
def worker(make_user):
    """A township worker of 文汇街道: view, edit, export and reveal there."""
    return make_user("township_worker", "370502001", username="wenhui_worker")


@pytest.fixture
def people(regions):
    zhang = registered(name="张三", phone="13812345678")
    li = registered(name="李四", category=None)
    far = registered(name="王五", region_code="370602001")
    return {"zhang": zhang, "li": li, "far": far}


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def workbook_rows(response):
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# --- the list --------------------------------------------------------------------------------------


def test_list_searches_by_pinyin_and_stays_in_scope(client, worker, people):
    client.force_login(worker)
    everyone = page(client, "/registry/persons/")
    assert "张三" in everyone and "李四" in everyone and "王五" not in everyone
    assert "文汇街道 王家村" in everyone  # region names, not codes
    for term in ("zs", "zhangsan", "张"):
        body = page(client, "/registry/persons/", q=term)
        assert "张三" in body and "李四" not in body, term
    assert "李四" in page(client, "/registry/persons/", status="none")
    assert "李四" not in page(client, "/registry/persons/", status="valid")
    assert "张三" in page(client, "/registry/persons/", category="4", grade="2")
    assert "张三" not in page(client, "/registry/persons/", category="5")


def test_list_filters_on_hardship_and_household_flag(client, worker, people):
    actions.hardship_add(
        actor=None,
        person_id=people["li"].pk,
        kind=HardshipKind.DIBAO,
        valid_from=TODAY - dt.timedelta(days=3),
    )
    household = actions.household_create(actor=None, head_person_id=people["zhang"].pk)
    second = registered(name="赵六", birth="19900101")
    actions.household_add_member(
        actor=None, household_id=household.pk, relationship="child", person_id=second.pk
    )
    client.force_login(worker)
    dibao = page(client, "/registry/persons/", hardship="dibao")
    assert "李四" in dibao and "张三" not in dibao
    multi = page(client, "/registry/persons/", household_flag="multi_disabled")
    assert "张三" in multi and "赵六" in multi and "李四" not in multi
    households = page(client, "/registry/households/", flag="multi_disabled")
    assert f"/registry/households/{household.pk}/" in households


def test_keyset_pager_moves_forward_and_back(client, worker, regions, monkeypatch):
    monkeypatch.setattr(views, "PER_PAGE", 2)
    made = [registered(name=name, category=None) for name in ("甲一", "乙二", "丙三")]
    client.force_login(worker)
    first = client.get("/registry/persons/", {"q": ""})
    names = [p.name for p in first.context["page"].items]
    assert names == ["丙三", "乙二"]  # newest first
    next_url = first.context["page"].next_url
    assert next_url and f"after={made[1].pk}" in next_url and "q=" in next_url  # filters kept
    second = client.get("/registry/persons/" + next_url)
    assert [p.name for p in second.context["page"].items] == ["甲一"]
    assert second.context["page"].next_url is None
    back = client.get("/registry/persons/" + second.context["page"].prev_url)
    assert [p.name for p in back.context["page"].items] == ["丙三", "乙二"]
    assert 'data-testid="pager-next"' in back.content.decode()
    broken = client.get("/registry/persons/", {"after": "not-a-cursor"})
    assert broken.status_code == 200 and len(broken.context["page"].items) == 2


def test_list_has_no_query_per_row(client, worker, regions, django_assert_max_num_queries):
    for i in range(12):
        person = registered(name=f"钱{'一二三四五六七八九十甲乙'[i]}")
        actions.hardship_add(actor=None, person_id=person.pk, kind="dibao", valid_from=TODAY)
    client.force_login(worker)
    client.get("/registry/persons/")  # warm the session and the user's assignments
    with django_assert_max_num_queries(20):
        assert client.get("/registry/persons/").status_code == 200


# --- masking and the audited reveal ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["leader", "township_worker"])
def test_full_identity_never_in_list_or_page_without_reveal(client, make_user, people, role):
    zhang = people["zhang"]
    client.force_login(make_user(role, "370502"))
    for url in ("/registry/persons/", f"/registry/persons/{zhang.pk}/"):
        body = page(client, url)
        assert zhang.id_number not in body and "13812345678" not in body, url
        assert zhang.masked_id in body and "138****5678" in body, url
        assert zhang.certificates.get().number not in body


def test_person_page_logs_every_view(client, worker, people):
    zhang = people["zhang"]
    client.force_login(worker)
    body = page(client, f"/registry/persons/{zhang.pk}/")
    page(client, f"/registry/persons/{zhang.pk}/")
    views_logged = AuditEvent.objects.filter(event_type=EventType.RECORD_VIEWED, object_id=str(zhang.pk))
    assert views_logged.count() == 2 and views_logged.first().actor == worker
    assert "肢体" in body or "Physical" in body  # the certificate shows
    assert 'data-testid="reveal"' in body  # the worker may reveal


def test_reveal_shows_full_identity_and_is_audited(client, worker, make_user, people):
    zhang = people["zhang"]
    client.force_login(worker)
    response = client.post(f"/registry/persons/{zhang.pk}/reveal/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and zhang.id_number in body and "13812345678" in body
    assert "<html" not in body  # htmx gets the identity box only
    assert AuditEvent.objects.filter(
        event_type=EventType.IDENTITY_REVEALED, object_id=str(zhang.pk), actor=worker
    ).exists()
    full = client.post(f"/registry/persons/{zhang.pk}/reveal/")
    assert zhang.id_number in full.content.decode() and "<html" in full.content.decode()

    leader = make_user("leader", "370502")
    client.force_login(leader)
    assert client.post(f"/registry/persons/{zhang.pk}/reveal/").status_code == 403
    assert 'data-testid="reveal"' not in page(client, f"/registry/persons/{zhang.pk}/")
    outsider = make_user("township_worker", "370602001")
    client.force_login(outsider)
    assert client.post(f"/registry/persons/{zhang.pk}/reveal/").status_code == 404
    assert AuditEvent.objects.filter(event_type=EventType.IDENTITY_REVEALED).count() == 2


def test_foreign_person_is_404_on_every_page(client, make_user, people):
    far = people["far"]
    household = actions.household_create(actor=None, head_person_id=far.pk)
    record = actions.screening_record(actor=None, name="孙八", region_code="370602001", found_on=TODAY)
    client.force_login(make_user("county_admin", "370502"))
    for url in (
        f"/registry/persons/{far.pk}/",
        f"/registry/households/{household.pk}/",
        f"/registry/screening/{record.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    for url, data in (
        (f"/registry/persons/{far.pk}/reveal/", {}),
        (f"/registry/persons/{far.pk}/edit/", {"name": "改名", "region_code": "370502001001"}),
        (f"/registry/households/{household.pk}/add-member/", {"relationship": "child", "name": "某某"}),
        (f"/registry/screening/{record.pk}/schedule/", {"appointment_on": TODAY.isoformat()}),
    ):
        assert client.post(url, data).status_code == 404, url
    assert Person.objects.get(pk=far.pk).name == "王五"
    assert not AuditEvent.objects.filter(event_type=EventType.RECORD_VIEWED).exists()


# --- edits on the person page -----------------------------------------------------------------------


def test_register_page_and_field_errors(client, worker, regions):
    client.force_login(worker)
    assert client.get("/registry/persons/new/").status_code == 200
    number = resident_id("370502", "19700303")
    bad = client.post(
        "/registry/persons/new/",
        {
            "id_number": number[:17] + ("1" if number[17] != "1" else "2"),
            "name": "新人",
            "region_code": "370502001001",
        },
    )
    assert bad.status_code == 200 and bad.context["form"].errors["id_number"]
    assert not Person.objects.filter(name="新人").exists()
    good = client.post(
        "/registry/persons/new/", {"id_number": number, "name": "新人", "region_code": "370502001001"}
    )
    person = Person.objects.get(id_number=number)
    assert good.status_code == 302 and good["Location"] == f"/registry/persons/{person.pk}/"
    outside = client.post(
        "/registry/persons/new/",
        {"id_number": resident_id("370602", "19700303"), "name": "外人", "region_code": "370602001"},
    )
    assert outside.status_code == 200 and outside.context["form"].errors["region_code"]


def test_person_page_edit_forms_call_the_actions(client, worker, make_user, people):
    li = people["li"]
    client.force_login(worker)
    url = f"/registry/persons/{li.pk}/"
    wrong = client.post(
        url + "certificate-issue/",
        {"category": "4", "grade": "2", "issue_date": TODAY.isoformat(), "number": li.id_number + "53"},
    )
    assert wrong.status_code == 200
    assert wrong.context["edit_forms"]["certificate-issue"]["form"].errors["number"]
    assert not Certificate.objects.filter(person=li).exists()
    issued = client.post(
        url + "certificate-issue/", {"category": "4", "grade": "2", "issue_date": TODAY.isoformat()}
    )
    assert issued.status_code == 302
    cert = Certificate.objects.get(person=li)
    assert cert.number == li.id_number + "42"
    assert client.post(url + "edit/", {"name": "李四改", "region_code": "370502001001"}).status_code == 302
    assert Person.objects.get(pk=li.pk).name == "李四改"
    client.post(url + "hardship-add/", {"kind": "dibao", "valid_from": TODAY.isoformat(), "source": "manual"})
    status = li.hardships.get()
    client.post(url + "hardship-end/", {"status": status.pk, "valid_to": TODAY.isoformat()})
    assert li.hardships.get().valid_to == TODAY
    cancelled = client.post(
        url + "certificate-cancel/",
        {"cancel_reason": "other", "cancelled_on": TODAY.isoformat(), "cancel_note": ""},
    )
    assert cancelled.context["edit_forms"]["certificate-cancel"]["form"].errors["cancel_note"]
    created = client.post(url + "household-create/", {"number": "H-1"})
    household = Household.objects.get(number="H-1")
    assert created["Location"] == f"/registry/households/{household.pk}/"
    died = client.post(
        url + "life-status/", {"life_status": "deceased", "life_status_date": TODAY.isoformat()}
    )
    assert died.status_code == 302
    assert Certificate.objects.get(pk=cert.pk).state == "cancelled"
    client.force_login(make_user("leader", "370502"))  # no persons.edit
    assert client.post(url + "edit/", {"name": "x", "region_code": "370502001001"}).status_code == 403


def test_household_page_adds_removes_and_sets_head(client, worker, people):
    zhang = people["zhang"]
    household = actions.household_create(actor=None, head_person_id=zhang.pk)
    client.force_login(worker)
    base = f"/registry/households/{household.pk}/"
    missing = client.post(base + "add-member/", {"relationship": "spouse", "name": "刘氏"})
    assert missing.status_code == 200 and missing.context["add_form"].errors["birth_date"]
    client.post(base + "add-member/", {"relationship": "spouse", "name": "刘氏", "birth_date": "1950-01-01"})
    by_id = client.post(base + "add-member/", {"relationship": "child", "id_number": people["li"].id_number})
    assert by_id.status_code == 302
    unknown = client.post(
        base + "add-member/", {"relationship": "child", "id_number": people["far"].id_number}
    )
    assert unknown.context["add_form"].errors["id_number"]
    members = {m.name: m for m in household.members.all()}
    assert set(members) == {"张三", "刘氏", "李四"}
    client.post(base + "set-head/", {"member": members["刘氏"].pk})
    assert household.members.get(is_head=True).name == "刘氏"
    client.post(base + "remove-member/", {"member": members["李四"].pk})
    body = page(client, base)
    assert "李四" not in body and "刘氏" in body


# --- certificate lists and screening ----------------------------------------------------------------


def test_certificate_lists(client, worker, regions):
    soon = registered(name="甄快", issued=TODAY.replace(year=TODAY.year - 10) + dt.timedelta(days=60))
    late = registered(name="郝迟", issued=TODAY.replace(year=TODAY.year - 11))
    gone = registered(name="钟销")
    actions.certificate_cancel(actor=None, certificate_id=gone.certificates.get().pk, reason="recovery")
    registered(name="外区", region_code="370602001", issued=TODAY.replace(year=TODAY.year - 11))
    client.force_login(worker)
    expiring = page(client, "/registry/certificates/expiring/")
    assert "甄快" in expiring and "郝迟" not in expiring
    assert soon.id_number not in expiring and soon.masked_id in expiring
    assert "甄快" not in page(client, "/registry/certificates/expiring/", days="30")
    assert "甄快" in page(client, "/registry/certificates/expiring/", days="90")
    expired = page(client, "/registry/certificates/expired/")
    assert "郝迟" in expired and "外区" not in expired and late.masked_id in expired
    assert "钟销" in page(client, "/registry/certificates/cancelled/")


def test_screening_pages_record_schedule_and_certify(client, worker, regions):
    client.force_login(worker)
    created = client.post(
        "/registry/screening/new/",
        {"name": "周七", "region_code": "370502001001", "found_on": TODAY.isoformat(), "source": "village"},
    )
    record = ScreeningRecord.objects.get(name="周七")
    assert created["Location"] == f"/registry/screening/{record.pk}/"
    assert "周七" in page(client, "/registry/screening/")
    base = f"/registry/screening/{record.pk}/"
    client.post(base + "schedule/", {"appointment_on": TODAY.isoformat(), "assessor": "医生"})
    assert ScreeningRecord.objects.get(pk=record.pk).outcome == ScreeningOutcome.SCHEDULED
    no_id = client.post(
        base + "conclude/",
        {"outcome": "certified", "outcome_on": TODAY.isoformat(), "category": "5", "grade": "3"},
    )
    assert no_id.status_code == 200 and no_id.context["conclude_form"].errors["id_number"]
    number = resident_id("370502", "19600505")
    done = client.post(
        base + "conclude/",
        {
            "outcome": "certified",
            "outcome_on": TODAY.isoformat(),
            "category": "5",
            "grade": "3",
            "id_number": number,
        },
    )
    person = Person.objects.get(id_number=number)
    assert done["Location"] == f"/registry/persons/{person.pk}/"
    assert person.certificates.get().number == number + "53"
    assert "周七" not in page(client, "/registry/screening/")  # no longer open
    assert "周七" in page(client, "/registry/screening/", state="all")


# --- export ------------------------------------------------------------------------------------------


def test_export_masks_without_reveal_and_uses_the_list_filters(client, worker, people, monkeypatch):
    zhang = people["zhang"]
    client.force_login(worker)
    response = client.get("/registry/persons/export/", {"q": "zs"})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    header, *rows = workbook_rows(response)
    assert header[:4] == ["序号", "姓名", "性别", "身份证号"]
    assert [r[1] for r in rows] == ["张三"]  # the same filter as the list
    row = dict(zip(header, rows[0], strict=True))
    assert row["身份证号"] == zhang.id_number and row["联系电话"] == "13812345678"  # worker may reveal
    assert row["残疾类别"] == "肢体" and row["残疾等级"] == "二级" and row["所属村(社区)"] == "王家村"
    event = AuditEvent.objects.get(event_type=EventType.RECORDS_EXPORTED)
    assert event.new_values["rows"] == 1 and event.new_values["filters"]["q"] == "zs"
    assert event.new_values["unmasked_rows"] == 1

    without_reveal = ROLE_PERMISSIONS["township_worker"] - {Perm.PERSONS_REVEAL}
    monkeypatch.setitem(ROLE_PERMISSIONS, "township_worker", without_reveal)
    masked = workbook_rows(client.get("/registry/persons/export/"))
    names = {r[1]: dict(zip(header, r, strict=True)) for r in masked[1:]}
    assert set(names) == {"张三", "李四"}  # never another region's people
    assert names["张三"]["身份证号"] == zhang.masked_id and names["张三"]["联系电话"] == "138****5678"
    assert zhang.id_number not in str(names["张三"]["残疾人证号"])
    last = AuditEvent.objects.filter(event_type=EventType.RECORDS_EXPORTED).order_by("-id").first()
    assert last.new_values["rows"] == 2 and last.new_values["unmasked_rows"] == 0


def test_export_needs_the_permission(client, make_user, people):
    client.force_login(make_user("leader", "370502"))
    assert client.get("/registry/persons/export/").status_code == 403
    assert not AuditEvent.objects.filter(event_type=EventType.RECORDS_EXPORTED).exists()
    assert 'data-testid="export"' not in page(client, "/registry/persons/")


def test_export_stops_at_the_limit(worker, people):
    from canlian.core.registry.exporting import persons_export
    from canlian.core.registry.selectors import PersonFilters

    stream = io.BytesIO()
    assert persons_export(user=worker, filters=PersonFilters(), stream=stream, limit=1) == 1
    rows = [
        list(r)
        for r in load_workbook(io.BytesIO(stream.getvalue())).worksheets[0].iter_rows(values_only=True)
    ]
    assert len(rows) == 3 and "1" in str(rows[-1][0])
    assert AuditEvent.objects.get(event_type=EventType.RECORDS_EXPORTED).new_values["truncated"] is True
