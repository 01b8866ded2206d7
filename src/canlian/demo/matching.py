"""Demo data of data comparison for a city whose demo people, enrollments and approved cycles exist
(canlian.demo.persons, canlian.demo.programs): one list per department, each written as the
department sends it (CSV with a title line, GBK for civil affairs) into ``var/demo/matching/`` and
uploaded through ``list_upload`` by the city federation's administrator, which compares it at once.
Planted cases of every rule:

* **civil affairs, deaths of last month**: three people paid the nursing or living subsidy in
  approved cycles who died on the 10th of the first cycle month (应停未停: the months after and the
  amount to recover), one who died this month (still enrolled, nothing paid after: stop), forty
  people the registry does not hold, one row with a mistyped ID number (rejected with row and field);
* **public security, moved out**: one enrolled person moved out of the province;
* **civil affairs, 低保**: three certified people not enrolled in the living subsidy (应享未享), two
  enrolled (nothing found), one whose name the list spells differently (data to correct);
* **rural revitalisation, 三类户**: two people not flagged as monitored (to flag);
* **medical insurance** (one township): every certified person but three (to enrol);
* **education** (the same township): no school-age certified child is on the student list.

Idempotent: nothing is done when the city already holds an uploaded list.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone
from stdnum.cn import ric

from canlian.core.accounts.models import User
from canlian.core.registry.choices import HardshipKind, LifeStatus
from canlian.core.registry.models import Certificate, HardshipStatus, Person
from canlian.domains.matching.actions import list_upload
from canlian.domains.matching.models import Finding, ListUpload
from canlian.platform.dates import add_months, month_start
from canlian.programs.choices import OPEN_STATUSES, LineStatus
from canlian.programs.cycles.actions import FROZEN
from canlian.programs.models import Enrollment, PaymentCycle, PaymentLine


@dataclass
class DemoMatchingResult:
    region_code: str
    uploads: dict[str, tuple[int, int]] = field(default_factory=dict)
    findings: int = 0
    to_recover: str = "0.00"
    skipped: bool = False
    seconds: float = 0.0

    def __str__(self) -> str:
        if self.skipped:
            return f"data comparison: lists already uploaded in {self.region_code}; none generated"
        lists = ", ".join(f"{k} {kept}/{rejected} rejected" for k, (kept, rejected) in self.uploads.items())
        return (
            f"data comparison: {lists}; {self.findings} findings, {self.to_recover} yuan paid after death "
            f"to recover, in {self.seconds:.1f} s (files in var/demo/matching/)"
        )


def _write(path: Path, title: str, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title])
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def _stranger(region_code: str, n: int) -> str:
    body = f"{(region_code + '0102')[:6]}{1940 + n % 60}{1 + n % 12:02d}{1 + n % 28:02d}{900 + n % 100:03d}"
    return body + ric.calc_check_digit(body + "0")


def _paid_living(region_code: str, month: dt.date) -> Any:
    """People alive in the registry with a line paid for ``month`` in an approved cycle."""
    return (
        PaymentLine.objects.filter(
            region_code__startswith=region_code,
            period=month,
            cycle__status__in=FROZEN,
            person__life_status=LifeStatus.LIVING,
            enrollment__status="active",
        )
        .exclude(status=LineStatus.FAILED)
        .order_by("person_id")
        .values_list("person_id", flat=True)
        .distinct()
    )


def generate_demo_matching(*, region_code: str, today: dt.date | None = None) -> DemoMatchingResult:
    started = time.perf_counter()
    today = today or timezone.localdate()
    result = DemoMatchingResult(region_code=region_code)
    admin = User.objects.filter(username="shi_admin").first()
    if admin is None or ListUpload.objects.filter(region_code__startswith=region_code).exists():
        result.skipped = True
        return result
    folder = Path(settings.VAR_DIR) / "demo" / "matching"
    folder.mkdir(parents=True, exist_ok=True)
    this_month = month_start(today)
    last_month_end = this_month - dt.timedelta(days=1)
    first_cycle = (
        PaymentCycle.objects.filter(region_code__startswith=region_code, status__in=FROZEN)
        .order_by("month")
        .values_list("month", flat=True)
        .first()
    )
    used: set[int] = set()
    people = Person.objects.in_bulk

    def take(ids: Any, n: int) -> list[Person]:
        chosen = [i for i in ids[: n + 20] if i not in used][:n]
        used.update(chosen)
        found = people(chosen)
        return [found[i] for i in chosen]

    def upload(
        kind: str, department: str, path: Path, as_of: dt.date, region: str = region_code
    ) -> ListUpload:
        up = list_upload(
            actor=admin, region_code=region, department=department, list_kind=kind, as_of=as_of, path=path
        )
        result.uploads[f"{department}/{kind}"] = (up.row_count, up.rejected_count)

    # Deaths: paid after death (the first cycle month's 10th), one died this month, strangers, a bad row.
    header = ["序号", "姓名", "公民身份号码", "死亡日期", "火化状态"]
    rows: list[list[str]] = []
    if first_cycle is not None:
        died = first_cycle.replace(day=10)
        for person in take(list(_paid_living(region_code, add_months(first_cycle, 1))), 3):
            rows.append([str(len(rows) + 1), person.name, person.id_number, died.isoformat(), "已火化"])
        for person in take(list(_paid_living(region_code, first_cycle)), 1):
            day = max(this_month, today - dt.timedelta(days=1)) if today.day > 1 else today
            rows.append([str(len(rows) + 1), person.name, person.id_number, day.isoformat(), "已火化"])
    for n in range(40):
        rows.append(
            [
                str(len(rows) + 1),
                f"非登记{'甲乙丙丁戊'[n % 5]}{n}",
                _stranger(region_code, n),
                last_month_end.isoformat(),
                "已火化",
            ]
        )
    bad = _stranger(region_code, 99)
    rows.append(
        [
            str(len(rows) + 1),
            "错号",
            bad[:-1] + ("0" if bad[-1] != "0" else "1"),
            last_month_end.isoformat(),
            "已火化",
        ]
    )
    path = _write(
        folder / f"民政-死亡火化名单-{last_month_end:%Y%m}.csv", "民政局火化信息", header, rows, "gbk"
    )
    upload("deaths", "civil_affairs", path, today)

    # Moved out of the province.
    if first_cycle is not None:
        moved = take(list(_paid_living(region_code, add_months(first_cycle, 1))), 1)
        rows = [
            [str(i), p.name, p.id_number, add_months(first_cycle, 1).replace(day=5).isoformat(), "迁出省外"]
            for i, p in enumerate(moved, 1)
        ]
        if rows:
            path = _write(
                folder / f"公安-户籍迁出名单-{last_month_end:%Y%m}.csv",
                "公安局户籍迁出",
                ["序号", "姓名", "身份证号", "迁出日期", "迁往"],
                rows,
            )
            upload("moved_out", "public_security", path, last_month_end)

    # 低保: certified, living, not enrolled in the living subsidy; two enrolled; one misspelt name.
    certified = Certificate.objects.filter(
        person__region_code__startswith=region_code,
        state="active",
        valid_until__gte=today,
        issue_date__lte=today,
        person__life_status=LifeStatus.LIVING,
    )
    open_living = Enrollment.objects.filter(
        person_id=OuterRef("person_id"), program__code="living-subsidy", status__in=OPEN_STATUSES
    )
    not_enrolled = list(
        certified.filter(~Exists(open_living)).order_by("person_id").values_list("person_id", flat=True)[:60]
    )
    enrolled = list(
        certified.filter(Exists(open_living)).order_by("person_id").values_list("person_id", flat=True)[:60]
    )
    rows = []
    for person in take(not_enrolled, 3) + take(enrolled, 2):
        rows.append([str(len(rows) + 1), person.name, person.id_number, "2024-01-01", "城乡低保"])
    for person in take(enrolled, 1):
        rows.append([str(len(rows) + 1), person.name + "某", person.id_number, "2024-01-01", "城乡低保"])
    path = _write(
        folder / f"民政-低保名单-{last_month_end:%Y%m}.csv",
        "民政局城乡低保对象",
        ["序号", "姓名", "身份证号码", "认定日期", "保障类别"],
        rows,
        "gbk",
    )
    upload("dibao", "civil_affairs", path, last_month_end)

    # 三类户: two not flagged.
    flagged = HardshipStatus.objects.filter(
        person_id=OuterRef("person_id"), kind=HardshipKind.MONITORED, valid_to__isnull=True
    )
    unflagged = list(
        certified.filter(~Exists(flagged)).order_by("-person_id").values_list("person_id", flat=True)[:60]
    )
    rows = [
        [str(i), p.name, p.id_number, "2025-03-01", "边缘易致贫户"]
        for i, p in enumerate(take(unflagged, 2), 1)
    ]
    path = _write(
        folder / f"乡村振兴-防返贫监测对象-{last_month_end:%Y%m}.csv",
        "防止返贫动态监测对象",
        ["序号", "户主姓名", "身份证号", "识别日期", "监测对象类型"],
        rows,
    )
    upload("monitored", "rural", path, last_month_end)

    # One township: the medical-insurance list misses three certified people; no student list entry.
    township = (
        certified.values_list("person__region_code", flat=True).order_by("person__region_code").first()
        or region_code
    )[:9]
    in_town = list(
        certified.filter(person__region_code__startswith=township)
        .order_by("person_id")
        .select_related("person")
    )
    rows = [
        [str(i), c.person.name, c.person.id_number, "2026-01-01", "城乡居民医保"]
        for i, c in enumerate(in_town[3:], 1)
    ]
    if rows:
        path = _write(
            folder / f"医保-参保名单-{township}.csv",
            "医保局参保人员",
            ["序号", "姓名", "身份证号", "参保日期", "险种"],
            rows,
        )
        upload("medical_insurance", "medical_insurance", path, last_month_end, region=township)
    adults = [c.person for c in in_town if c.person.birth_date < dt.date(today.year - 18, 1, 1)][:3]
    rows = [[str(i), p.name, p.id_number, "", "在校"] for i, p in enumerate(adults, 1)]
    if rows:
        path = _write(
            folder / f"教育-在校学生名单-{township}.csv",
            "教育局学籍",
            ["序号", "姓名", "身份证号", "入学日期", "状态"],
            rows,
        )
        upload("students", "education", path, last_month_end, region=township)

    found = Finding.objects.filter(region_code__startswith=region_code)
    result.findings = found.count()
    result.to_recover = str(sum((f.amount for f in found.filter(rule__code="death-still-paid")), 0))
    result.seconds = time.perf_counter() - started
    return result
