"""Shared fixtures: a small region tree (two cities of 山东, 东莞 without counties), users by role."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from canlian.core.accounts.models import RoleAssignment, User
from canlian.core.regions.choices import LEVEL_BY_LENGTH, RegionSource
from canlian.core.regions.models import Region

TREE = [
    ("37", "山东省"),
    ("3705", "东营市"),
    ("370502", "东营区"),
    ("370505", "垦利区"),
    ("370502001", "文汇街道"),
    ("370502001001", "王家村"),
    ("370505001", "垦利街道"),
    ("3706", "烟台市"),
    ("370602", "芝罘区"),
    ("370602001", "向阳街道"),
    ("44", "广东省"),
    ("4419", "东莞市"),
    ("441900003", "东城街道"),
]

_counter = itertools.count(1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Browser tests flush the database (live server); run them last.
    items.sort(key=lambda item: 1 if item.get_closest_marker("browser") else 0)


@pytest.fixture
def regions(db) -> dict[str, Region]:
    """The small tree, parents linked, as {code: Region}."""
    created: dict[str, Region] = {}
    for code, name in TREE:
        parent = None
        for n in (9, 6, 4, 2):
            if n < len(code) and code[:n] in created:
                parent = created[code[:n]]
                break
        created[code] = Region.objects.create(
            code=code,
            name=name,
            level=LEVEL_BY_LENGTH[len(code)],
            parent=parent,
            source=RegionSource.NATIONAL,
        )
    return created


@pytest.fixture
def make_user(db, regions) -> Callable[..., User]:
    """make_user(role, region_code, username=None, password="pw-Strong-2026", institution=None) -> User"""

    def make(
        role: str, region_code: str, username: str | None = None, password: str = "pw-Strong-2026", **extra
    ) -> User:
        institution = extra.pop("institution", None)
        user = User.objects.create_user(
            username=username or f"{role}_{next(_counter)}", password=password, **extra
        )
        if role == "institution_staff" and institution is None:
            # Institution staff hold their role bound to an institution: the first one in the region,
            # or a new one there.
            from canlian.core.institutions.models import Institution

            institution = (
                Institution.objects.filter(region_code__startswith=region_code).order_by("pk").first()
            )
            institution = institution or Institution.objects.create(
                code=f"INST-{region_code}-{next(_counter)}",
                name=f"机构{region_code}",
                kind="rehab",
                region_code=region_code,
            )
        RoleAssignment.objects.create(
            user=user,
            role=role,
            region=regions[region_code],
            region_code=region_code,
            institution=institution,
        )
        return user

    return make


@pytest.fixture
def county_admin(make_user) -> User:
    return make_user("county_admin", "370502", username="dyq_admin")


@pytest.fixture
def city_admin(make_user) -> User:
    return make_user("city_admin", "3705", username="dy_admin")


@pytest.fixture
def english(settings, client):
    """Run a test in English (actions under ``translation.override``, pages through the language
    cookie): such tests assert the English source messages; tests/test_i18n.py proves the Chinese
    catalogue complete."""
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield
