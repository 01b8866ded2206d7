"""Region A's settlement objects for tests/test_authorization.py's world: ``build`` returns them under
their URL keyword names (``rule_id``, ``batch_id``); ``snapshot`` returns what must not change when a
refused request is made."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any


def build(*, owner: Any, person: Any, make_user: Any) -> dict[str, Any]:
    from canlian.core.institutions.models import Institution
    from canlian.domains.rehab.models import (
        Attendance,
        RehabPlan,
        SettlementBatch,
        SettlementLine,
        SettlementRule,
    )
    from canlian.programs.models import Enrollment, Program

    program, _ = Program.objects.get_or_create(
        code="child-rehab",
        defaults={"name": "残疾儿童康复救助", "kind": "settlement", "family": "child-rehab"},
    )
    institution = Institution.objects.create(
        code="MARKER-SETTLE-INST-A",
        name="东营区康复中心",
        kind="rehab",
        region_code="370502",
        bank_account="6222020000000005678",
    )
    enrollment = Enrollment.objects.create(
        program=program,
        person=person,
        region_code=person.region_code,
        status="active",
        applied_on=dt.date(2026, 1, 5),
        application_month=dt.date(2026, 1, 1),
    )
    plan = RehabPlan.objects.create(
        enrollment=enrollment,
        person=person,
        region_code=person.region_code,
        institution=institution,
        year=2026,
        category="2",
        mode="centre",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
    )
    Attendance.objects.bulk_create(
        Attendance(plan=plan, institution=institution, region_code=plan.region_code, on=dt.date(2026, 1, d))
        for d in range(1, 11)
    )
    rule = SettlementRule.objects.create(
        program=program,
        region_code="370502",
        valid_from=dt.date(2026, 1, 1),
        family="per_month",
        amount=Decimal("1500.00"),
        min_days=1,
        max_months=10,
    )
    batch = SettlementBatch.objects.create(
        program=program,
        institution=institution,
        region_code="370502",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 1, 31),
        generated_by=owner,
        line_count=1,
        total_amount=Decimal("1500.00"),
    )
    SettlementLine.objects.create(
        batch=batch,
        plan=plan,
        person=person,
        institution=institution,
        region_code=plan.region_code,
        rule=rule,
        family="per_month",
        days=10,
        year_days=10,
        months=1,
        training_amount=Decimal("1500.00"),
        amount=Decimal("1500.00"),
        detail={},
    )
    return {"rule_id": rule, "batch_id": batch}


def snapshot() -> tuple[Any, ...]:
    from canlian.domains.rehab.models import SettlementBatch, SettlementLine, SettlementRule

    return (
        tuple(SettlementRule.objects.order_by("pk").values_list("pk", "valid_from", "valid_to", "amount")),
        tuple(
            SettlementBatch.objects.order_by("pk").values_list(
                "pk", "status", "approved_by", "paid_on", "line_count", "total_amount", "generated_at"
            )
        ),
        tuple(SettlementLine.objects.order_by("pk").values_list("pk", "batch_id", "amount")),
    )
