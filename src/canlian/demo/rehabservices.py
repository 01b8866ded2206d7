"""Demo data of rehabilitation services for the demo city (issue 16), written through the domain's
own actions by the demo accounts (``zhen_worker`` records at home, ``xian_admin`` manages and
generates batches, ``shi_admin`` approves):

* **Service points** per county: two community rehabilitation rooms, a home-rehabilitation point and
  a device service station (the institution kinds of ``core/institutions``).
* **Needs surveys** of this year for the certified adults of the demo township: most with needs
  (training, medication, nursing, assistive device, guidance…), some with none; **services**
  delivered against most needs (some left unmet for the township worker's list); **devices**
  assessed and delivered at the county's station (one assessed, not yet delivered), which answer the
  device needs.
* **Home modification projects** in every state: applied (one past its deadline), assessed, plan
  accepted, in public notice, works under way, accepted, in a batch waiting for approval, paid and
  archived, with phone photos; one contractor batch approved and paid, one waiting.
* **Health**: the family-doctor and medical-insurance lists of the year imported (most signed), free
  health checks, and medication aid where the registry has people certified with a mental disability.
* **Targets** of the services indicators for the city and its counties (the city plan of
  ../shared/DOMAIN.md scaled by certified people like ``demo/steering.py``): precise rehabilitation
  rate 98%, fitting rate 95%, family-doctor signing 98%, 9,000 devices, 1,000 home modifications (also
  split to the townships, the quarterly report's "households planned"), 10,000 health checks, 3,000
  medication aid, 500 rehabilitation rooms, 500 home points, 200 device stations. The steering demo
  skips its own plan when the city already has targets, so when it has not run yet it is run first
  (``generate_demo_steering``); the summaries are refreshed again by the command's last step.

Idempotent: skipped when the city already holds this year's needs surveys (targets: when the city
already has a services target)."""

from __future__ import annotations

import datetime as dt
import struct
import time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from canlian.core.accounts.models import User
from canlian.core.institutions import actions as inst
from canlian.core.institutions.models import Institution
from canlian.core.regions.models import Region
from canlian.core.registry.actions import hardship_add
from canlian.core.registry.models import Certificate, HardshipStatus, Person
from canlian.domains.rehabservices import actions
from canlian.domains.rehabservices.actions._common import certificate_on
from canlian.domains.rehabservices.models import (
    DeviceType,
    HealthApplication,
    ModificationProject,
    NeedsSurvey,
)
from canlian.platform.errors import DomainError
from canlian.programs.workdays import add_working_days

ACCOUNTS = ("zhen_worker", "xian_admin", "shi_admin")
REAL_CITY_CERTIFIED = 50_000
#: (indicator, the real city's plan: a count or a rate, the plan's wording)
PLAN = (
    ("services.precise_rate", "98%", "市民生实事：残疾人精准康复服务率 ≥98%"),
    ("services.fitting_rate", "95%", "省规划：辅助器具适配率保持在 95% 以上"),
    ("services.family_doctor_rate", "98%", "市民生实事：持证残疾人家庭医生签约率 ≥98%"),
    ("services.devices", 9_000, "市民生实事：适配辅助器具 9,000 件"),
    ("services.modifications", 1_000, "市民生实事：困难重度残疾人家庭无障碍改造 1,000 户"),
    ("services.health_checks", 10_000, "市民生实事：残疾人免费健康体检 10,000 人"),
    ("services.cataract", 1_000, "市民生实事：贫困白内障患者复明手术 1,000 例"),
    ("services.mental_aid", 3_000, "市民生实事：贫困精神病患者免费服药 3,000 人"),
    ("services.rehab_rooms", 500, "市民生实事：社区康复室 500 个"),
    ("services.home_points", 500, "市民生实事：家庭康复点 500 个"),
    ("services.device_stations", 200, "市民生实事：辅具服务站 200 个"),
)
NEED_CYCLE = (
    ("training", "device"),
    ("training",),
    ("medication", "guidance"),
    ("device",),
    ("nursing", "training"),
    ("guidance",),
    ("training", "medication", "device"),
    (),
)
#: Target states of the demo's modification projects, in the order they are created.
PROJECT_STATES = (
    "archived",
    "paid",
    "paid",  # batch 1: approved and paid
    "batched",
    "batched",  # batch 2: waiting for approval
    "accepted",
    "works",
    "works",
    "notice",
    "planned",
    "assessed",
    "applied",
    "overdue",
)


