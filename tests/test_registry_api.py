"""/api/v1/ for the registry: scoped, masked lists with the page's filters, audited reveal, create and
update through the actions with field-named errors, certificate lists, households, screening records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from registry_factories import registered, resident_id

from canlian.core.audit.events import EventType
from canlian.core.audit.models import AuditEvent
from canlian.core.registry import actions
from canlian.core.registry.models import Person

TODAY = timezone.localdate()


@pytest.fixture
def worker(make_user):
    return make_user("township_worker", "370502001", username="api_worker")


@pytest.fixture
def people(regions):
    return {
        "zhang": registered(name="张三", phone="13812345678"),
        "li": registered(name="李四", category=None),
        "far": registered(name="王五", region_code="370602001"),
    }


def test_person_list_is_scoped_masked_and_filtered(client, worker, people):
    client.force_login(worker)
    data = client.get("/api/v1/persons/").json()
    assert {p["name"] for p in data["results"]} == {"张三", "李四"}
    zhang = next(p for p in data["results"] if p["name"] == "张三")
    assert zhang["id_number"] == people["zhang"].masked_id and zhang["phone"] == "138****5678"
    assert zhang["certificate"]["category"] == 4 and "*" in zhang["certificate"]["number"]
    assert people["zhang"].id_number not in str(data)
    assert [p["name"] for p in client.get("/api/v1/persons/", {"q": "zs"}).json()["results"]] == ["张三"]
    assert [p["name"] for p in client.get("/api/v1/persons/", {"status": "none"}).json()["results"]] == [
        "李四"
    ]
    bad = client.get("/api/v1/persons/", {"category": "9"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_failed"
    assert "category" in bad.json()["error"]["details"]


def test_person_list_pages_by_keyset(client, worker, regions):
    for name in ("甲一", "乙二", "丙三"):
        registered(name=name, category=None)
    client.force_login(worker)
    first = client.get("/api/v1/persons/", {"page_size": 2}).json()
    assert [p["name"] for p in first["results"]] == ["丙三", "乙二"] and first["next"]
    second = client.get(first["next"]).json()
    assert [p["name"] for p in second["results"]] == ["甲一"] and second["next"] is None


def test_retrieve_and_foreign_is_404(client, worker, people):
    client.force_login(worker)
    one = client.get(f"/api/v1/persons/{people['zhang'].pk}/")
    assert one.status_code == 200 and one.json()["id_number"] == people["zhang"].masked_id
    far = client.get(f"/api/v1/persons/{people['far'].pk}/")
    assert far.status_code == 404 and far.json()["error"]["code"] == "not_found"


def test_reveal_is_audited_and_needs_the_permission(client, worker, make_user, people):
    zhang = people["zhang"]
    client.force_login(worker)
    shown = client.post(f"/api/v1/persons/{zhang.pk}/reveal/")
    assert shown.status_code == 200
    assert shown.json()["id_number"] == zhang.id_number and shown.json()["phone"] == "13812345678"
    assert (
        AuditEvent.objects.filter(event_type=EventType.IDENTITY_REVEALED, object_id=str(zhang.pk)).count()
        == 1
    )
    client.force_login(make_user("leader", "370502"))
    refused = client.post(f"/api/v1/persons/{zhang.pk}/reveal/")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    client.force_login(make_user("township_worker", "370602001"))
    assert client.post(f"/api/v1/persons/{zhang.pk}/reveal/").status_code == 404
    assert AuditEvent.objects.filter(event_type=EventType.IDENTITY_REVEALED).count() == 1


def test_create_and_update_through_the_actions(client, worker, regions):
    client.force_login(worker)
    number = resident_id("370502", "19851010", male=False)
    created = client.post(
        "/api/v1/persons/",
        {"id_number": number, "name": "新人", "region_code": "370502001001", "phone": "13900001111"},
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["sex"] == "F" and body["birth_date"] == "1985-10-10" and body["id_number"] != number
    assert AuditEvent.objects.filter(
        event_type=EventType.PERSON_REGISTERED, object_id=str(body["id"])
    ).exists()
    duplicate = client.post(
        "/api/v1/persons/",
        {"id_number": number, "name": "新人", "region_code": "370502001001"},
        content_type="application/json",
    )
    assert duplicate.status_code == 409 and duplicate.json()["error"]["field"] == "id_number"
    bad = client.post(
        "/api/v1/persons/",
        {
            "id_number": number[:17] + ("1" if number[17] != "1" else "2"),
            "name": "坏号",
            "region_code": "370502001001",
        },
        content_type="application/json",
    )
    assert bad.status_code == 422  # well-formed, refused: the check digit is the domain's rule
    assert bad.json()["error"]["code"] == "validation_failed" and bad.json()["error"]["field"] == "id_number"
    outside = client.post(
        "/api/v1/persons/",
        {"id_number": resident_id("370602"), "name": "外人", "region_code": "370602001"},
        content_type="application/json",
    )
    assert outside.status_code == 404
    updated = client.patch(
        f"/api/v1/persons/{body['id']}/", {"name": "新名"}, content_type="application/json"
    )
    assert updated.status_code == 200 and updated.json()["name"] == "新名"
    wrong_region = client.patch(
        f"/api/v1/persons/{body['id']}/", {"region_code": "999999"}, content_type="application/json"
    )
    assert wrong_region.status_code == 422 and wrong_region.json()["error"]["field"] == "region_code"
    assert set(Person.objects.values_list("name", flat=True)) == {"新名"}


def test_certificates_households_and_screenings(client, worker, regions):
    soon = registered(name="快到期", issued=TODAY.replace(year=TODAY.year - 10) + dt.timedelta(days=60))
    registered(name="已过期", issued=TODAY.replace(year=TODAY.year - 11))
    registered(name="外区", region_code="370602001", issued=TODAY.replace(year=TODAY.year - 11))
    household = actions.household_create(actor=None, head_person_id=soon.pk)
    actions.screening_record(actor=None, name="周七", region_code="370502001001", found_on=TODAY)
    client.force_login(worker)
    expiring = client.get("/api/v1/certificates/", {"list": "expiring", "days": 90}).json()["results"]
    assert [c["person_name"] for c in expiring] == ["快到期"] and "*" in expiring[0]["number"]
    assert client.get("/api/v1/certificates/", {"list": "expiring", "days": 30}).json()["results"] == []
    expired = client.get("/api/v1/certificates/", {"list": "expired"}).json()["results"]
    assert [c["person_name"] for c in expired] == ["已过期"]
    bad = client.get("/api/v1/certificates/", {"list": "soon"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "list"
    households = client.get("/api/v1/households/").json()["results"]
    assert [h["id"] for h in households] == [household.pk] and households[0]["members"][0]["is_head"]
    assert client.get("/api/v1/households/", {"flag": "multi_disabled"}).json()["results"] == []
    screenings = client.get("/api/v1/screenings/", {"open": "1"}).json()["results"]
    assert [s["name"] for s in screenings] == ["周七"]


def test_schema_lists_the_registry(client, county_admin):
    client.force_login(county_admin)
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert "/api/v1/persons/{person_id}/reveal/" in paths and "/api/v1/certificates/" in paths
