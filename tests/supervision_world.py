"""Supervision objects for tests: a helper scoring the standard checklist, and region A's objects
(东营区 370502) for tests/test_authorization.py's world: ``build`` returns them under their URL
keyword names; ``snapshot`` returns what must not change when a refused request is made."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

_seq = itertools.count(1)


def institution(region_code: str = "370502", *, name: str | None = None, status: str = "active"):
    """A designated rehabilitation institution made with the ORM (status since 2025-01-01, so dated
    status changes of 2026 may follow)."""
    from canlian.core.institutions.models import Institution

    n = next(_seq)
    return Institution.objects.create(
        code=f"SUP-{region_code}-{n}",
        name=name or f"督导康复中心{n}",
        kind="rehab",
        region_code=region_code,
        status=status,
        status_since=dt.date(2025, 1, 1),
    )


def scores(
    lost: dict[int, Decimal | str] | None = None, findings: dict[int, str] | None = None
) -> list[dict]:
    """Full marks on the standard checklist, except ``lost`` {item number: points lost}."""
    from canlian.domains.supervision.actions import default_template

    lost = lost or {}
    findings = findings or {}
    rows = []
    for item in default_template().items.order_by("number"):
        rows.append(
            {
                "item": item.pk,
                "score": item.max_score - Decimal(str(lost.get(item.number, 0))),
                "finding": findings.get(item.number, ""),
            }
        )
    return rows


def build(*, owner: Any, person: Any, make_user: Any) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from canlian.domains.supervision import actions

    inst = institution("370502", name="MARKER-SUP-A 康复中心")
    plan = actions.plan_create(
        actor=owner,
        title="MARKER-SUP-A 2026年检查计划",
        year=2026,
        quarter=3,
        region_code="370502",
        kind="unannounced",
        institution_ids=[inst.pk],
    )
    items = scores({5: 4}, {5: "MARKER-SUP-A 考勤与签到不符"})
    items[4]["photo"] = SimpleUploadedFile("attendance.jpg", b"\xff\xd8\xff photo")
    inspection = actions.inspection_record(
        actor=owner,
        institution_id=inst.pk,
        inspected_on=dt.date(2026, 9, 25),
        items=items,
        inspectors="检查员甲、检查员乙",
        summary="MARKER-SUP-A",
        plan_id=plan.pk,
    )
    notice = actions.notice_issue(
        actor=owner,
        inspection_id=inspection.pk,
        problems="MARKER-SUP-A 考勤记录与实际不符",
        working_days=5,
        issued_on=dt.date(2026, 9, 28),
    )
    item = inspection.items.get(checklist_item__number=5)
    return {
        "inspection_plan_id": plan,
        "inspection_id": inspection,
        "notice_id": notice,
        "inspection_item_id": item,
    }


def snapshot() -> tuple[Any, ...]:
    from canlian.core.institutions.models import Institution, InstitutionStatusChange
    from canlian.domains.supervision.models import (
        Inspection,
        InspectionPlan,
        NoticeEvent,
        RectificationNotice,
    )

    return (
        tuple(InspectionPlan.objects.order_by("pk").values_list("pk", "status", "title")),
        tuple(Inspection.objects.order_by("pk").values_list("pk", "score", "summary")),
        tuple(
            RectificationNotice.objects.order_by("pk").values_list(
                "pk", "status", "due_on", "response", "closed_on", "escalated_to"
            )
        ),
        NoticeEvent.objects.count(),
        tuple(Institution.objects.order_by("pk").values_list("pk", "status", "rating_score")),
        InstitutionStatusChange.objects.count(),
    )