def _jpeg(seed: int) -> SimpleUploadedFile:
    """A small valid JPEG (with an EXIF block, stripped on upload)."""
    body = b"Exif\x00\x00demo"
    data = (
        b"\xff\xd8\xff\xe1"
        + struct.pack(">H", len(body) + 2)
        + body
        + b"\xff\xdb"
        + struct.pack(">H", 67)
        + bytes(65)
        + b"\xff\xda"
        + struct.pack(">H", 8)
        + bytes([1, 1, 0, 0, 63, 0])
        + bytes([seed % 250 + 1]) * 400
        + b"\xff\xd9"
    )
    return SimpleUploadedFile(f"demo-{seed}.jpg", data, content_type="image/jpeg")


def _points(admin: Any, city: Region, counties: list[Region]) -> dict[str, Institution]:
    stations: dict[str, Institution] = {}
    for n, county in enumerate(counties, start=1):
        for suffix, name, kind in (
            ("R1", "社区康复室（一）", "rehab_room"),
            ("R2", "社区康复室（二）", "rehab_room"),
            ("H1", "家庭康复点", "home_rehab_point"),
            ("D1", "辅具服务站", "device_station"),
        ):
            code = f"RS-{county.code}-{suffix}"
            existing = Institution.objects.filter(code=code).first()
            made = existing or inst.institution_create(
                actor=admin,
                code=code,
                name=f"{county.name}{name}",
                kind=kind,
                region_code=county.code,
                address=f"{county.name}康复路{n}号",
                operator=f"{county.name}残疾人联合会",
                contact_name="联系人",
                contact_phone=f"1380546{n:02d}88",
            )
            if kind == "device_station":
                stations[county.code] = made
    return stations


def _device_for(person: Person, on: dt.date) -> DeviceType | None:
    cert = certificate_on(person, on)
    if cert is None:
        return None
    for device in DeviceType.objects.filter(active=True).order_by("code"):
        if device.fits(cert.category, cert.grade):
            return device
    return None


def _surveys(
    worker: Any, people: list[Person], stations: dict[str, Institution], today: dt.date
) -> dict[str, int]:
    counts = {"surveys": 0, "services": 0, "devices": 0}
    year_start = dt.date(today.year, 1, 5)
    span = max((today - dt.timedelta(days=40) - year_start).days, 1)
    for i, person in enumerate(people):
        day = year_start + dt.timedelta(days=(i * 37) % span)
        needs = list(NEED_CYCLE[i % len(NEED_CYCLE)])
        device = _device_for(person, day) if "device" in needs else None
        if "device" in needs and device is None:
            needs.remove("device")
        try:
            survey = actions.survey_record(
                actor=worker,
                person_id=person.pk,
                surveyed_on=day,
                needs=needs,
                no_needs=not needs,
                device_type_id=device.pk if device else None,
                surveyor="乡镇专职委员",
            )
        except DomainError:
            continue
        counts["surveys"] += 1
        served_on = min(day + dt.timedelta(days=14 + i % 20), today)
        for j, need in enumerate(survey.needs.all()):
            if need.kind == "device":
                station = stations.get(person.region_code[:6]) or next(iter(stations.values()))
                fitting = actions.fitting_assess(
                    actor=worker,
                    person_id=person.pk,
                    device_type_id=device.pk,
                    station_id=station.pk,
                    assessed_on=served_on,
                )
                if i % 9 != 3:
                    actions.fitting_deliver(
                        actor=worker,
                        fitting_id=fitting.pk,
                        fitted_on=min(served_on + dt.timedelta(days=7), today),
                    )
                    counts["devices"] += 1
                continue
            if (i + j) % 7 == 5:
                continue  # left unmet: on the township worker's list
            place, provider = [
                ("rehab_room", "社区康复室"),
                ("home", "家庭医生团队"),
                ("hospital", "区人民医院"),
                ("home_point", "家庭康复点"),
            ][(i + j) % 4]
            actions.service_record(
                actor=worker,
                need_id=need.pk,
                delivered_on=served_on,
                place=place,
                provider=provider,
                content={
                    "training": "康复训练 12 次",
                    "medication": "药品发放与服药指导",
                    "nursing": "上门护理 4 次",
                    "guidance": "康复知识指导",
                    "surgery": "矫治手术",
                    "device": "",
                }[need.kind],
            )
            counts["services"] += 1
    return counts


