from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.core.accounts.actions import user_change_own_password
from canlian.core.jobs.choices import ACTIVE_STATUSES
from canlian.core.jobs.models import Job
from canlian.core.permissions import Perm, Role
from canlian.core.regions.models import Region
from canlian.platform.errors import ValidationFailed
from canlian.platform.views import CanlianView, form_error_from
from canlian.reporting.steering.selectors import dashboard
from canlian.reporting.steering.todo import todo_for


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


#: Roles whose home page leads with the region's dashboard (leaders and administrators above the county).
DASHBOARD_ROLES = frozenset({Role.LEADER, Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.SYSADMIN})
#: Sub-regions named under each of the user's regions.
CHILDREN_SHOWN = 12


class HomeView(CanlianView):
    """The signed-in user's home: today's work as counts that open their lists (日管控), the region's
    dashboard cards for a leader or an administrator above the county, the jobs in progress, and a
    line naming the user's roles and regions. A fixed number of queries, whatever the data."""

    required_permission = None

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        today = timezone.localdate()
        items = todo_for(user, today)
        board = None
        if _sees_dashboard(user):
            board = dashboard(user=user, today=today)
        jobs = []
        if user.has_canlian_perm(Perm.JOBS_VIEW):
            jobs = list(
                Job.objects.for_user(user, Perm.JOBS_VIEW)
                .filter(status__in=ACTIVE_STATUSES)
                .select_related("actor")
                .order_by("-created_at", "-id")[:5]
            )
        return render(
            request,
            "web/home.html",
            {
                "regions": _regions(user),
                "due": [i for i in items if i.count is None or i.count > 0],
                "clear": [i for i in items if i.count == 0],
                "board": board,
                "jobs": jobs,
                "today": today,
            },
        )


def _sees_dashboard(user: Any) -> bool:
    if not user.has_canlian_perm(Perm.STEERING_VIEW):
        return False
    return bool(user.is_superuser or user.roles() & DASHBOARD_ROLES)


def _regions(user: Any) -> list[dict[str, Any]]:
    """Each role assignment with its region's path and first sub-regions: three queries in all."""
    assignments = list(user.role_assignments.select_related("region", "institution").order_by("region_code"))
    if not assignments:
        return []
    ancestor_codes = {c for a in assignments for c in a.region.ancestor_codes()}
    names = dict(Region.objects.filter(code__in=ancestor_codes).values_list("code", "name"))
    children: dict[int, list[Region]] = {}
    below = Region.objects.active().filter(parent__in=[a.region_id for a in assignments]).order_by("code")
    for child in below:
        children.setdefault(child.parent_id, []).append(child)
    return [
        {
            "assignment": a,
            "region": a.region,
            "path": [names[c] for c in a.region.ancestor_codes() if c in names],
            "children": children.get(a.region_id, [])[:CHILDREN_SHOWN],
            "more_children": max(0, len(children.get(a.region_id, [])) - CHILDREN_SHOWN),
        }
        for a in assignments
    ]


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Current password"), widget=forms.PasswordInput)
    new_password1 = forms.CharField(label=_("New password"), widget=forms.PasswordInput)
    new_password2 = forms.CharField(label=_("New password again"), widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two new passwords differ."))
        return data


class PasswordChangeView(CanlianView):
    required_permission = None

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "web/password_change.html", {"form": PasswordChangeForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PasswordChangeForm(request.POST)
        if form.is_valid():
            try:
                user = user_change_own_password(
                    user=request.user,
                    old_password=form.cleaned_data["old_password"],
                    new_password=form.cleaned_data["new_password1"],
                )
            except ValidationFailed as exc:
                form_error_from(form, exc)
            else:
                update_session_auth_hash(request, user)
                messages.success(request, _("Your password was changed."))
                return redirect("home")
        return render(request, "web/password_change.html", {"form": form})


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for a load balancer: the database answers."""
    Region.objects.exists()
    return JsonResponse({"status": "ok"})
