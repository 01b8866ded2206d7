"""/api/v1/ of the steering layer: indicators, indicator values (a region and its sub-regions, from the
summaries: here refreshed from a small registry), targets through the actions, bulletins; scope like
the pages (a county never reads a sibling county's values or targets)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from registry_factories import registered
from steering_targets_world import install, more_counties, put, target

from canlian.core.audit.models import AuditEvent
from canlian.reporting.models import BulletinScheme, IndicatorRefresh, Target
from canlian.reporting.steering.refresh import indicator_refresh

YEAR = 2025


@pytest.fixture
def world(regions, monkeypatch):
    install(monkeypatch)
    more_counties(regions)
    for code, people, served in (
        ("370502", 800, 980),
        ("370503", 700, 980),
        ("370505", 750, 882),
        ("370522", 500, 980),
    ):
        put("t.living", code, 9, people)
        target("t.living", code, 1000)
        put("t.rate", code, 9, served, 1000)
        target("t.rate", code, "0.98")
    put("t.living", "3705", 9, 3412)
    target("t.living", "3705", 4472)
    put("t.living", "370505001", 9, 600)
    target("t.living", "370505001", 700)
    IndicatorRefresh.objects.create(
        indicator="t.living", year=YEAR, refreshed_at=dt.datetime(2025, 10, 1, 8, 0, tzinfo=dt.UTC)
    )
    BulletinScheme.objects.create(
        region_code="3705",
        name="季通报",
        items=[{"indicator": "t.living", "weight": "2"}, {"indicator": "t.rate", "weight": "1"}],
    )
    return regions


def test_indicators_list_what_the_caller_may_see(client, world, city_admin, make_user):
    client.force_login(city_admin)
    rows = {r["code"]: r for r in client.get("/api/v1/indicators/").json()}
    assert rows["t.living"] == {
        "code": "t.living",
        "name": "困难残疾人生活补贴发放",
        "area": "两项补贴",
        "unit": "people",
        "period": "cumulative",
        "lower_is_better": False,
        "description": "",
    }
    assert rows["t.expired"]["lower_is_better"] is True and rows["t.rate"]["unit"] == "rate"
    client.force_login(make_user("cadre", "370502001"))
    response = client.get("/api/v1/indicators/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


def test_values_of_a_region_and_its_sub_regions(client, world, city_admin):
    client.force_login(city_admin)
    data = client.get(
        "/api/v1/indicator-values/",
        {"indicator": "t.living,t.rate", "region": "3705", "year": YEAR, "month": 9},
    ).json()
    assert (data["region"], data["year"], data["month"]) == ("3705", YEAR, 9)
    rows = {(r["indicator"], r["region"]): r for r in data["results"]}
    assert len(rows) == 10  # 2 indicators × (the city + 4 counties)
    city = rows[("t.living", "3705")]
    assert city["region_name"] == "东营市"
    assert (city["value"], city["numerator"], city["target"], city["status"]) == (
        "3412.00",
        "3412.00",
        "4472.0000",
        "on_track",
    )
    assert Decimal(city["progress"]).quantize(Decimal("0.0001")) == Decimal("0.7630")
    assert Decimal(city["elapsed"]) == Decimal("0.75") and city["as_of"].startswith("2025-10-01T08:00")
    rate = rows[("t.rate", "370505")]
    assert (rate["value"], rate["numerator"], rate["denominator"], rate["status"]) == (
        "0.882",
        "882.00",
        "1000.00",
        "behind",
    )
    assert Decimal(rate["progress"]) == Decimal("0.9")


def test_a_county_reads_its_own_and_its_townships_never_a_sibling(client, world, make_user):
    client.force_login(make_user("county_admin", "370505"))
    data = client.get("/api/v1/indicator-values/", {"indicator": "t.living", "year": YEAR, "month": 9}).json()
    assert [(r["region"], r["value"]) for r in data["results"]] == [
        ("370505", "750.00"),
        ("370505001", "600.00"),
    ]
    for region in ("370502", "3705"):
        response = client.get("/api/v1/indicator-values/", {"region": region, "year": YEAR})
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    listed = client.get("/api/v1/targets/", {"year": YEAR}).json()["results"]
    assert sorted((t["region_code"], t["indicator"]) for t in listed) == [
        ("370505", "t.living"),
        ("370505", "t.rate"),
        ("370505001", "t.living"),
    ]
    sibling = Target.objects.get(region_code="370502", indicator="t.living")
    assert client.get(f"/api/v1/targets/{sibling.pk}/").status_code == 404
    assert client.delete(f"/api/v1/targets/{sibling.pk}/").status_code == 404
    assert client.get("/api/v1/bulletins/", {"region": "370502", "year": YEAR}).status_code == 404
    assert Target.objects.filter(pk=sibling.pk).exists()


def test_targets_are_written_through_the_actions(client, world, make_user):
    county = make_user("county_admin", "370505")
    client.force_login(county)
    created = client.post(
        "/api/v1/targets/",
        {"indicator": "t.rate", "region_code": "370505001", "year": YEAR, "value": "98.5%"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["value"], body["display"], body["unit"], body["set_by"]) == (
        "0.9850",
        "98.5%",
        "rate",
        county.username,
    )
    pk = body["id"]
    patched = client.patch(
        f"/api/v1/targets/{pk}/", {"note": "乡镇分解"}, content_type="application/json"
    ).json()
    assert (patched["value"], patched["note"]) == ("0.9850", "乡镇分解")
    put_ = client.put(f"/api/v1/targets/{pk}/", {"value": "97"}, content_type="application/json").json()
    assert (put_["value"], put_["note"]) == ("0.9700", "")
    outside = client.post(
        "/api/v1/targets/",
        {"indicator": "t.rate", "region_code": "370502", "year": YEAR, "value": "98"},
        content_type="application/json",
    )
    assert outside.status_code == 404
    bad = client.post(
        "/api/v1/targets/",
        {"indicator": "t.rate", "region_code": "370505", "year": YEAR, "value": "120"},
        content_type="application/json",
    )
    assert (
        bad.status_code == 422 and bad.json()["error"]["field"] == "value"
    )  # well-formed, refused by the domain (decision 0004)
    assert client.delete(f"/api/v1/targets/{pk}/").status_code == 204
    assert not Target.objects.filter(pk=pk).exists()
    kinds = list(
        AuditEvent.objects.filter(event_type__startswith="steering.target")
        .order_by("pk")
        .values_list("event_type", flat=True)
    )
    assert kinds == ["steering.target_set"] * 3 + ["steering.target_removed"]
    client.force_login(make_user("leader", "370505"))
    refused = client.post(
        "/api/v1/targets/",
        {"indicator": "t.rate", "region_code": "370505", "year": YEAR, "value": "98"},
        content_type="application/json",
    )
    assert refused.status_code == 403


def test_bulletins_rank_and_state(client, world, city_admin):
    client.force_login(city_admin)
    data = client.get(
        "/api/v1/bulletins/", {"kind": "quarterly", "year": YEAR, "period": 3, "region": "3705"}
    ).json()
    assert data["title"] == "东营市2025年第三季度工作通报"
    assert [(r["rank"], r["region"], r["score_percent"]) for r in data["ranking"]] == [
        (1, "370502", "86.7"),
        (2, "370503", "80.0"),
        (2, "370505", "80.0"),
        (4, "370522", "66.7"),
    ]
    assert data["sentences"][0] == (
        "截至9月底，全市困难残疾人生活补贴发放3,412人，完成年度目标的76.3%，超序时进度（75.0%）1.3个百分点。"
    )
    assert data["ranking"][2]["lagging"] == [{"indicator": "t.rate", "points_behind": "9.8"}]
    assert data["scheme"]["items"] == [
        {"indicator": "t.living", "weight": "2"},
        {"indicator": "t.rate", "weight": "1"},
    ]
    bad = client.get("/api/v1/bulletins/", {"kind": "weekly"})
    assert bad.status_code == 400


def test_values_refreshed_from_the_registry(client, regions, city_admin):
    """The real pipeline: people certified in 2026 → the summaries → the API (no test indicator)."""
    registered(name="张甲", region_code="370502001001", issued=dt.date(2026, 2, 10))
    registered(name="李乙", region_code="370502001001", issued=dt.date(2025, 5, 1))
    registered(name="王丙", region_code="370505001", issued=dt.date(2026, 4, 1))
    indicator_refresh(indicators=["registry.certified"], year=2026, today=dt.date(2026, 7, 15))
    Target.objects.create(indicator="registry.certified", region_code="370502", year=2026, value=4)
    client.force_login(city_admin)
    data = client.get(
        "/api/v1/indicator-values/",
        {"indicator": "registry.certified", "region": "3705", "year": 2026, "month": 3},
    ).json()
    values = {r["region"]: (r["value"], r["target"], r["status"]) for r in data["results"]}
    assert values == {
        "3705": ("2.00", None, "no_target"),
        "370502": ("2.00", "4.0000", "ahead"),  # 50% of the target at the end of March (25.0%)
        "370505": ("0", None, "no_target"),  # 王丙 is certified in April
    }