def _eligible_people(worker: Any, township: Region, today: dt.date, wanted: int) -> list[Person]:
    """Severely disabled adults of the township in a hardship household (a low-income status is
    recorded for some severe ones when the registry has too few, as the township worker would)."""
    severe = list(
        Person.objects.filter(
            region_code__startswith=township.code,
            life_status="living",
            certificates__state="active",
            certificates__grade__lte=2,
        )
        .distinct()
        .order_by("id")[: wanted * 3]
    )
    hardship = set(
        HardshipStatus.objects.filter(
            person__in=severe, kind__in=("dibao", "low_income", "tekun", "monitored"), valid_to__isnull=True
        ).values_list("person_id", flat=True)
    )
    chosen = [p for p in severe if p.pk in hardship]
    for p in severe:
        if len(chosen) >= wanted:
            break
        if p.pk not in hardship:
            hardship_add(
                actor=worker,
                person_id=p.pk,
                kind="low_income",
                valid_from=dt.date(today.year - 1, 6, 1),
                note="演示：入户核实",
            )
            chosen.append(p)
    return chosen[:wanted]


def _walk(
    users: dict[str, Any], person: Person, state: str, start: dt.date, today: dt.date, seed: int
) -> Any:
    worker, county = users["zhen_worker"], users["xian_admin"]
    applied_on = (
        today - dt.timedelta(days=30)
        if state == "overdue"
        else (today - dt.timedelta(days=2) if state == "applied" else start)
    )
    p = actions.modification_apply(
        actor=worker,
        person_id=person.pk,
        applied_on=applied_on,
        need_found="入户走访发现：卫生间无扶手、门槛高，轮椅进出困难",
        house_modifiable=True,
    )
    if state in ("applied", "overdue"):
        return p
    day = add_working_days(applied_on, 3)
    p = actions.modification_assess(
        actor=worker,
        project_id=p.pk,
        assessed_on=day,
        assessor="区残联评估员",
        items={
            "handrails": {"needed": True, "note": "卫生间、床边扶手"},
            "doorways": {"needed": True, "note": "拆除门槛"},
            "bathroom": {"needed": seed % 2 == 0, "note": "淋浴凳"},
        },
        photos=[_jpeg(seed)],
    )
    if state == "assessed":
        return p
    day = add_working_days(day, 4)
    costs = {
        i.item: {"handrails": "1800.00", "doorways": "1200.00", "bathroom": "900.00"}[i.item]
        for i in p.items.all()
    }
    p = actions.modification_plan(
        actor=worker,
        project_id=p.pk,
        agreed_on=day,
        plan="安装扶手，拆除门槛，加装淋浴凳",
        costs=costs,
        signed_form=_jpeg(seed + 1),
    )
    if state == "planned":
        return p
    day = add_working_days(day, 1)
    p = actions.modification_notice(actor=county, project_id=p.pk, notice_from=day)
    if state == "notice":
        return p
    day = add_working_days(p.notice_until, 1)
    p = actions.modification_start_works(
        actor=worker,
        project_id=p.pk,
        started_on=day,
        contractor="东营安居无障碍工程队",
        contractor_account="6222021612000123456",
    )
    actions.modification_photo_add(actor=worker, project_id=p.pk, stage="before", photo=_jpeg(seed + 2))
    actions.modification_photo_add(actor=worker, project_id=p.pk, stage="progress", photo=_jpeg(seed + 3))
    if state == "works":
        return p
    actions.modification_photo_add(actor=worker, project_id=p.pk, stage="after", photo=_jpeg(seed + 4))
    day = add_working_days(day, 12)
    return actions.modification_accept(
        actor=county,
        project_id=p.pk,
        accepted_on=min(day, today),
        final_cost=str(p.budget - Decimal(seed % 3 * 100)),
        federation="区残联",
        family="户主",
        contractor="东营安居无障碍工程队",
    )


