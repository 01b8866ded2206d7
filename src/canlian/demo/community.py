"""Demo data of community services for the demo city (issue 14), written through the domain's own
actions (the system for the bulk of it, ``xian_admin`` generating batches and wage sheets,
``shi_admin`` approving them: maker-checker):

* **Homes** (如康家园) in every township of the city, opened over the last four years (some this
  year), with the 3 basic functions and some of the N; members from the township's certified people
  the member rule list admits; the demo county's homes record daily attendance for last month and
  this month and a few services; last year's star assessments of the demo county's homes confirmed,
  the county's funding standards by stars, this year's funding batch generated and approved.
* **A county care centre** with residents from 低保, 五保 (特困) and ordinary households (the
  registry's hardship statuses), their 低保金/五保金 recorded, the fee statements of the last two months,
  and last year's care subsidy batch approved and paid.
* **A workshop** with three projects of the library (partners with a valid USCC), workers with signed
  agreements and their own accounts, and a year of wages: output each month, the sheet generated,
  approved, sent to the bank and paid (the current month's sheet waiting for approval).
* **Institution subsidies**: the county's standards (construction, rent, equipment, social
  insurance); last year's batch (construction of the homes opened then, the workshop's rent and
  insurance, the care centre's equipment) approved and paid, this year's waiting for approval.

Idempotent: nothing is generated when the city already has homes."""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from canlian.core.accounts.models import User
from canlian.core.institutions.models import Institution
from canlian.core.regions.models import Region
from canlian.core.registry.models import Person
from canlian.domains.community import actions, eligibility
from canlian.domains.community.models import CareResident, Home, HomeMember, Worker
from canlian.platform.access import SYSTEM
from canlian.platform.dates import add_months
from canlian.platform.errors import DomainError, InvalidState
from canlian.platform.tabular import Table

ACCOUNTS = ("xian_admin", "shi_admin")
MODELS = ["employment", "party", "medical", "rehab", "elderly", "other"]
EXTRA = ["training", "culture", "volunteer", "mutual_help"]
PROJECTS = [
    ("塑料编织", "编织收纳筐", "0.800"),
    ("柳编", "柳编果篮", "2.500"),
    ("串珠", "串珠手链", "0.350"),
]


def _uscc(n: int) -> str:
    from stdnum.cn import uscc

    body = f"9137050{n:01d}MA3C{n:02d}K8X"[:17].ljust(17, "0")
    return body + uscc.calc_check_digit(body)


def _eligible(people: list[Person], purpose: str, on: dt.date, limit: int) -> list[Person]:
    out = []
    for p in people:
        if len(out) >= limit:
            break
        if eligibility.check(purpose, p, on).eligible:
            out.append(p)
    return out


def _candidates(prefix: str, today: dt.date, *, working_age: bool = False, n: int = 40) -> list[Person]:
    qs = Person.objects.filter(
        region_code__startswith=prefix, life_status="living", certificates__state="active"
    ).filter(
        Q(certificates__category__in=[5, 6]) | Q(certificates__category=4, certificates__grade__in=[1, 2])
    )
    if working_age:
        qs = qs.filter(
            birth_date__lte=today.replace(year=today.year - 17),
            birth_date__gt=today.replace(year=today.year - 58),
        )
    busy = (
        HomeMember.objects.filter(ends_on__isnull=True).values("person_id"),
        CareResident.objects.filter(discharged_on__isnull=True).values("person_id"),
        Worker.objects.filter(status="active").values("person_id"),
    )
    for rows in busy:
        qs = qs.exclude(pk__in=rows)
    return list(qs.distinct().order_by("id")[:n])


