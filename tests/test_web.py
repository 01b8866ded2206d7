"""The web shell: sign-in with lockout, navigation by role, language switch, password change, home."""

from __future__ import annotations

import pytest

from canlian.core.audit.models import AuditEvent


def test_login_page_is_chinese_by_default(client, db):
    body = client.get("/login/").content.decode()
    assert 'lang="zh-hans"' in body


def test_login_and_logout_are_audited(client, county_admin):
    response = client.post("/login/", {"username": "dyq_admin", "password": "pw-Strong-2026"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert AuditEvent.objects.filter(
        event_type="auth.login", actor=county_admin, region_code="370502"
    ).exists()
    client.post("/logout/")
    assert AuditEvent.objects.filter(event_type="auth.logout").exists()


def test_lockout_after_repeated_failures(client, county_admin, settings):
    statuses = [
        client.post(
            "/login/", {"username": "dyq_admin", "password": "wrong"}, REMOTE_ADDR="10.1.1.1"
        ).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1) and statuses[-1] in (403, 429)
    locked = client.post(
        "/login/", {"username": "dyq_admin", "password": "pw-Strong-2026"}, REMOTE_ADDR="10.1.1.1"
    )
    assert locked.status_code in (403, 429)
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(event_type="auth.login_failed").count() >= settings.AXES_FAILURE_LIMIT


def test_navigation_shows_only_what_the_role_allows(client, make_user):
    worker = make_user("township_worker", "370502001")
    client.force_login(worker)
    body = client.get("/").content.decode()
    assert 'href="/jobs/"' in body and 'href="/regions/"' in body
    assert (
        'href="/users/"' not in body
        and 'href="/audit/"' not in body
        and 'href="/regions/import/"' not in body
    )
    auditor = make_user("auditor", "3705")
    client.force_login(auditor)
    body = client.get("/").content.decode()
    assert 'href="/audit/"' in body and 'href="/regions/import/"' not in body


def test_home_shows_the_users_region(client, county_admin):
    client.force_login(county_admin)
    body = client.get("/").content.decode()
    assert "东营区" in body and "文汇街道" in body and "芝罘区" not in body


def test_language_switch_to_english(client, county_admin):
    client.force_login(county_admin)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get("/").content.decode()
    assert 'lang="en"' in body and "Sign out" in body
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert 'lang="zh-hans"' in client.get("/").content.decode()


def test_password_change_page(client, make_user):
    user = make_user("cadre", "370502", password="Old-password-1")
    client.force_login(user)
    response = client.post(
        "/password/",
        {"old_password": "wrong", "new_password1": "New-password-2", "new_password2": "New-password-2"},
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password("Old-password-1")
    response = client.post(
        "/password/",
        {
            "old_password": "Old-password-1",
            "new_password1": "New-password-2",
            "new_password2": "New-password-2",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("New-password-2")


def test_region_picker_children_are_scoped(client, county_admin):
    client.force_login(county_admin)
    data = client.get("/regions/picker/", {"code": "370502"}).json()
    assert [c["code"] for c in data["children"]] == ["370502001"]
    assert client.get("/regions/picker/", {"code": "3706"}).json() == {"children": []}
    roots = client.get("/regions/picker/").json()
    assert [c["code"] for c in roots["children"]] == ["370502"]


def test_user_create_page_with_picker(client, county_admin):
    client.force_login(county_admin)
    page = client.get("/users/new/").content.decode()
    assert "data-region-picker" in page and "东营区" in page
    response = client.post(
        "/users/new/",
        {"username": "zhao", "role": "township_worker", "region": "370502001", "password": "Wenhui-Road-77"},
    )
    assert response.status_code == 302
    response = client.post(
        "/users/new/",
        {"username": "qian", "role": "township_worker", "region": "370602001", "password": "Wenhui-Road-77"},
    )
    assert response.status_code == 200
    from canlian.core.accounts.models import User

    assert User.objects.filter(username="zhao").exists() and not User.objects.filter(username="qian").exists()


@pytest.mark.django_db
def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
