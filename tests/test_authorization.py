"""The generic authorization suite.

Every route is enumerated from the URL configuration, so a new page or API endpoint is covered
without anyone remembering to add it. For each route and each HTTP method it serves:
  * anonymous: pages redirect to the sign-in page, the API answers 401 with error code;
  * a signed-in role without the route's permission: 403, and nothing was written;
  * a user holding the permission in another region: 404 for another region's object (and nothing
    changed), and lists do not show it; the same role in the object's region gets it (control);
  * a national-scope user: every page and API it may read answers 200 for region A's objects;
  * a second cadre of region A: 404 on the first cadre's pairing, contacts and needs.
A route whose URL takes a keyword this file cannot fill fails the suite: add the object to the world
(tests/authorization_world.py).

The world is built once per module (``built_once``); each case runs in its own savepoint, rolled back.
"""

from __future__ import annotations

from typing import Any

import pytest
from authorization_world import (
    MARKERS,
    ROUTES,
    all_routes,
    body_text,
    built_world,
    call,
    changes_nothing,
    object_kwargs,
    role_with,
    role_without,
    snapshot,
    url_for,
)

from canlian.core.permissions import ROLE_PERMISSIONS, Role


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, tmp_path_factory):
    """(world, make_user) for the whole module, built once."""
    yield from built_world(django_db_blocker, tmp_path_factory)


@pytest.fixture
def world(db, built) -> dict[str, Any]:
    return built[0]


@pytest.fixture
def make_user(db, built) -> Any:
    """Users made in a case go with the case's savepoint."""
    return built[1]


def test_the_suite_sees_every_route():
    names = {r.name for r in all_routes()}
    assert {
        "home",
        "regions:detail",
        "accounts:user-detail",
        "audit:list",
        "jobs:detail",
        "api:region-list",
        "api:user-deactivate",
        "api:job-retry",
        "api-schema",
        "api-docs",
        "registry:person-detail",
        "registry:person-reveal",
        "registry:household-action",
        "api:person-reveal",
        "api:certificate-list",
    } <= names
    for route in ROUTES:
        cls = route.view_class()
        assert cls is not None, f"{route.name}: function views must be class-based or listed in PUBLIC"
        if not getattr(route.callback, "actions", None):
            assert hasattr(cls, "required_permission"), f"{route.name} does not declare required_permission"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_anonymous_is_sent_to_sign_in(client, world, route):
    url = url_for(route, world)
    for method in route.methods():
        response = call(client, route, method, url)
        if route.is_api:
            assert response.status_code == 401, (method, url, response.status_code)
            if response["Content-Type"].startswith("application/json"):
                assert response.json()["error"]["code"] == "not_authenticated"
        else:
            assert response.status_code == 302 and response["Location"].startswith("/login/"), (method, url)


def test_a_case_starts_from_the_world_as_built(client, world, make_user):
    """``changes_nothing`` compares against the snapshot taken when the world was built: making a
    user and signing in, as every case does first, leaves it as it was."""
    client.force_login(make_user("county_admin", "3706"))
    assert client.get("/").status_code == 200
    assert snapshot(world) == world["_pristine"]


