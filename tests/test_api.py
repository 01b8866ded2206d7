"""/api/v1/: token and session auth, scoped reads, stable error shape, OpenAPI schema and docs."""

from __future__ import annotations

from canlian.core.accounts.actions import token_issue
from canlian.core.accounts.models import User


def auth(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Token {raw}"}


def test_token_auth_and_me(client, county_admin):
    _token, raw = token_issue(actor=None, user_id=county_admin.pk)
    data = client.get("/api/v1/me/", **auth(raw)).json()
    assert data["username"] == "dyq_admin" and "accounts.manage" in data["permissions"]
    bad = client.get("/api/v1/me/", **auth("cl_wrong"))
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "authentication_failed"


def test_regions_are_scoped_and_paginated(client, county_admin):
    client.force_login(county_admin)
    data = client.get("/api/v1/regions/").json()
    codes = [r["code"] for r in data["results"]]
    assert set(codes) == {"370502", "370502001", "370502001001"}
    children = client.get("/api/v1/regions/370502/children/").json()
    assert [c["code"] for c in children] == ["370502001"]
    missing = client.get("/api/v1/regions/370602/")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found" and missing.json()["error"]["request_id"]


def test_user_create_via_api_and_error_codes(client, county_admin):
    client.force_login(county_admin)
    created = client.post(
        "/api/v1/users/",
        {"username": "sun", "role": "township_worker", "region": "370502001", "password": "Wenhui-Road-88"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["roles"][0]["region_code"] == "370502001"
    outside = client.post(
        "/api/v1/users/",
        {"username": "zhou", "role": "township_worker", "region": "370602001", "password": "Wenhui-Road-88"},
        content_type="application/json",
    )
    # Well-formed but refused by the domain: 422 (decision 0004); a request missing fields stays 400.
    assert outside.status_code == 422 and outside.json()["error"]["code"] == "region_out_of_scope"
    weak = client.post(
        "/api/v1/users/",
        {"username": "wu", "role": "cadre", "region": "370502", "password": "1"},
        content_type="application/json",
    )
    assert weak.status_code == 422 and weak.json()["error"]["code"] == "weak_password"
    assert weak.json()["error"]["field"] == "password"
    invalid = client.post("/api/v1/users/", {"username": "x"}, content_type="application/json")
    assert invalid.status_code == 400 and invalid.json()["error"]["code"] == "validation_failed"
    assert set(
        User.objects.filter(username__in=["sun", "zhou", "wu", "x"]).values_list("username", flat=True)
    ) == {"sun"}


def test_forbidden_shape(client, make_user):
    client.force_login(make_user("cadre", "370502"))
    response = client.get("/api/v1/users/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


def test_schema_and_docs_are_served_locally(client, county_admin):
    client.force_login(county_admin)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/regions/" in paths and "/api/v1/jobs/{job_id}/retry/" in paths
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "/static/drf_spectacular_sidecar/" in docs
    assert "cdn" not in docs.lower() and "jsdelivr" not in docs.lower()
