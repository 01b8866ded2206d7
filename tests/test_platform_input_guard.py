"""Bad input is a 400 naming the parameter, never a 500: NUL bytes, non-integer filters; an
unexpected API error is the JSON error with the request id."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/persons/?q=%00",
        "/api/v1/regions/?parent=37%0005",
        "/api/v1/supervision/notices/?state=open%00",
        "/api/v1/persons/?x%00y=1",
    ],
)
def test_a_nul_byte_in_an_api_parameter_is_a_json_400(client, county_admin, url):
    client.force_login(county_admin)
    response = client.get(url)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_failed" and error["field"] and error["request_id"]


def test_a_nul_byte_on_a_page_or_in_a_form_is_a_400(client, county_admin):
    client.force_login(county_admin)
    assert client.get("/registry/persons/?q=%00").status_code == 400
    assert client.post("/registry/persons/new/", {"name": "张\x00三"}).status_code == 400
    assert client.get("/registry/persons/?q=%E5%BC%A0").status_code == 200  # a normal query still works


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/supervision/inspections/?institution=abc", "institution"),
        ("/api/v1/supervision/inspections/?plan=1.5", "plan"),
        ("/api/v1/supervision/notices/?institution=x", "institution"),
        ("/api/v1/regions/?level=two", "level"),
        ("/api/v1/regions/?level=9", "level"),
    ],
)
def test_a_non_integer_filter_is_a_400_naming_it(client, county_admin, url, field):
    client.force_login(county_admin)
    response = client.get(url)
    assert response.status_code == 400, response.content[:200]
    assert response.json()["error"]["field"] == field


def test_an_integer_filter_still_filters(client, county_admin):
    client.force_login(county_admin)
    response = client.get("/api/v1/regions/?level=4")
    assert response.status_code == 200
    assert {r["level"] for r in response.json()["results"]} == {4}


def test_an_unexpected_api_error_is_the_json_error_with_the_request_id(client, county_admin, monkeypatch):
    from canlian.core.regions.api import RegionViewSet

    def broken(self, queryset):
        raise RuntimeError("boom")

    monkeypatch.setattr(RegionViewSet, "refine_queryset", broken)
    client.raise_request_exception = False
    client.force_login(county_admin)
    response = client.get("/api/v1/regions/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "server_error" and error["request_id"]
    assert "boom" not in response.content.decode()
