"""The world of tests/test_authorization.py, shared with tests/test_query_counts.py: every named route
of the URL configuration (``ROUTES``), region A's objects (``build``), how to fill a route's URL
(``url_for``), and what a refused request must leave unchanged (``snapshot``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import calendar_world
import care_world
import community_world
import education_world
import employment_world
import institutions_world
import matching_world
import outreach_world
import petitions_world
import rehab_world
import rehabservices_world
import settlement_world
import steering_targets_world
import supervision_world
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from registry_factories import registered
from tree_world import build_regions, built_once, user_maker

from canlian.core.accounts.models import User
from canlian.core.audit.actions import audit_record
from canlian.core.audit.models import AuditEvent
from canlian.core.jobs.actions import job_submit
from canlian.core.jobs.runner import run_job
from canlian.core.permissions import ROLE_PERMISSIONS, Role
from canlian.core.registry import actions as registry_actions
from canlian.core.registry.models import Certificate, Household, Person, ScreeningRecord
from canlian.platform.api import required_permission_for
from canlian.programs.models import (
    Enrollment,
    PaymentCycle,
    PaymentLine,
    Program,
    RecoveryItem,
    RuleSetting,
    Standard,
)

#: Routes anyone may open (sign-in, language switch, health check).
PUBLIC = {"login", "logout", "set_language", "healthz"}
#: Fixed values for action-selecting URL keywords.
OPS = {
    "accounts:user-action": {"op": "deactivate"},
    "jobs:action": {"op": "retry"},
    "registry:person-action": {"op": "edit"},
    "registry:household-action": {"op": "set-head"},
    "registry:screening-action": {"op": "schedule"},
}
#: URL keywords naming reference data every region shares (not region-owned objects), with fixed values.
FIXED = {"program_code": "nursing-subsidy", "calendar_year": 2026, "indicator_code": "registry.certified"}
#: Text of region A's objects that no page of another region may show.
MARKERS = (
    "MARKER-RECOVERY-A",
    "victim_user_a",
    "MARKER-EVENT-A",
    "东营区",
    "MARKERPERSONA",
    "MARKER-HH-A",
    "MARKERSCREENA",
    "MARKER-INST-A",
    "MARKERSTAFFA",
    "MARKER-SUP-A",
    "MARKER-SETTLE-INST-A",
    "MARKER-CAL-A",
    "MARKER-TARGET-A",
    "MARKER-SCHEME-A",
    *community_world.MARKERS,
    *rehabservices_world.MARKERS,
    *education_world.MARKERS,
    *employment_world.MARKERS,
    *matching_world.MARKERS,
    *outreach_world.MARKERS,
)


@dataclass
class Route:
    name: str
    pattern: str
    callback: Any
    kwargs: list[str]

    @property
    def is_api(self) -> bool:
        return self.name.startswith("api") or self.pattern.startswith("api/")

    def view_class(self) -> Any:
        return getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)

    def methods(self) -> list[str]:
        actions = getattr(self.callback, "actions", None)
        if actions:  # DRF adds "head" to this dict on the first request: HEAD has no body to check
            return sorted(m for m in actions if m not in ("head", "options"))
        cls = self.view_class()
        if cls is None:
            return ["get"]
        allowed = getattr(cls, "http_method_names", ["get", "post"])
        return [m for m in ("get", "post") if m in allowed and hasattr(cls, m)] or ["get"]

    def permission(self, method: str) -> str | None:
        cls = self.view_class()
        actions = getattr(self.callback, "actions", None)
        if actions:
            return required_permission_for(cls, actions[method])
        return getattr(cls, "required_permission", None)


def all_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace
                walk(
                    entry.url_patterns, prefix + str(entry.pattern), f"{namespace}{ns}:" if ns else namespace
                )
            elif isinstance(entry, URLPattern) and entry.name:
                pattern = prefix + str(entry.pattern)
                kwargs = list(entry.pattern.regex.groupindex) if hasattr(entry.pattern, "regex") else []
                if "format" in kwargs:
                    continue
                routes.append(Route(namespace + entry.name, pattern, entry.callback, kwargs))

    walk(get_resolver().url_patterns, "", "")
    return routes


ROUTES = [r for r in all_routes() if r.name not in PUBLIC]


def registry_person(
    *, actor: Any, region_code: str, name: str, screening_name: str, household_number: str, **extra: Any
) -> tuple[Any, Any, Any]:
    """A certified person heading a household with a spouse, and a screening record of the region."""
    person = registered(name=name, region_code=region_code, actor=actor, phone="13800001234", **extra)
    household = registry_actions.household_create(
        actor=actor, head_person_id=person.pk, number=household_number
    )
    registry_actions.household_add_member(
        actor=actor,
        household_id=household.pk,
        relationship="spouse",
        name="配偶",
        birth_date=person.birth_date,
    )
    record = registry_actions.screening_record(
        actor=actor, name=screening_name, region_code=region_code, found_on=timezone.localdate()
    )
    return person, household, record


def paid_enrollment(person: Any, cycle: Any, standard: Any, *, reason: str) -> tuple[Any, Any, Any]:
    """An active enrollment of ``person`` in the cycle's program, a line of the cycle, a recovery item."""
    day = dt.date(2026, 1, 1)
    enrollment = Enrollment.objects.create(
        program=cycle.program,
        person=person,
        region_code=person.region_code,
        status="active",
        applied_on=day,
        application_month=day,
        grade=1,
        category=4,
        bank_account="6222020000000001234",
    )
    line = PaymentLine.objects.create(
        cycle=cycle,
        program=cycle.program,
        enrollment=enrollment,
        person=person,
        region_code=person.region_code,
        period=cycle.month,
        amount=Decimal("100.00"),
        standard=standard,
    )
    recovery = RecoveryItem.objects.create(
        program=cycle.program,
        enrollment=enrollment,
        person=person,
        region_code=person.region_code,
        amount=Decimal("100.00"),
        months=["2026-09"],
        reason=reason,
        detected_on=day,
    )
    return enrollment, line, recovery