def generate_demo_community(*, region_code: str, today: dt.date | None = None, seed: int = 14) -> str:
    started = time.monotonic()
    today = today or timezone.localdate()
    rng = random.Random(seed)
    users = {u.username: u for u in User.objects.filter(username__in=ACCOUNTS)}
    city = Region.objects.filter(code=region_code).first()
    if city is None or set(users) != set(ACCOUNTS):
        return "community services: demo accounts or city missing; nothing generated"
    if Home.objects.filter(region_code__startswith=region_code).exists():
        return f"community services: {region_code} already has homes; none generated"
    maker, checker = users["xian_admin"], users["shi_admin"]
    county_code = maker.role_assignments.order_by("pk").values_list("region_code", flat=True).first() or ""
    townships = list(Region.objects.active().filter(level=4, code__startswith=region_code).order_by("code"))
    if not townships or not county_code:
        return "community services: no townships; nothing generated"
    counts: dict[str, int] = {}
    with transaction.atomic():
        homes = _homes(townships, today, rng)
        counts["homes"] = len(homes)
        counts["members"] = _members(homes, today)
        county_homes = [h for h in homes if h.region_code.startswith(county_code)]
        counts["day-care days"] = _attendance(county_homes, today, rng)
        _stars(county_homes, county_code, maker, checker, today, rng)
        counts.update(_care(county_code, maker, checker, today))
        counts.update(_work(county_code, maker, checker, today, rng))
        counts.update(_subsidies(county_code, maker, checker, today))
    text = ", ".join(f"{k} {v:,}" for k, v in counts.items())
    return f"community services: {text} in {time.monotonic() - started:.1f} s"


def _homes(townships: list[Region], today: dt.date, rng: random.Random) -> list[Home]:
    homes = []
    for i, t in enumerate(townships):
        opened = (
            today.replace(month=1, day=10) if i % 7 == 3 else dt.date(today.year - 1 - i % 4, 1 + i % 12, 15)
        )
        if opened > today:
            opened = today
        homes.append(
            actions.home_create(
                actor=SYSTEM,
                name=f"{t.name}如康家园",
                code=f"RK-{t.code}",
                region_code=t.code,
                opened_on=opened,
                construction_model=MODELS[i % len(MODELS)],
                capacity=30 + 5 * (i % 5),
                staff_count=3 + i % 3,
                functions=["day_care", "employment", "rehab", *rng.sample(EXTRA, 2)],
                demonstration=i % 9 == 0,
            )
        )
    return homes


def _members(homes: list[Home], today: dt.date) -> int:
    n = 0
    for home in homes:
        start = max(home.opened_on, add_months(today.replace(day=1), -3))
        for person in _eligible(_candidates(home.region_code, today, n=12), "member", start, 6):
            try:
                actions.member_enrol(actor=SYSTEM, home_id=home.pk, person_id=person.pk, starts_on=start)
                n += 1
            except DomainError:
                continue
    return n


def _attendance(homes: list[Home], today: dt.date, rng: random.Random) -> int:
    first = add_months(today.replace(day=1), -1)
    pairs = []
    for home in homes:
        for m in HomeMember.objects.filter(home=home, ends_on__isnull=True):
            day = max(first, m.starts_on)
            while day <= today:
                if day.weekday() < 5 and rng.random() < 0.85:
                    pairs.append((m.pk, day))
                day += dt.timedelta(days=1)
        actions.service_record(
            actor=SYSTEM,
            home_id=home.pk,
            function="rehab",
            on=first + dt.timedelta(days=3),
            title="社区康复训练",
            quantity="12.0",
            participants=6,
        )
        actions.service_record(
            actor=SYSTEM,
            home_id=home.pk,
            function="employment",
            on=first + dt.timedelta(days=5),
            title="辅助性就业（串珠）",
            quantity="20.0",
            participants=5,
        )
    return actions.attendance_insert(actor=SYSTEM, pairs=pairs, source="page")


def _stars(
    homes: list[Home], county: str, maker: User, checker: User, today: dt.date, rng: random.Random
) -> None:
    for stars, amount in (
        (5, "80000.00"),
        (4, "60000.00"),
        (3, "40000.00"),
        (2, "20000.00"),
        (1, "10000.00"),
    ):
        actions.funding_standard_save(
            actor=SYSTEM,
            region_code=county,
            valid_from=dt.date(today.year - 1, 1, 1),
            stars=stars,
            amount=amount,
        )
    year = today.year - 1
    assessed = 0
    for home in homes:
        if home.opened_on.year > year:
            continue
        base = 60 + rng.randint(0, 35)
        scores = {
            c: min(100, base + rng.randint(-5, 5))
            for c in ("facilities", "services", "management", "staff", "satisfaction")
        }
        a = actions.assessment_save(
            actor=SYSTEM,
            home_id=home.pk,
            year=year,
            assessed_on=dt.date(year, 11, 20),
            scores=scores,
            assessors="县残联星级评定组",
        )
        actions.assessment_confirm(actor=SYSTEM, assessment_id=a.pk)
        assessed += 1
    if assessed:
        batch = actions.funding_generate(actor=maker, region_code=county, year=today.year)
        actions.funding_approve(actor=checker, batch_id=batch.pk)


