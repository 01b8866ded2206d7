"""Rehabilitation services objects for tests: helpers making a certified adult, a device service
station, a needs survey, a fitting and a home modification project walked through its steps, and a
small JPEG (with an EXIF block holding a fake GPS position) for photo uploads.

``build`` returns region A's objects (东营区 370502) under their URL keyword names for
tests/test_authorization.py's world; ``snapshot`` returns what must not change when a refused
request is made."""

from __future__ import annotations

import datetime as dt
import itertools
import struct
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

_seq = itertools.count(1)

#: Days of a past stretch of this year (the tests run on 2026 dates, all before today).
D = dt.date(2026, 3, 2)

MARKERS: tuple[str, ...] = ("世界康复A", "WZA-2026-", "世界辅具站A")

#: An EXIF APP1 segment with the text of a GPS tag (what stripping must remove).
EXIF_MARK = b"GPSLatitude37.4N"


def jpeg(size: int = 0, *, exif: bool = True) -> bytes:
    """A structurally valid JPEG: SOI, an APP1 Exif segment (optional), a DQT, SOS with data, EOI."""
    parts = [b"\xff\xd8"]
    if exif:
        body = b"Exif\x00\x00" + EXIF_MARK
        parts.append(b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body)
    dqt = bytes(65)
    parts.append(b"\xff\xdb" + struct.pack(">H", len(dqt) + 2) + dqt)
    sos = bytes([1, 1, 0, 0, 63, 0])
    parts.append(b"\xff\xda" + struct.pack(">H", len(sos) + 2) + sos)
    parts.append(b"\x12\x34" * max(1, size // 2))
    parts.append(b"\xff\xd9")
    return b"".join(parts)


def photo(name: str = "p.jpg", **kw: Any) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg(**kw), content_type="image/jpeg")


_CHARS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"


def _name() -> str:
    n = next(_seq)
    return "康复" + _CHARS[n % len(_CHARS)] + _CHARS[(n // len(_CHARS)) % len(_CHARS)]


def adult(
    region_code: str = "370502001001",
    *,
    name: str | None = None,
    category: int = 4,
    grade: int = 1,
    actor=None,
):
    from registry_factories import registered

    return registered(
        name=name or _name(),
        region_code=region_code,
        birth="19700101",
        category=category,
        grade=grade,
        issued=dt.date(2020, 5, 1),
        actor=actor,
    )


def station(region_code: str = "370502", *, name: str | None = None, kind: str = "device_station"):
    from canlian.core.institutions.models import Institution

    n = next(_seq)
    return Institution.objects.create(
        code=f"RS-{region_code}-{n}",
        name=name or f"辅具站{n}",
        kind=kind,
        region_code=region_code,
        status="active",
    )


def hardship(person: Any, kind: str = "dibao", on: dt.date = dt.date(2025, 1, 1)) -> Any:
    from canlian.core.registry.actions import hardship_add

    return hardship_add(actor=None, person_id=person.pk, kind=kind, valid_from=on)


def survey(
    person: Any, needs=("training", "device"), *, on: dt.date = D, actor=None, device: str | None = None
):
    from canlian.domains.rehabservices import actions
    from canlian.domains.rehabservices.models import DeviceType

    device_id = DeviceType.objects.get(code=device).pk if device else None
    return actions.survey_record(
        actor=actor,
        person_id=person.pk,
        surveyed_on=on,
        needs=list(needs),
        device_type_id=device_id,
        surveyor="专职委员",
    )


def fitted(
    person: Any,
    st: Any,
    *,
    device: str = "wheelchair",
    assessed: dt.date = D,
    delivered: dt.date | None = D,
    actor=None,
):
    from canlian.domains.rehabservices import actions
    from canlian.domains.rehabservices.models import DeviceType

    f = actions.fitting_assess(
        actor=actor,
        person_id=person.pk,
        device_type_id=DeviceType.objects.get(code=device).pk,
        station_id=st.pk,
        assessed_on=assessed,
    )
    if delivered is not None:
        f = actions.fitting_deliver(actor=actor, fitting_id=f.pk, fitted_on=delivered)
    return f


STEPS = ("applied", "assessed", "planned", "notice", "works", "accepted")


def project(
    person: Any,
    *,
    upto: str = "accepted",
    actor=None,
    cost: str = "4200.00",
    start: dt.date = dt.date(2026, 3, 2),
):
    """A project walked from application to ``upto`` on working days of March–May 2026."""
    from canlian.domains.rehabservices import actions

    p = actions.modification_apply(
        actor=actor,
        person_id=person.pk,
        applied_on=start,
        need_found="卫生间无扶手，门槛高",
        house_modifiable=True,
    )
    if upto == "applied":
        return p
    p = actions.modification_assess(
        actor=actor,
        project_id=p.pk,
        assessed_on=dt.date(2026, 3, 5),
        assessor="评估员",
        items={
            "handrails": {"needed": True, "note": "卫生间扶手"},
            "doorways": {"needed": True, "note": "去门槛"},
        },
        photos=[photo("home.jpg")],
    )
    if upto == "assessed":
        return p
    p = actions.modification_plan(
        actor=actor,
        project_id=p.pk,
        agreed_on=dt.date(2026, 3, 10),
        plan="安装扶手，拆除门槛",
        costs={"handrails": "2500.00", "doorways": "1700.00"},
        signed_form=photo("form.jpg"),
    )
    if upto == "planned":
        return p
    p = actions.modification_notice(actor=actor, project_id=p.pk, notice_from=dt.date(2026, 3, 11))
    if upto == "notice":
        return p
    p = actions.modification_start_works(
        actor=actor,
        project_id=p.pk,
        started_on=dt.date(2026, 3, 23),
        contractor="安居施工队",
        contractor_account="6222020200112233445",
    )
    actions.modification_photo_add(actor=actor, project_id=p.pk, stage="before", photo=photo("before.jpg"))
    actions.modification_photo_add(
        actor=actor, project_id=p.pk, stage="progress", photo=photo("progress.jpg")
    )
    actions.modification_photo_add(actor=actor, project_id=p.pk, stage="after", photo=photo("after.jpg"))
    if upto == "works":
        return p
    return actions.modification_accept(
        actor=actor,
        project_id=p.pk,
        accepted_on=dt.date(2026, 4, 20),
        final_cost=cost,
        federation="区残联",
        family="家属",
        contractor="安居施工队",
    )


def build(*, owner: Any, person: Any, make_user: Any) -> dict[str, Any]:
    from canlian.domains.rehabservices import actions

    st = station("370502", name="世界辅具站A")
    a = adult("370502001001", name="世界康复A")
    hardship(a)
    s = survey(a, ("training", "device"), actor=owner)
    f = fitted(a, st, actor=owner)
    p = project(a, actor=owner)
    batch = actions.batch_generate(actor=owner, region_code="370502")
    app = actions.health_apply(actor=owner, person_id=a.pk, program="check", applied_on=D)
    return {
        "needs_survey_id": s,
        "device_fitting_id": f,
        "modification_id": p,
        "modification_photo_id": p.photos.first(),
        "contractor_batch_id": batch,
        "health_application_id": app,
    }


def snapshot() -> tuple[Any, ...]:
    from canlian.domains.rehabservices.models import (
        ContractorBatch,
        DeviceFitting,
        DeviceStandard,
        HealthApplication,
        HealthSigning,
        ModificationPhoto,
        ModificationProject,
        Need,
        NeedsSurvey,
        ServiceRecord,
    )

    return (
        tuple(NeedsSurvey.objects.order_by("pk").values_list("pk", "no_needs")),
        tuple(Need.objects.order_by("pk").values_list("pk", "kind")),
        tuple(ServiceRecord.objects.order_by("pk").values_list("pk", "delivered_on")),
        tuple(DeviceStandard.objects.order_by("pk").values_list("pk", "valid_to", "price")),
        tuple(DeviceFitting.objects.order_by("pk").values_list("pk", "status", "fitted_on")),
        tuple(
            ModificationProject.objects.order_by("pk").values_list("pk", "status", "step_due_on", "payable")
        ),
        tuple(ModificationPhoto.objects.order_by("pk").values_list("pk")),
        tuple(ContractorBatch.objects.order_by("pk").values_list("pk", "status", "approved_by_id")),
        tuple(HealthApplication.objects.order_by("pk").values_list("pk", "status", "amount")),
        tuple(HealthSigning.objects.order_by("pk").values_list("pk")),
        Decimal("0"),
    )