def built_world(django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[tuple[dict[str, Any], Any]]:
    """The body of a module-scoped fixture: (world, make_user) built once, rolled back at the end.
    The world's ``snapshot`` as built is kept under ``_pristine``: every case starts from it (each
    runs in a savepoint of this state), so a case compares against it instead of taking its own."""
    with built_once(django_db_blocker, tmp_path_factory.mktemp("media")):
        with django_db_blocker.unblock():
            regions = build_regions()
            make = user_maker(regions)
            world = build(regions, make)
            world["_pristine"] = snapshot(world)
        yield world, make


#: A statement that writes (PostgreSQL and SQLite, as Django's cursor sees it).
_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|TRUNCATE|ALTER|DROP|CREATE|COPY)\b", re.IGNORECASE)


@contextmanager
def changes_nothing(world: dict[str, Any], label: Any = None) -> Iterator[None]:
    """The block (a refused request) leaves the world as built: ``snapshot(world)`` afterwards equals
    the snapshot taken when the world was built. When the block ran no writing statement at all, the
    database is the one the case started from and the snapshot is not read again (it reads every
    world table: two per case were most of this suite's time)."""
    with CaptureQueriesContext(connection) as captured:
        yield
    if any(_WRITE.match(q["sql"]) for q in captured.captured_queries):
        assert snapshot(world) == world["_pristine"], label