def _care(county: str, maker: User, checker: User, today: dt.date) -> dict[str, int]:
    """The county care centre: six residents each from 五保 (特困), 低保 and ordinary households, people
    paid the two subsidies last month first (so their statements name them). Where the registry has
    too few 特困 people of working age, the demo records the status for some (civil affairs' list).
    The county's fee rule caps the others' fee at a fixed amount (the local 低保 standard and the two
    subsidies), to show the configurable cap basis; the national default caps at the resident's own."""
    from canlian.core.registry.actions import hardship_add
    from canlian.domains.community.models import FeeRule
    from canlian.programs.models import PaymentLine

    centre = Institution.objects.create(
        code=f"TY-{county}", name="县残疾人托养中心", kind="care", region_code=county, capacity=150
    )
    FeeRule.objects.get_or_create(
        region_code=county,
        valid_from=dt.date(today.year - 1, 1, 1),
        defaults={
            "hardship_kinds": ["dibao", "tekun"],
            "allowance_kinds": ["dibao", "wubao"],
            "subsidy_programs": ["living-subsidy", "nursing-subsidy"],
            "cap_basis": "fixed",
            "cap_amount": Decimal("1130.00"),
            "note": "其他对象收费不超过低保标准加两项补贴标准（1,130元/月）",
        },
    )
    start = dt.date(today.year - 1, 1, 5)
    last_month = add_months(today.replace(day=1), -1)
    paid = set(
        PaymentLine.objects.filter(
            period=add_months(last_month, -1), status="paid", region_code__startswith=county
        ).values_list("person_id", flat=True)
    )
    people = sorted(
        _candidates(county, today, working_age=True, n=300), key=lambda p: (p.pk not in paid, p.pk)
    )
    by_kind: dict[str, list[Person]] = {"tekun": [], "dibao": [], "": []}
    spare: list[Person] = []
    for p in people:
        held = set(p.hardships.filter(valid_to__isnull=True).values_list("kind", flat=True))
        kind = "tekun" if "tekun" in held else "dibao" if "dibao" in held else ""
        if not eligibility.check("resident", p, start).eligible:
            continue
        if len(by_kind[kind]) < 6:
            by_kind[kind].append(p)
        elif not held:
            spare.append(p)
    while len(by_kind["tekun"]) < 3 and spare:
        p = spare.pop()
        hardship_add(
            actor=SYSTEM,
            person_id=p.pk,
            kind="tekun",
            valid_from=dt.date(today.year - 2, 1, 1),
            source="demo",
            note="演示：特困供养人员",
        )
        by_kind["tekun"].append(p)
    residents = 0
    for kind, group in by_kind.items():
        for i, p in enumerate(group):
            try:
                r = actions.resident_admit(
                    actor=SYSTEM,
                    institution_id=centre.pk,
                    person_id=p.pk,
                    mode=["residential", "day", "home"][i % 3],
                    admitted_on=start,
                    monthly_fee="1500.00" if i % 3 == 0 else "600.00",
                    review_on=dt.date(today.year, 12, 31),
                )
            except DomainError:
                continue
            residents += 1
            if kind == "dibao":
                actions.allowance_record(
                    actor=SYSTEM, resident_id=r.pk, kind="dibao", monthly_amount="720.00", valid_from=start
                )
            elif kind == "tekun":
                actions.allowance_record(
                    actor=SYSTEM, resident_id=r.pk, kind="wubao", monthly_amount="1050.00", valid_from=start
                )
    statements = 0
    if residents:
        # The month before last too: its subsidy lines are paid (last month's wait for the bank's results).
        for month in (add_months(last_month, -1), last_month):
            statements += actions.fee_statements_generate(actor=SYSTEM, institution_id=centre.pk, month=month)
        batch = actions.care_subsidy_generate(actor=maker, institution_id=centre.pk, year=today.year - 1)
        actions.care_subsidy_approve(actor=checker, batch_id=batch.pk)
        actions.care_subsidy_mark_paid(actor=maker, batch_id=batch.pk, paid_on=dt.date(today.year, 1, 20))
    return {"residents": residents, "fee statements": statements}


