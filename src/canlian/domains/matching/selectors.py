"""Every read of data comparison, starting from the models' ``for_user``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from canlian.core.permissions import Perm
from canlian.domains.matching.choices import FindingStatus
from canlian.domains.matching.models import ComparisonRule, ComparisonRun, Finding, ListRow, ListUpload


def findings_visible(
    *,
    user: Any,
    status: str = "",
    rule_id: int | None = None,
    upload_id: int | None = None,
    overdue: bool = False,
    today: Any = None,
) -> QuerySet:
    rows = Finding.objects.for_user(user, Perm.MATCHING_VIEW).select_related("rule", "person")
    if status in FindingStatus.values:
        rows = rows.filter(status=status)
    if rule_id:
        rows = rows.filter(rule_id=rule_id)
    if upload_id:
        rows = rows.filter(upload_id=upload_id)
    if overdue and today is not None:
        rows = rows.filter(status=FindingStatus.OPEN, due_on__lt=today)
    return rows


def uploads_visible(*, user: Any) -> QuerySet:
    return ListUpload.objects.for_user(user, Perm.MATCHING_LISTS).select_related("source")


def list_rows_visible(*, user: Any, upload_id: int) -> QuerySet:
    """A list's rows: only for holders of ``matching.lists`` over the list's region."""
    return ListRow.objects.for_user(user, Perm.MATCHING_LISTS).filter(upload_id=upload_id)


def runs_visible(*, user: Any) -> QuerySet:
    return ComparisonRun.objects.for_user(user, Perm.MATCHING_VIEW).select_related("upload", "upload__source")


def rules_visible(*, user: Any) -> QuerySet:
    return ComparisonRule.objects.for_user(user, Perm.MATCHING_VIEW)


def finding_counts(*, user: Any) -> dict[str, int]:
    from django.db.models import Count

    rows = Finding.objects.for_user(user, Perm.MATCHING_VIEW).values("status").annotate(n=Count("id"))
    return {r["status"]: r["n"] for r in rows}


def cases_visible(*, user: Any, state: str = "monitored", today: Any = None) -> QuerySet:
    """Monitored households: ``monitored``, ``overdue`` (a visit past due), ``exited`` or ``all``."""
    from canlian.domains.matching.choices import MonitoringStatus
    from canlian.domains.matching.models import MonitoringCase

    rows = MonitoringCase.objects.for_user(user, Perm.MATCHING_VIEW).select_related("person")
    if state == "monitored":
        rows = rows.filter(status=MonitoringStatus.MONITORED)
    elif state == "overdue" and today is not None:
        rows = rows.filter(status=MonitoringStatus.MONITORED, next_visit_due__lt=today)
    elif state == "exited":
        rows = rows.filter(status=MonitoringStatus.EXITED)
    return rows