def _modifications(
    users: dict[str, Any], county: Region, people: list[Person], today: dt.date
) -> dict[str, int]:
    states = list(PROJECT_STATES)[: len(people)]
    county_admin, city_admin = users["xian_admin"], users["shi_admin"]
    first_quarter = dt.date(today.year, 2, 2)
    done = {"projects": 0, "batches": 0}
    # the first batch: approved and paid, one project archived
    for k, (person, state) in enumerate(zip(people, states, strict=False)):
        if state not in ("archived", "paid"):
            continue
        _walk(users, person, "accepted", first_quarter + dt.timedelta(days=20 * k), today, 10 * k)
        done["projects"] += 1
    if done["projects"]:
        batch = actions.batch_generate(actor=county_admin, region_code=county.code, note="第一批改造资金")
        actions.batch_approve(actor=city_admin, batch_id=batch.pk)
        actions.batch_mark_paid(actor=county_admin, batch_id=batch.pk, paid_on=today)
        done["batches"] += 1
        archived = [p for p, s in zip(people, states, strict=False) if s == "archived"]
        for person in archived:
            project = person.modifications.get()
            actions.modification_archive(actor=county_admin, project_id=project.pk, archived_on=today)
    batched = [(p, s) for p, s in zip(people, states, strict=False) if s == "batched"]
    for k, (person, _s) in enumerate(batched):
        _walk(users, person, "accepted", add_working_days(today, -32 - 2 * k), today, 100 + 10 * k)
        done["projects"] += 1
    if batched:
        actions.batch_generate(actor=county_admin, region_code=county.code, note="第二批改造资金（待审核）")
        done["batches"] += 1
    for k, (person, state) in enumerate(zip(people, states, strict=False)):
        if state in ("archived", "paid", "batched"):
            continue
        # Running projects started recently enough that only the "overdue" one is past its deadline.
        back = {"accepted": 30, "works": 16 + k % 2, "notice": 10, "planned": 9, "assessed": 5}.get(state, 0)
        _walk(users, person, state, add_working_days(today, -back), today, 200 + 10 * k)
        done["projects"] += 1
    return done


def _health(worker: Any, township: Region, people: list[Person], today: dt.date) -> dict[str, int]:
    certified = list(
        Person.objects.filter(region_code__startswith=township.code, certificates__state="active")
        .distinct()
        .order_by("id")
        .values_list("id_number", flat=True)
    )
    header = ["身份证号", "签约日期", "签约团队"]
    fd = [[n, f"{today.year}-02-15", "镇卫生院家庭医生团队"] for i, n in enumerate(certified) if i % 20 != 7]
    ins = [[n, f"{today.year}-01-10", "城乡居民医保"] for i, n in enumerate(certified) if i % 33 != 5]
    counts = {"family-doctor list": 0, "health applications": 0}
    if fd:
        counts["family-doctor list"] = actions.health_list_import(
            actor=worker,
            kind="family_doctor",
            year=today.year,
            region_code=township.code,
            header=header,
            rows=fd,
            filename="家庭医生签约名单.xlsx",
        ).matched
        actions.health_list_import(
            actor=worker,
            kind="insurance",
            year=today.year,
            region_code=township.code,
            header=header,
            rows=ins,
            filename="医保参保名单.xlsx",
        )
    manager = User.objects.filter(username="xian_admin").first()
    for i, person in enumerate(people):
        program = (
            "mental"
            if certificate_on(person, today) and certificate_on(person, today).category == 6
            else "check"
        )
        if i % 3 == 2 and program == "check":
            continue
        try:
            app = actions.health_apply(
                actor=worker,
                person_id=person.pk,
                program=program,
                applied_on=dt.date(today.year, 3, 2) + dt.timedelta(days=i % 60),
            )
            counts["health applications"] += 1
            if i % 5 == 4:
                continue  # waiting for approval
            actions.health_decide(
                actor=manager,
                application_id=app.pk,
                approve=True,
                decided_on=app.applied_on + dt.timedelta(days=5),
            )
            if i % 5 == 3:
                continue
            actions.health_serve(
                actor=worker,
                application_id=app.pk,
                served_on=app.applied_on + dt.timedelta(days=20),
                hospital="区人民医院",
                service="健康体检" if program == "check" else "抗精神病药物一个季度",
                cost="180.00" if program == "check" else "1350.00",
            )
            if i % 5 != 2:
                actions.health_pay(
                    actor=manager, application_id=app.pk, paid_on=app.applied_on + dt.timedelta(days=40)
                )
        except DomainError:
            continue
    return counts