def build(regions: dict[str, Any], make_user: Any) -> dict[str, Any]:
    """Objects in region A (东营区 370502) that region B users (烟台市 3706) must not reach, under
    their URL keyword names. Also, under keys starting with "_" (no URL keyword): a national-scope
    user and a second cadre of region A paired with nobody. Files go to the current MEDIA_ROOT."""
    owner = make_user("county_admin", "370502", username="owner_a")
    victim = make_user("township_worker", "370502001", username="victim_user_a")
    job = job_submit(
        actor=owner,
        kind="regions.import",
        region_code="370502",
        enqueue=False,
        upload=SimpleUploadedFile("a.csv", "代码,名称\n370599001,无父镇\n".encode()),
    )
    run_job(job.pk)  # fails (unknown parent): a failed job is retryable, so POST retry is meaningful
    import_job = job_submit(
        actor=owner,
        kind="persons.import",
        region_code="370502",
        enqueue=False,
        upload=SimpleUploadedFile(
            "p.csv", "姓名,身份证号,所属村(社区)\n张三,110101199003077777,王家村\n".encode()
        ),
    )
    run_job(import_job.pk)
    with transaction.atomic():
        event = audit_record(
            actor=owner,
            event="user.updated",
            obj=victim,
            region_code="370502001",
            object_repr="MARKER-EVENT-A",
        )
    # The registry: a certified person with a household and a relative, and a screening record, in A
    # (and the same in B, so the outsider's lists are not empty).
    registry: dict[str, Any] = {}
    for label, region, actor in (("A", "370502001001", owner), ("B", "370602001", None)):
        person, household, record = registry_person(
            actor=actor,
            region_code=region,
            name=f"MARKERPERSON{label}",
            screening_name=f"MARKERSCREEN{label}",
            household_number=f"MARKER-HH-{label}",
        )
        registry[label] = {
            "person_id": person,
            "certificate_id": person.certificates.get(),
            "household_id": household,
            "record_id": record,
        }
    # The program engine: a standard and a rule setting of 东营区, a generated payment cycle, an
    # active enrollment of person A with one line in the cycle and a recovery item.
    nursing = Program.objects.get(code="nursing-subsidy")
    day = dt.date(2026, 1, 1)
    standard = Standard.objects.create(
        program=nursing, region_code="370502", valid_from=day, grades="12", amount=Decimal("100.00")
    )
    setting = RuleSetting.objects.create(
        program=nursing, region_code="370502", valid_from=day, options={}, rules=[{"rule": "alive"}]
    )
    person_a = registry["A"]["person_id"]
    cycle = PaymentCycle.objects.create(
        program=nursing,
        region_code="370502",
        month=dt.date(2026, 10, 1),
        status="generated",
        generated_by=owner,
    )
    enrollment, line, recovery = paid_enrollment(person_a, cycle, standard, reason="MARKER-RECOVERY-A")
    builders = [
        care_world,
        petitions_world,
        # Supervision first: institution staff of region A are bound to the first institution there,
        # and only they may answer a notice (the "control" request of that route).
        supervision_world,
        institutions_world,
        rehab_world,
        settlement_world,
        calendar_world,
        steering_targets_world,
        community_world,
        rehabservices_world,
        education_world,
        employment_world,
        matching_world,
        outreach_world,
    ]
    extra: dict[str, Any] = {}
    for builder in builders:
        part = builder.build(owner=owner, person=person_a, make_user=make_user)
        # A URL keyword names one kind of object: two worlds giving the same keyword objects of two
        # models would send one domain's pages the other's id (a 404 that depends on the database's
        # sequences). A later world may replace an object of the same model (rehab's institution).
        clash = sorted(k for k in set(part) & set(extra) if type(part[k]) is not type(extra[k]))
        assert not clash, f"{builder.__name__} gives other models under the world keys {clash}"
        extra.update(part)
    # No role may be assigned at the national level (ROLE_REGION_LEVELS: province and below), so the
    # national scope is a superuser's (User.scope_for: Scope.all()).
    national = User.objects.create_superuser(username="national_user", password="pw-Strong-2026")
    second_cadre = make_user("cadre", "370502001", username="care_cadre_b")
    return {
        **extra,
        "_national": national,
        "_second_cadre": second_cadre,
        "code": regions["370502"],
        "standard_id": standard,
        "setting_id": setting,
        "enrollment_id": enrollment,
        "cycle_id": cycle,
        "line_id": line,
        "item_id": recovery,
        "user_id": victim,
        "job_id": job,
        "import_job_id": import_job,
        "event_id": event,
        **registry["A"],
    }