def test_changes_nothing_sees_a_write(world):
    from canlian.core.registry.models import Person

    with pytest.raises(AssertionError):
        with changes_nothing(world):
            Person.objects.filter(pk=world["person_id"].pk).update(phone="13900000000")
    with changes_nothing(world):  # a read only: the snapshot is not even taken
        assert Person.objects.filter(pk=world["person_id"].pk).exists()


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_role_without_permission_is_refused(client, world, make_user, route):
    url = url_for(route, world)
    checked = 0
    for method in route.methods():
        permission = route.permission(method)
        role = role_without(permission) if permission else None
        if role is None:
            continue  # every signed-in user may use this route (e.g. home, /api/v1/me/)
        client.force_login(make_user(role, "370502"))
        with changes_nothing(world, (route.name, method)):
            response = call(client, route, method, url)
        assert response.status_code == 403, (route.name, method, role, response.status_code)
        checked += 1
    if all(route.permission(m) is None for m in route.methods()):
        client.force_login(make_user("cadre", "370502"))
        assert call(client, route, "get", url).status_code == 200
    else:
        assert checked


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_other_region_cannot_see_or_change(client, world, make_user, route):
    url = url_for(route, world)
    for method in route.methods():
        permission = route.permission(method)
        if permission is None:
            continue
        role = role_with(permission)
        outsider = make_user(role, "3706")
        client.force_login(outsider)
        with changes_nothing(world, (route.name, method)):  # a streamed export included
            response = call(client, route, method, url)
            if object_kwargs(route):
                assert response.status_code == 404, (route.name, method, role, response.status_code)
                if route.is_api and response["Content-Type"].startswith("application/json"):
                    assert response.json()["error"]["code"] == "not_found"
            elif method == "get":
                assert response.status_code == 200, (route.name, response.status_code)
                body = body_text(response)
                for marker in (*MARKERS, f"/jobs/{world['job_id'].pk}/"):
                    assert marker not in body, (route.name, marker)
        if object_kwargs(route) and method == "get":
            insider = make_user(role, "370502")
            client.force_login(insider)
            assert call(client, route, method, url).status_code == 200, (route.name, "control")


@pytest.mark.parametrize("route", [r for r in ROUTES if "get" in r.methods()], ids=lambda r: r.name)
def test_national_scope_reaches_region_a(client, world, route):
    """The national scope is every region: no 404 for region A's objects, and its lists answer."""
    national = world["_national"]
    permission = route.permission("get")
    assert permission is None or national.has_canlian_perm(permission)
    client.force_login(national)
    url = url_for(route, world)
    response = call(client, route, "get", url)
    assert response.status_code == 200, (route.name, url, response.status_code)


CARE_KEYWORDS = {"pairing_id", "contact_id", "need_id"}


def cadre_may(route: Any, method: str) -> bool:
    permission = route.permission(method)
    return permission is None or permission in ROLE_PERMISSIONS[Role.CADRE]


@pytest.mark.parametrize(
    "route",
    [r for r in ROUTES if CARE_KEYWORDS & set(r.kwargs) and any(cadre_may(r, m) for m in r.methods())],
    ids=lambda r: r.name,
)
def test_second_cadre_cannot_reach_the_first_cadres_people(client, world, route):
    """A cadre sees only their own people: another cadre of the same region gets 404 (and changes
    nothing) wherever the cadre role's permissions would let them in; the first cadre reaches the
    same pages (control)."""
    second = world["_second_cadre"]
    url = url_for(route, world)
    for method in route.methods():
        if not cadre_may(route, method):
            continue  # refused with 403 for the role: test_role_without_permission_is_refused
        client.force_login(second)
        with changes_nothing(world, (route.name, method)):
            response = call(client, route, method, url)
        assert response.status_code == 404, (route.name, method, response.status_code)
        if route.is_api and response["Content-Type"].startswith("application/json"):
            assert response.json()["error"]["code"] == "not_found"
        if method == "get":
            client.force_login(world["pairing_id"].cadre)
            assert call(client, route, method, url).status_code == 200, (route.name, "control")


CARE_LISTS = [
    r
    for r in ROUTES
    if r.name.startswith(("care:", "api:care-"))
    and r.name.endswith(("pairing-list", "contact-list", "need-list"))
]


@pytest.mark.parametrize("route", CARE_LISTS, ids=lambda r: r.name)
def test_second_cadre_lists_hold_none_of_the_first_cadres_people(client, world, route):
    assert len(CARE_LISTS) == 6
    client.force_login(world["_second_cadre"])
    response = call(client, route, "get", url_for(route, world))
    assert response.status_code == 200, (route.name, response.status_code)
    body = body_text(response)
    for marker in ("MARKERPERSONA", "MARKER-CONTACT-A", "需要轮椅"):
        assert marker not in body, (route.name, marker)
