"""The API's writes of volunteers, activities, donations and typical cases: the same actions as the
pages (a use above the balance refused naming the field, the cent that fits passes; consent before
submission, review by someone else), ``outreach.manage`` over the row's region, the error shape."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from registry_factories import registered

from canlian.domains.outreach.models import Activity, Donation, DonationUse, TypicalCase, Volunteer

D = dt.date
API = "/api/v1/outreach"


@pytest.fixture
def world(regions, make_user):
    return {
        "county": make_user("county_admin", "370502", username="county"),
        "reviewer": make_user("county_admin", "370502", username="county2"),
        "other": make_user("county_admin", "370505", username="kenli"),
        "leader": make_user("leader", "3705", username="leader"),
    }


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def _error(response):
    return response.json()["error"]


def test_volunteer_activity_donation_and_uses_within_the_balance(client, world):
    person = registered(name="受助人", birth="19700101")
    client.force_login(world["county"])
    v = _post(
        client,
        f"{API}/volunteers/",
        {"region_code": "370502", "name": "志愿者", "phone": "13812345678", "registered_on": "2026-01-05"},
    )
    assert v.status_code == 201, v.content
    assert v.json()["phone"] != "13812345678" and v.json()["total_hours"] == "0.0"
    a = _post(
        client,
        f"{API}/activities/",
        {
            "region_code": "370502",
            "title": "上门服务",
            "kind": "home_service",
            "on": "2026-03-01",
            "hours": [{"volunteer": v.json()["id"], "hours": "2.5"}],
            "people_served": [person.pk],
        },
    )
    assert a.status_code == 201, a.content
    activity = Activity.objects.get(pk=a.json()["id"])
    assert list(activity.people_served.all()) == [person]
    assert client.get(f"{API}/volunteers/{v.json()['id']}/").json()["total_hours"] == "2.5"
    d = _post(
        client,
        f"{API}/donations/",
        {
            "region_code": "370502",
            "donor": "爱心企业",
            "donor_kind": "organisation",
            "received_on": "2026-02-01",
            "kind": "money",
            "amount": "1000.00",
            "purpose": "助残",
            "restricted": True,
        },
    )
    assert d.status_code == 201, d.content
    assert (d.json()["number"], d.json()["balance"]) == ("JZ370502-2026-0001", "1000.00")
    use_url = f"{API}/donations/{d.json()['id']}/use/"
    first = _post(
        client,
        use_url,
        {"on": "2026-03-01", "amount": "600.00", "description": "慰问品", "activity": activity.pk},
    )
    assert first.status_code == 201 and first.json()["amount"] == "600.00"
    # 400.00 are left: one cent more is refused, naming the field, and nothing is written.
    over = _post(client, use_url, {"on": "2026-03-02", "amount": "400.01", "description": "超额"})
    assert over.status_code == 422  # well-formed, refused by the domain (decision 0004)
    assert (_error(over)["code"], _error(over)["field"]) == ("validation_failed", "amount")
    assert "400.00" in _error(over)["message"]
    assert DonationUse.objects.count() == 1
    exact = _post(
        client, use_url, {"on": "2026-03-02", "amount": "400.00", "description": "余额", "person": person.pk}
    )
    assert exact.status_code == 201
    shown = client.get(f"{API}/donations/{d.json()['id']}/").json()
    assert (shown["used"], shown["balance"]) == ("1000.00", "0.00")
    uses = client.get(f"{API}/donations/{d.json()['id']}/uses/").json()
    assert [u["amount"] for u in uses] == ["600.00", "400.00"]
    bad = _post(client, f"{API}/donations/", {"region_code": "370502", "donor": "x"})
    assert bad.status_code == 400 and _error(bad)["code"] == "validation_failed"


def test_scope_and_permission(client, world):
    client.force_login(world["county"])
    d = _post(
        client,
        f"{API}/donations/",
        {
            "region_code": "370502",
            "donor": "爱心人士",
            "donor_kind": "person",
            "received_on": "2026-02-01",
            "kind": "money",
            "amount": "100.00",
        },
    ).json()
    use = {"on": "2026-03-01", "amount": "10.00", "description": "x"}
    # Another county's manager: the donation does not exist for them, their region is not this one.
    client.force_login(world["other"])
    refused = _post(client, f"{API}/donations/{d['id']}/use/", use)
    assert refused.status_code == 404 and _error(refused)["code"] == "not_found"
    outside = _post(client, f"{API}/volunteers/", {"region_code": "370502", "name": "越权"})
    assert outside.status_code == 404 and _error(outside)["code"] == "not_found"
    # A leader reads but may not write.
    client.force_login(world["leader"])
    assert client.get(f"{API}/donations/{d['id']}/").status_code == 200
    denied = _post(client, f"{API}/donations/{d['id']}/use/", use)
    assert denied.status_code == 403 and _error(denied)["code"] == "permission_denied"
    assert _post(client, f"{API}/volunteers/", {"region_code": "370502", "name": "x"}).status_code == 403
    assert DonationUse.objects.count() == 0 and Volunteer.objects.count() == 0
    assert Donation.objects.get().amount == Decimal("100.00")


def test_case_consent_before_submission_and_review_by_another(client, world):
    person = registered(name="张自强", birth="19700101")
    client.force_login(world["county"])
    created = _post(
        client,
        f"{API}/cases/",
        {"region_code": "370502", "title": "张自强的故事", "story": "张自强自强不息。", "person": person.pk},
    )
    assert created.status_code == 201, created.content
    case_url = f"{API}/cases/{created.json()['id']}/"
    no_consent = _post(client, f"{case_url}submit/", {})
    assert no_consent.status_code == 422 and _error(no_consent)["field"] == "consent"
    patched = client.patch(
        case_url, {"consent": "masked", "consent_on": "2026-03-01"}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["story"] == "张某某自强不息。"
    assert _post(client, f"{case_url}submit/", {}).json()["status"] == "submitted"
    own = _post(client, f"{case_url}review/", {"publish": True})
    assert own.status_code == 403 and _error(own)["code"] == "permission_denied"
    client.force_login(world["reviewer"])
    published = _post(client, f"{case_url}review/", {"publish": True, "on": "2026-03-05"})
    assert published.status_code == 200 and published.json()["status"] == "published"
    locked = client.patch(case_url, {"title": "改"}, content_type="application/json")
    assert locked.status_code == 409 and _error(locked)["code"] == "case_locked"
    assert TypicalCase.objects.get().title == "张自强的故事"
