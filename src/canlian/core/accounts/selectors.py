"""Reads of users and role assignments, in the reader's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from canlian.core.accounts.models import RoleAssignment, User


def users_visible(
    *,
    user: Any,
    q: str = "",
    role: str = "",
    region_code: str = "",
    active: str = "",
    permission: str = "accounts.view",
) -> QuerySet[User]:
    qs = User.objects.for_user(user, permission)
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    if role or region_code:
        inner = RoleAssignment.objects.all()
        if role:
            inner = inner.filter(role=role)
        if region_code:
            inner = inner.filter(region_code__startswith=region_code)
        qs = qs.filter(pk__in=inner.values("user_id"))
    if active in ("1", "0"):
        qs = qs.filter(is_active=active == "1")
    return qs.prefetch_related(
        Prefetch(
            "role_assignments",
            queryset=RoleAssignment.objects.select_related("region").order_by("region_code"),
        )
    ).order_by("username")