def _work(county: str, maker: User, checker: User, today: dt.date, rng: random.Random) -> dict[str, int]:
    shop = Institution.objects.create(
        code=f"FZ-{county}", name="阳光辅助性就业工场", kind="employment", region_code=county, capacity=60
    )
    projects = [
        actions.project_save(
            actor=SYSTEM,
            region_code=county,
            code=f"XM-{county}-{i}",
            name=name,
            product=product,
            partner_name=f"东营{name}制品有限公司",
            partner_uscc=_uscc(i + 1),
            piece_rate=rate,
            institution_ids=[shop.pk],
        )
        for i, (name, product, rate) in enumerate(PROJECTS)
    ]
    start = add_months(today.replace(day=1), -12)
    workers = []
    for p in _eligible(_candidates(county, today, working_age=True, n=60), "worker", start, 12):
        try:
            workers.append(
                actions.worker_sign(
                    actor=SYSTEM,
                    institution_id=shop.pk,
                    person_id=p.pk,
                    agreement_number=f"FZ{today.year - 1}-{len(workers) + 1:03d}",
                    agreement_from=start,
                    bank_name="中国农业银行",
                    bank_account=f"622848{p.pk:013d}",
                    account_holder=p.name,
                    wage_basis="hours" if len(workers) % 4 == 3 else "piece",
                    hourly_rate="12.00",
                    project_id=projects[len(workers) % 3].pk,
                )
            )
        except DomainError:
            continue
    actions.minimum_wage_save(actor=SYSTEM, region_code=county, valid_from=start, monthly_amount="500.00")
    sheets = 0
    month = start
    while month <= today.replace(day=1):
        for w in workers:
            if w.wage_basis == "hours":
                actions.output_record(
                    actor=SYSTEM, worker_id=w.pk, month=month, hours=str(70 + rng.randint(0, 30))
                )
            else:
                rate = Decimal(w.project.piece_rate)
                pieces = (Decimal(rng.randint(900, 1400)) / rate).quantize(Decimal("1"))
                actions.output_record(
                    actor=SYSTEM, worker_id=w.pk, month=month, pieces=str(pieces), project_id=w.project_id
                )
        if workers:
            sheet = actions.wage_sheet_generate(actor=maker, institution_id=shop.pk, month=month)
            sheets += 1
            if month < today.replace(day=1):
                actions.wage_sheet_approve(actor=checker, sheet_id=sheet.pk)
                actions.wage_sheet_export(actor=maker, sheet_id=sheet.pk)
                rows = [[str(pk), "成功"] for pk in sheet.lines.values_list("pk", flat=True)]
                actions.wage_sheet_record_results(
                    actor=maker, sheet_id=sheet.pk, table=Table(header=["Line", "Status"], rows=rows)
                )
        month = add_months(month, 1)
    return {"projects": len(projects), "workers": len(workers), "wage sheets": sheets}


def _subsidies(county: str, maker: User, checker: User, today: dt.date) -> dict[str, int]:
    """The county's institution subsidy standards; last year's batch (construction of the homes opened
    then, the workshop's rent and social insurance, the care centre's equipment) approved and paid;
    this year's generated, waiting for approval."""
    for kind, amount in (
        ("construction", "100000.00"),
        ("rent", "12000.00"),
        ("equipment", "20000.00"),
        ("insurance", "1200.00"),
    ):
        actions.subsidy_standard_save(
            actor=SYSTEM,
            region_code=county,
            kind=kind,
            valid_from=dt.date(today.year - 2, 1, 1),
            amount=amount,
        )
    shop = Institution.objects.filter(kind="employment", region_code=county).order_by("pk").first()
    care = Institution.objects.filter(kind="care", region_code=county).order_by("pk").first()
    batches = 0
    for year in (today.year - 1, today.year):
        if shop is not None:
            insured = Worker.objects.filter(institution=shop).count() or 1
            actions.subsidy_apply(actor=SYSTEM, institution_id=shop.pk, year=year, kind="rent", quantity=12)
            actions.subsidy_apply(
                actor=SYSTEM, institution_id=shop.pk, year=year, kind="insurance", quantity=insured
            )
        if care is not None:
            actions.subsidy_apply(
                actor=SYSTEM, institution_id=care.pk, year=year, kind="equipment", cost="15800.00"
            )
        try:
            batch = actions.subsidy_batch_generate(actor=maker, region_code=county, year=year)
        except InvalidState:
            continue
        batches += 1
        if year < today.year:
            actions.subsidy_batch_approve(actor=checker, batch_id=batch.pk)
            actions.subsidy_batch_mark_paid(actor=maker, batch_id=batch.pk, paid_on=dt.date(year, 6, 30))
    return {"institution subsidy batches": batches}
