from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from canlian.core.accounts.actions import user_change_own_password
from canlian.core.jobs.models import Job
from canlian.core.permissions import Perm, Role
from canlian.core.regions.choices import RegionLevel
from canlian.core.regions.models import Region
from canlian.platform.errors import ValidationFailed
from canlian.platform.views import CanlianView, form_error_from


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class HomeView(CanlianView):
    """The signed-in user's home: their roles and regions, the regions below, recent jobs."""

    required_permission = None

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        assignments = list(user.role_assignments.select_related("region").order_by("region_code"))
        regions = []
        for assignment in assignments:
            region = assignment.region
            below = (
                Region.objects.active()
                .subtree(region.code)
                .exclude(pk=region.pk)
                .values("level")
                .annotate(n=Count("id"))
                .order_by("level")
            )
            regions.append(
                {
                    "assignment": assignment,
                    "region": region,
                    "path": _region_path(region),
                    "below": [(RegionLevel(row["level"]).label, row["n"]) for row in below],
                    "children": Region.objects.active().filter(parent=region).order_by("code")[:12],
                }
            )
        jobs = []
        if user.has_canlian_perm(Perm.JOBS_VIEW):
            jobs = list(Job.objects.for_user(user, Perm.JOBS_VIEW).select_related("actor")[:5])
        return render(
            request, "web/home.html", {"regions": regions, "jobs": jobs, "role_labels": dict(Role.choices)}
        )


def _region_path(region: Region) -> list[Region]:
    codes = region.ancestor_codes()
    ancestors = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [ancestors[c] for c in codes if c in ancestors] + [region]


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