def _targets(admin: Any, city: Region, counties: list[Region], today: dt.date) -> int:
    from canlian.demo.steering import generate_demo_steering, split
    from canlian.platform.indicators import all_indicators
    from canlian.reporting.models import Target
    from canlian.reporting.steering.targets import target_set

    if not Target.objects.filter(region_code=city.code, year=today.year).exists():
        generate_demo_steering(region_code=city.code, actor=admin, today=today)
    if Target.objects.filter(
        region_code=city.code, year=today.year, indicator__startswith="services."
    ).exists():
        return 0
    known = {i.code for i in all_indicators()}
    certified = {
        c.code: Certificate.objects.filter(state="active", person__region_code__startswith=c.code).count()
        for c in [city, *counties]
    }
    n = 0
    for code, whole, wording in PLAN:
        if code not in known:
            continue
        if isinstance(whole, str):
            for region in [city, *counties]:
                target_set(
                    actor=admin,
                    indicator=code,
                    region_code=region.code,
                    year=today.year,
                    value=whole,
                    note=wording if region == city else "市分解（演示）",
                )
                n += 1
            continue
        value = (
            int(
                (Decimal(whole) * certified[city.code] / REAL_CITY_CERTIFIED).quantize(
                    Decimal(1), rounding=ROUND_HALF_UP
                )
            )
            or 1
        )
        target_set(
            actor=admin,
            indicator=code,
            region_code=city.code,
            year=today.year,
            value=value,
            note=f"{wording}，按持证人数折算（演示）",
        )
        n += 1
        parts = split(value, [(c.code, certified[c.code]) for c in counties])
        for county in counties:
            target_set(
                actor=admin,
                indicator=code,
                region_code=county.code,
                year=today.year,
                value=parts[county.code],
                note="市按持证人数分解（演示）",
            )
            n += 1
            if code == "services.modifications":
                towns = list(Region.objects.filter(parent=county, level=4).order_by("code"))
                shares = [
                    (
                        t.code,
                        Certificate.objects.filter(
                            state="active", person__region_code__startswith=t.code
                        ).count(),
                    )
                    for t in towns
                ]
                for t_code, part in split(parts[county.code], shares).items():
                    target_set(
                        actor=admin,
                        indicator=code,
                        region_code=t_code,
                        year=today.year,
                        value=part,
                        note="县按持证人数分解（演示）",
                    )
                    n += 1
    return n


def generate_demo_services(*, region_code: str, today: dt.date | None = None) -> str:
    """Load the demo (see the module docstring); returns the line the command prints."""
    started = time.monotonic()
    today = today or timezone.localdate()
    users = {u.username: u for u in User.objects.filter(username__in=ACCOUNTS)}
    city = Region.objects.filter(code=region_code).first()
    if city is None or set(users) != set(ACCOUNTS):
        return "rehabilitation services: demo accounts or city missing; nothing generated"
    worker = users["zhen_worker"]
    township_code = worker.role_assignments.order_by("pk").values_list("region_code", flat=True).first() or ""
    township = Region.objects.filter(code=township_code).first()
    counties = list(
        Region.objects.active().filter(parent=city, level=3).exclude(name="市辖区").order_by("code")
    )
    if township is None or not counties:
        return "rehabilitation services: no demo township; nothing generated"
    if (
        NeedsSurvey.objects.filter(region_code__startswith=region_code, year=today.year).exists()
        or ModificationProject.objects.filter(region_code__startswith=region_code).exists()
    ):
        targets = _targets(users["shi_admin"], city, counties, today)
        return f"rehabilitation services: this year's surveys already exist in {region_code}; none generated ({targets} targets set)"
    county = Region.objects.get(code=township.code[:6])
    people = list(
        Person.objects.filter(
            region_code__startswith=township.code,
            life_status="living",
            certificates__state="active",
            birth_date__lte=today.replace(year=today.year - 18),
        )
        .distinct()
        .order_by("id")[:120]
    )
    with transaction.atomic():
        stations = _points(users["shi_admin"], city, counties)
        counts = _surveys(worker, people, stations, today)
        movers = _eligible_people(worker, township, today, len(PROJECT_STATES))
        counts.update(_modifications(users, county, movers, today))
        counts.update(_health(worker, township, people, today))
        counts["health applications served"] = HealthApplication.objects.filter(
            region_code__startswith=township.code, status__in=("served", "paid")
        ).count()
    counts["targets"] = _targets(users["shi_admin"], city, counties, today)
    text = ", ".join(f"{k} {v:,}" for k, v in counts.items())
    return f"rehabilitation services ({today.year}): {text} in {time.monotonic() - started:.1f} s"
