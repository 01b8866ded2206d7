"""The test database's shared pieces: the small region tree (two cities of 山东, 东莞 without counties),
a user maker, and ``built_once`` for data a whole test module shares. tests/conftest.py's ``regions``
and ``make_user`` fixtures build on them; module-scoped worlds (tests/test_authorization.py,
tests/test_query_counts.py) call them directly."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from typing import Any

from django.db import transaction
from django.test import override_settings

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


def build_regions() -> dict[str, Region]:
    """Create the small tree, parents linked, and return it as {code: Region}."""
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


def user_maker(regions: dict[str, Region]) -> Callable[..., User]:
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


@contextlib.contextmanager
def built_once(django_db_blocker: Any, media_root: Any) -> Iterator[None]:
    """Data built once for a test module: inside an atomic block opened here and held open for the
    module, so each test's own transaction (the ``db`` fixture) is a savepoint inside it, rolled back
    after the test, and the whole block is rolled back at the end (SQLite and PostgreSQL alike).
    Wrap a module-scoped fixture's body in it and build inside the ``with``."""
    with django_db_blocker.unblock():
        block = transaction.atomic()
        # Marked like a test case's own block: an action's ``atomic(durable=True)`` stays allowed.
        block._from_testcase = True  # type: ignore[attr-defined]
        block.__enter__()
    try:
        with override_settings(MEDIA_ROOT=media_root):
            yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            block.__exit__(None, None, None)
