"""Reads of settlement: rules (rehab.view by region), batches and lines (rehab.view: federation users
by the institution's region, institution staff their own institution's only)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from canlian.core.institutions.models import Institution
from canlian.core.permissions import Perm
from canlian.domains.rehab.choices import PROGRAM_CODE
from canlian.domains.rehab.models import SettlementBatch, SettlementLine, SettlementRule

VIEW = Perm.REHAB_VIEW


def rules_visible(*, user: Any, family: str = "", current_only: bool = False, on: Any = None) -> QuerySet:
    """Rules the user may see: those of regions in scope and every wider region above them (a
    county sees the province's and the national rules that apply to its children)."""
    qs = (
        SettlementRule.objects.for_user(user, VIEW)
        .filter(program__code=PROGRAM_CODE)
        .select_related("program")
    )
    if family:
        qs = qs.filter(family=family)
    if current_only and on is not None:
        qs = qs.filter(valid_from__lte=on).exclude(valid_to__lt=on)
    return qs.order_by("region_code", "-valid_from", "family", "id")


def rule_get(*, user: Any, rule_id: Any) -> SettlementRule:
    from canlian.platform.errors import NotFound

    try:
        return rules_visible(user=user).get(pk=rule_id)
    except (SettlementRule.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def batches_visible(
    *, user: Any, status: str = "", institution_id: Any = None, year: Any = None, action: str = VIEW
) -> QuerySet:
    qs = SettlementBatch.objects.for_user(user, action).select_related(
        "institution", "generated_by", "approved_by", "program"
    )
    if status:
        qs = qs.filter(status=status)
    if institution_id not in (None, ""):
        try:
            qs = qs.filter(institution_id=int(institution_id))
        except (TypeError, ValueError):
            qs = qs.none()
    if year not in (None, ""):
        try:
            qs = qs.filter(period_start__year=int(year))
        except (TypeError, ValueError):
            qs = qs.none()
    return qs


def batch_get(*, user: Any, batch_id: Any, action: str = VIEW) -> SettlementBatch:
    return SettlementBatch.objects.select_related(
        "institution", "generated_by", "approved_by", "program"
    ).get_for_user(user, action, pk=batch_id)


def lines_of(*, batch: SettlementBatch) -> QuerySet:
    """A batch's lines (the caller has fetched the batch through ``batch_get``)."""
    return (
        SettlementLine.objects.filter(batch=batch)
        .select_related("person", "rule", "plan")
        .order_by("person__name", "person_id", "rule_id", "id")
    )


def institutions_for_generation(*, user: Any) -> QuerySet:
    """Institutions in the user's scope for settlements.generate."""
    return Institution.objects.for_user(user, Perm.SETTLEMENTS_GENERATE).order_by("region_code", "name")
