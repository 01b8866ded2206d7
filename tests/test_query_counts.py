"""Pinned query counts: every list page and list API of the authorization suite's route walk answers
with as many SQL queries after its data grows as before (no query per row).

Each route is requested as a user of region A holding its permission, with the world of
tests/authorization_world.py; then ``grow`` adds a few more rows of every listed kind (once for the
module: ``counted``) and each route is requested again. A route that still runs a query per row is
listed in ``KNOWN_N_PLUS_ONE`` with the counts measured (before, after): the test then asserts that
figure, so a fix shows as a failure to update the list, and a worse count too.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
import rehab_world
import supervision_world
from authorization_world import (
    ROUTES,
    body_text,
    built_world,
    call,
    object_kwargs,
    paid_enrollment,
    registry_person,
    role_with,
    url_for,
)
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

#: Pages that list nothing (schema and its viewer).
NOT_LISTS = {"api-schema", "api-docs"}
#: Routes that still run queries per row: {route name: (queries before growing, after)}.
KNOWN_N_PLUS_ONE: dict[str, tuple[int, int]] = {}

LISTS = [r for r in ROUTES if "get" in r.methods() and not object_kwargs(r) and r.name not in NOT_LISTS]
_seq = itertools.count(1)


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, tmp_path_factory):
    """(world, make_user) for the whole module, built once."""
    yield from built_world(django_db_blocker, tmp_path_factory)


def grow(world: dict[str, Any], make_user: Any, n: int = 5) -> None:
    """``n`` more rows of every kind the lists show, in region A, made like the world's own."""
    from canlian.core.audit.actions import audit_record
    from canlian.core.calendar.models import ProvisionalDeadline
    from canlian.core.institutions import actions as institution_actions
    from canlian.core.jobs.actions import job_submit
    from canlian.domains.care import actions as care_actions
    from canlian.domains.petitions import actions as petition_actions
    from canlian.domains.rehab import actions as rehab_actions
    from canlian.domains.rehab.models import DeviceKind, SettlementBatch
    from canlian.domains.supervision import actions as supervision_actions

    owner = world["cycle_id"].generated_by
    cadre = world["pairing_id"].cadre
    cycle = world["cycle_id"]
    day = timezone.localdate()
    hearing_aid = DeviceKind.objects.get(code="hearing-aid")
    for _ in range(n):
        k = next(_seq)
        tag = "甲乙丙丁戊己庚辛壬癸"[k % 10]  # names take no digits
        make_user("township_worker", "370502001", username=f"grown_user_{k}")
        # Birth dates by k: the ID numbers' sequence alone repeats after 500 people.
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=k)
        person, _household, _record = registry_person(
            actor=owner,
            region_code="370502001001",
            name=f"增长{tag}",
            screening_name=f"筛查{tag}",
            household_number=f"GROWN-HH-{k}",
            birth=f"{birth:%Y%m%d}",
        )
        paid_enrollment(person, cycle, world["standard_id"], reason="grown")
        with transaction.atomic():
            audit_record(actor=owner, event="user.updated", obj=owner, region_code="370502", object_repr="x")
        job_submit(
            actor=owner,
            kind="regions.import",
            region_code="370502",
            enqueue=False,
            upload=SimpleUploadedFile("a.csv", b"code,name\n"),
        )
        # Care: a pairing with the world's cadre, a contact that found a need.
        care_actions.pairing_create(actor=owner, person_id=person.pk, cadre_id=cadre.pk, started_on=day)
        care_actions.contact_record(
            actor=cadre, person_id=person.pk, way="home_visit", on=day, discussed="谈话", needs_found="需要"
        )
        # Petitions.
        petition_actions.petition_receive(
            actor=owner,
            category="subsidy",
            issue="诉求",
            received_on=dt.date(2026, 9, 1),
            person_id=person.pk,
        )
        petition_actions.invitation_create(
            actor=owner, title=f"座谈{k}", region_code="370502", key_date_kind="help_day", year=2026
        )
        petition_actions.festival_visit_record(
            actor=owner, person_id=person.pk, festival="spring", on=dt.date(2026, 2, 10), money=Decimal("1")
        )
        # Institutions: one with staff, and a training course.
        institution = institution_actions.institution_create(
            actor=owner,
            code=f"GROWN-INST-{k}",
            name=f"增长机构{k}",
            kind="rehab",
            region_code="370502001",
            capacity=10,
            categories=["5"],
        )
        institution_actions.staff_add(
            actor=owner, institution_id=institution.pk, name=f"职工{tag}", post="therapist"
        )
        institution_actions.course_create(
            actor=owner,
            name=f"培训{k}",
            region_code="370502",
            starts_on=day - dt.timedelta(days=20),
            ends_on=day - dt.timedelta(days=10),
        )
        # Rehabilitation: a child's plan with attendance, a device, a surgery referral.
        centre = rehab_world.institution("370502")
        born = dt.date(2020, 1, 1) + dt.timedelta(days=k)
        child = rehab_world.child("370502001001", birth=f"{born:%Y%m%d}", name=f"儿童{tag}")
        plan = rehab_world.plan(child, centre, actor=owner, staff=rehab_world.therapist(centre))
        rehab_actions.attendance_record(actor=owner, plan_id=plan.pk, days=[dt.date(rehab_world.YEAR, 3, 2)])
        rehab_actions.device_provide(
            actor=owner,
            person_id=child.pk,
            kind_id=hearing_aid.pk,
            provided_on=dt.date(rehab_world.YEAR, 4, 1),
            institution_id=centre.pk,
        )
        rehab_actions.surgery_refer(
            actor=owner,
            person_id=child.pk,
            operation="手术",
            hospital="医院",
            referred_on=dt.date(2025, 5, 1),
        )
        SettlementBatch.objects.create(
            program=world["rule_id"].program,
            institution=centre,
            region_code="370502",
            period_start=dt.date(2026, 2, 1),
            period_end=dt.date(2026, 2, 28),
            generated_by=owner,
            line_count=0,
            total_amount=Decimal("0.00"),
        )
        # Supervision: a plan, an inspection with a notice.
        inspected = supervision_world.institution("370502")
        inspection_plan = supervision_actions.plan_create(
            actor=owner,
            title=f"督导{k}",
            year=2026,
            quarter=3,
            region_code="370502",
            kind="unannounced",
            institution_ids=[inspected.pk],
        )
        inspection = supervision_actions.inspection_record(
            actor=owner,
            institution_id=inspected.pk,
            inspected_on=dt.date(2026, 9, 25),
            items=supervision_world.scores({5: 4}),
            inspectors="检查员",
            summary="督导",
            plan_id=inspection_plan.pk,
        )
        supervision_actions.notice_issue(
            actor=owner,
            inspection_id=inspection.pk,
            problems="问题",
            working_days=5,
            issued_on=dt.date(2026, 9, 28),
        )
        ProvisionalDeadline.objects.create(
            target_type="registry.person",
            target_id=person.pk,
            field="updated_at",
            object_repr=f"增长{k}",
            region_code=person.region_code,
            start=dt.date(2099, 12, 28),
            days=5,
            computed_on=dt.date(2100, 1, 4),
            missing_years=[2100],
        )