def url_for(route: Route, world: dict[str, Any]) -> str:
    kwargs: dict[str, Any] = dict(OPS.get(route.name, {}))
    kwargs.update({k: v for k, v in FIXED.items() if k in route.kwargs})
    for name in route.kwargs:
        if name in kwargs:
            continue
        assert name in world, f"{route.name}: no object for URL keyword {name!r}; add it to the world fixture"
        obj = world[name]
        kwargs[name] = obj.code if name == "code" else obj.pk
    return reverse(route.name, kwargs=kwargs)


def role_without(permission: str) -> str | None:
    return next((r for r in Role.values if permission not in ROLE_PERMISSIONS[r]), None)


def role_with(permission: str) -> str:
    order = [
        "county_admin",
        "city_admin",
        "province_admin",
        "auditor",
        "leader",
        "township_worker",
        "sysadmin",
    ]
    return next(r for r in order + list(Role.values) if permission in ROLE_PERMISSIONS[r])


def call(client: Any, route: Route, method: str, url: str) -> Any:
    if method in ("post", "put", "patch"):
        return getattr(client, method)(
            url, data={}, **({"content_type": "application/json"} if route.is_api else {})
        )
    return getattr(client, method)(url)


def body_text(response: Any) -> str:
    """The page, or every cell of a downloaded workbook or text of a Word document (an export must
    not hold region A either)."""
    if not response.streaming:
        return response.content.decode()
    data = b"".join(response.streaming_content)
    if response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml"):
        import io

        from docx import Document

        document = Document(io.BytesIO(data))
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
        )
    return data.decode()


def snapshot(world: dict[str, Any]) -> tuple[Any, ...]:
    victim = type(world["user_id"]).objects.get(pk=world["user_id"].pk)
    job = type(world["job_id"]).objects.get(pk=world["job_id"].pk)
    person = Person.objects.get(pk=world["person_id"].pk)
    return (
        victim.is_active,
        victim.role_assignments.count(),
        job.status,
        job.attempts,
        # An export is a read that is itself logged (record.exported): the outsider's export of its
        # own region is allowed; that it holds nothing of region A is tested in test_registry_web.
        AuditEvent.objects.exclude(event_type__startswith="auth.")
        .exclude(
            event_type__in=[
                "record.exported",
                "report.figures_exported",
                "steering.records_viewed",
                "steering.bulletin_exported",
            ]
        )
        .count(),
        (person.name, person.phone, person.region_code, person.life_status, person.updated_at),
        tuple(Certificate.objects.filter(person=person).values_list("id", "state", "valid_until")),
        tuple(
            Household.objects.filter(pk=world["household_id"].pk).values_list(
                "members__id", "members__is_head"
            )
        ),
        tuple(
            ScreeningRecord.objects.filter(pk=world["record_id"].pk).values_list("outcome", "appointment_on")
        ),
        Person.objects.count(),
        tuple(Enrollment.objects.order_by("pk").values_list("pk", "status", "stopped_from", "updated_at")),
        tuple(PaymentCycle.objects.order_by("pk").values_list("pk", "status", "approved_by", "line_count")),
        tuple(PaymentLine.objects.order_by("pk").values_list("pk", "status", "amount")),
        tuple(Standard.objects.order_by("pk").values_list("pk", "amount", "valid_to")),
        tuple(RuleSetting.objects.order_by("pk").values_list("pk", "rules", "valid_to")),
        tuple(RecoveryItem.objects.order_by("pk").values_list("pk", "status", "resolved_on")),
        care_world.snapshot(),
        petitions_world.snapshot(),
        supervision_world.snapshot(),
        institutions_world.snapshot(),
        rehab_world.snapshot(),
        settlement_world.snapshot(),
        calendar_world.snapshot(),
        steering_targets_world.snapshot(),
        community_world.snapshot(),
        rehabservices_world.snapshot(),
        education_world.snapshot(),
        employment_world.snapshot(),
        matching_world.snapshot(),
        outreach_world.snapshot(),
    )


def object_kwargs(route: Route) -> list[str]:
    """The route's URL keywords naming a region-owned object (not an operation, not reference data)."""
    return [k for k in route.kwargs if k not in OPS.get(route.name, {}) and k not in FIXED]
