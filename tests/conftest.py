"""Shared fixtures: a small region tree (two cities of 山东, 东莞 without counties), users by role."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tree_world import build_regions, user_maker

from canlian.core.accounts.models import User
from canlian.core.regions.models import Region


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Browser tests flush the database (live server); run them last.
    items.sort(key=lambda item: 1 if item.get_closest_marker("browser") else 0)


@pytest.fixture
def regions(db) -> dict[str, Region]:
    """The small tree, parents linked, as {code: Region}."""
    return build_regions()


@pytest.fixture
def make_user(db, regions) -> Callable[..., User]:
    """make_user(role, region_code, username=None, password="pw-Strong-2026", institution=None) -> User"""
    return user_maker(regions)


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