def count(client: Any, route: Any, url: str) -> tuple[int, int]:
    """(status code, number of queries) of a warm request: the first one opens the session, loads the
    content types and the user's assignments."""
    call(client, route, "get", url)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        response = call(client, route, "get", url)
        body_text(response)  # a streamed export runs its queries while it is read
    return response.status_code, len(queries)


def reader(route: Any, make_user: Any) -> Any:
    permission = route.permission("get")
    return make_user(role_with(permission) if permission else "county_admin", "370502")


@pytest.fixture(scope="module")
def counted(built, django_db_blocker) -> dict[str, tuple[Any, tuple[int, int]]]:
    """{route name: (reader, (status, queries))} with the world as built; then the data grows, once
    for the module (each request in a savepoint, so a failed one spoils nothing)."""
    world, make_user = built
    before = {}
    with django_db_blocker.unblock():
        for route in LISTS:
            client = Client()
            user = reader(route, make_user)
            client.force_login(user)
            before[route.name] = (user, count(client, route, url_for(route, world)))
        grow(world, make_user)
    return before


@pytest.mark.parametrize("route", LISTS, ids=lambda r: r.name)
def test_list_query_count_does_not_grow_with_the_data(client, built, counted, db, route):
    world, _make_user = built
    user, (status, before) = counted[route.name]
    assert status == 200, (route.name, "before growing", status)
    client.force_login(user)
    status, after = count(client, route, url_for(route, world))
    assert status == 200, (route.name, "after growing", status)
    if route.name in KNOWN_N_PLUS_ONE:
        assert (before, after) == KNOWN_N_PLUS_ONE[route.name], route.name
    else:
        assert after <= before, (route.name, before, after)
