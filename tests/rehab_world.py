"""Children's rehabilitation objects for tests: helpers making a designated institution with an
agreement and a certified therapist, an active child-rehab enrollment, and a plan with attendance.

``build`` returns region A's objects (东营区 370502) under their URL keyword names for
tests/test_authorization.py's world; ``snapshot`` returns what must not change when a refused request
is made."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

_seq = itertools.count(1)

PROGRAM = "child-rehab"
#: A past year, so that no day of it lies in the future.
YEAR = 2025


def institution(
    region_code: str = "370502", *, categories: str = "2458", status: str = "active", **extra: Any
):
    """A designated rehabilitation institution with a service agreement for 2024–2026."""
    from canlian.core.institutions.models import Institution, ServiceAgreement

    n = next(_seq)
    inst = Institution.objects.create(
        code=f"RH-{region_code}-{n}",
        name=extra.pop("name", f"康复中心{n}"),
        kind="rehab",
        region_code=region_code,
        categories=categories,
        status=status,
        capacity=300,
        **extra,
    )
    ServiceAgreement.objects.create(
        institution=inst,
        number=f"AG-{n}",
        valid_from=dt.date(2024, 1, 1),
        valid_until=dt.date(2026, 12, 31),
    )
    return inst


def therapist(inst: Any, *, certified: bool = True, name: str | None = None, valid_until=None):
    from canlian.core.institutions.models import StaffCertificate, StaffMember

    n = next(_seq)
    staff = StaffMember.objects.create(institution=inst, name=name or f"治疗师{n}", post="therapist")
    if certified:
        StaffCertificate.objects.create(
            staff=staff,
            number=f"CERT-{n}",
            issued_on=dt.date(2024, 1, 1),
            valid_until=valid_until or dt.date(2026, 12, 31),
        )
    return staff


def child(region_code: str = "370502001001", *, birth: str = "20210301", name: str = "小明", category=2):
    from registry_factories import registered

    return registered(
        name=name,
        region_code=region_code,
        birth=birth,
        category=category,
        grade=2,
        issued=dt.date(2024, 6, 1),
    )


def active_enrollment(person: Any, *, applied_on: dt.date = dt.date(2024, 12, 2), diagnosis: bool = False):
    """An application run through the engine's whole review chain (operator actions)."""
    from canlian.programs import enrollments as engine

    e = engine.enrollment_apply(
        actor=None,
        person_id=person.pk,
        applied_on=applied_on,
        program_code=PROGRAM,
        applicant_kind="relative",
        applicant_name="家长",
        diagnosis_confirmed=diagnosis,
        bank_account="6228480012345678901",
    )
    engine.enrollment_first_check(actor=None, enrollment_id=e.pk, on=applied_on + dt.timedelta(days=1))
    engine.enrollment_review(actor=None, enrollment_id=e.pk, on=applied_on + dt.timedelta(days=2))
    engine.enrollment_decide(actor=None, enrollment_id=e.pk, on=applied_on + dt.timedelta(days=3))
    return engine.enrollment_notice_end(actor=None, enrollment_id=e.pk, on=applied_on + dt.timedelta(days=20))


def plan(person: Any, inst: Any, *, actor=None, staff=None, year: int = YEAR, category: str = "2", **extra):
    from canlian.domains.rehab import actions

    enrollment = extra.pop("enrollment", None) or active_enrollment(person)
    return actions.plan_create(
        actor=actor,
        enrollment_id=enrollment.pk,
        institution_id=inst.pk,
        year=year,
        category=category,
        mode="centre",
        starts_on=extra.pop("starts_on", dt.date(year, 3, 1)),
        ends_on=extra.pop("ends_on", dt.date(year, 12, 31)),
        planned_days=extra.pop("planned_days", 200),
        hours=extra.pop("hours", 400),
        goals=extra.pop("goals", "发音训练"),
        therapist_id=staff.pk if staff else None,
        guardian_name="家长",
        guardian_phone="13800000000",
        **extra,
    )


def build(*, owner: Any, person: Any, make_user: Any) -> dict[str, Any]:
    from canlian.domains.rehab import actions
    from canlian.domains.rehab.models import DeviceKind

    inst = institution("370502", name="东营区康复中心A")
    staff = therapist(inst)
    kid = child("370502001001", name="世界儿童A")
    p = plan(kid, inst, actor=owner, staff=staff)
    actions.attendance_record(actor=owner, plan_id=p.pk, days=[dt.date(YEAR, 3, 2), dt.date(YEAR, 3, 3)])
    device = actions.device_provide(
        actor=owner,
        person_id=kid.pk,
        kind_id=DeviceKind.objects.get(code="hearing-aid").pk,
        provided_on=dt.date(YEAR, 4, 1),
        institution_id=inst.pk,
    )
    surgery = actions.surgery_refer(
        actor=owner,
        person_id=kid.pk,
        operation="人工耳蜗植入",
        hospital="省立医院",
        referred_on=dt.date(YEAR, 5, 1),
    )
    return {
        "plan_id": p,
        "institution_id": inst,
        "device_id": device,
        "surgery_id": surgery,
    }


def snapshot() -> tuple[Any, ...]:
    from canlian.domains.rehab.models import Attendance, DeviceProvision, RehabPlan, SurgeryReferral

    return (
        tuple(
            RehabPlan.objects.order_by("pk").values_list(
                "pk",
                "status",
                "starts_on",
                "ends_on",
                "therapist_id",
                "goals",
                "hours",
                "ended_on",
                "end_reason",
                "transferred_from_id",
            )
        ),
        tuple(Attendance.objects.order_by("pk").values_list("pk", "plan_id", "on", "on_holiday")),
        tuple(DeviceProvision.objects.order_by("pk").values_list("pk", "status", "provided_on")),
        tuple(SurgeryReferral.objects.order_by("pk").values_list("pk", "status", "operated_on", "amount")),
    )
