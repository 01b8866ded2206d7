"""Reads of recovery items (追缴): scoped by the item's region (``payments.view``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from canlian.core.permissions import Perm
from canlian.programs.models import RecoveryItem


def recoveries_visible(
    *, user: Any, program: str = "", status: str = "", region: str = ""
) -> QuerySet[RecoveryItem]:
    qs = RecoveryItem.objects.for_user(user, Perm.PAYMENTS_VIEW).select_related(
        "program", "person", "resolved_by"
    )
    if program:
        qs = qs.filter(program__code=program)
    if status:
        qs = qs.filter(status=status)
    if region:
        qs = qs.filter(region_code__startswith=region)
    return qs.order_by("-id")


def recovery_for_user(*, user: Any, item_id: Any) -> RecoveryItem:
    return recoveries_visible(user=user).get_for_user(user, Perm.PAYMENTS_VIEW, pk=item_id)
