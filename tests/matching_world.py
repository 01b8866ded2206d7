"""Data comparison for tests: department list files, a small world of people with enrollments and
approved payments, and region A's objects (东营区 370502) for tests/test_authorization.py's world:
``build`` returns them under their URL keyword names; ``snapshot`` returns what a refused request
must leave unchanged."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

D = dt.date
AS_OF = D(2026, 11, 30)
HEADER = ["序号", "姓名", "公民身份号码", "死亡日期", "状态"]


def list_file(
    rows: list[list[str]],
    *,
    header: list[str] | None = None,
    encoding: str = "utf-8",
    folder: Any = None,
    name: str = "list.csv",
) -> Path:
    """A CSV list as a department sends it (title line, header, rows) in ``encoding``."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["民政部门名单"])
    writer.writerow(header or HEADER)
    writer.writerows(rows)
    folder = Path(folder or tempfile.mkdtemp())
    path = folder / name
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def death_row(person: Any, died: str, n: int = 1, name: str | None = None) -> list[str]:
    return [str(n), name or person.name, person.id_number, died, "死亡"]


def upload(
    actor: Any,
    kind: str,
    rows: list[list[str]],
    *,
    department: str = "civil_affairs",
    region_code: str = "3705",
    as_of: dt.date = AS_OF,
    header: list[str] | None = None,
    **kw: Any,
):
    from canlian.domains.matching.actions import list_upload

    path = list_file(rows, header=header)
    return list_upload(
        actor=actor,
        region_code=region_code,
        department=department,
        list_kind=kind,
        as_of=as_of,
        path=path,
        **kw,
    )


def build(*, owner: Any, person: Any, make_user: Any) -> dict[str, Any]:
    """A 低保 list of region A naming the world's person (certified, not enrolled): one finding."""
    from canlian.domains.matching.models import Finding

    up = upload(
        owner,
        "dibao",
        [["1", "MARKER-MATCH-A", person.id_number, "", "低保"]],
        region_code="370502",
        as_of=D(2026, 10, 31),
    )
    finding = Finding.objects.filter(upload=up).order_by("pk").first()
    from canlian.domains.matching.monitoring import monitoring_open

    case = monitoring_open(
        actor=owner,
        person_id=person.pk,
        monitored_type="marginal",
        risk_causes=["illness"],
        started_on=D(2026, 9, 1),
        note="MARKER-MATCH-A 监测",
    )
    # A list loaded by a job (its page and the API's job view); not compared, so it raises nothing.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from canlian.core.jobs.runner import run_job
    from canlian.domains.matching.actions import list_upload_submit

    job_file = list_file([["1", "MARKER-MATCH-A", person.id_number, "", "低保"]], name="job.csv")
    job = list_upload_submit(
        actor=owner,
        region_code="370502",
        department="civil_affairs",
        list_kind="dibao",
        as_of=D(2026, 10, 31),
        upload=SimpleUploadedFile("job.csv", job_file.read_bytes()),
        run=False,
    )
    run_job(job.pk)
    job.refresh_from_db()
    out: dict[str, Any] = {"list_upload_id": up, "monitoring_case_id": case, "list_job_id": job}
    if finding is not None:
        out["finding_id"] = finding
    return out


#: Text of region A's objects that no page of another region may show.
MARKERS: tuple[str, ...] = ("MARKER-MATCH-A",)


def snapshot() -> tuple[Any, ...]:
    from canlian.domains.matching.models import (
        AssistanceMeasure,
        ComparisonRule,
        ComparisonRun,
        Finding,
        ListRow,
        ListSource,
        ListUpload,
        MonitoringCase,
        MonitoringVisit,
    )

    return (
        tuple(Finding.objects.order_by("pk").values_list("pk", "status", "outcome", "amount")),
        tuple(ListUpload.objects.order_by("pk").values_list("pk", "status", "row_count")),
        ListRow.objects.count(),
        ComparisonRun.objects.count(),
        tuple(ListSource.objects.order_by("pk").values_list("pk", "mapping", "retention_days")),
        ComparisonRule.objects.count(),
        tuple(MonitoringCase.objects.order_by("pk").values_list("pk", "status", "next_visit_due", "exit_on")),
        MonitoringVisit.objects.count(),
        AssistanceMeasure.objects.count(),
    )
