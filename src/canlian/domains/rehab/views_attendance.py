"""The attendance pages: the institutions a user records for, the fast tablet sign-in page of one
institution and day (a tap toggles a child's sign-in through htmx and returns the row), "sign in all
present", and the upload of an attendance sheet.

A day outside a child's paid window is refused with the action's message in the child's tile. On a
public holiday a tap first asks for a confirmation (the tile comes back with a "confirm" button that
posts ``confirm_holiday``), and "sign in all" says it confirms the holiday."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.permissions import Perm
from canlian.domains.rehab import actions, selectors
from canlian.domains.rehab.attendance_import import attendance_import
from canlian.domains.rehab.attendance_rules import HOLIDAY_UNCONFIRMED
from canlian.domains.rehab.choices import AttendanceSource
from canlian.domains.rehab.forms import AttendanceUploadForm
from canlian.domains.rehab.models import RehabPlan
from canlian.platform.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from canlian.platform.views import CanlianView, form_error_from


def _confirmed(request: HttpRequest) -> bool:
    return request.POST.get("confirm_holiday", "") in ("1", "true", "on", "yes")


def _day(raw: str | None) -> dt.date:
    today = timezone.localdate()
    if not raw:
        return today
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        return today


class AttendanceIndexView(CanlianView):
    """The institutions whose attendance the user may record (an institution's staff: their own)."""

    required_permission = Perm.REHAB_ATTENDANCE

    def get(self, request: HttpRequest) -> HttpResponse:
        institutions = list(selectors.attendance_institutions(user=request.user).order_by("name")[:500])
        if len(institutions) == 1 and request.user.scope_for(Perm.REHAB_ATTENDANCE).is_empty:
            # An institution's staff have one institution: straight to today's sign-in page.
            return redirect("rehab:attendance-tablet", institution_id=institutions[0].pk)
        return render(
            request,
            "rehab/attendance_index.html",
            {"institutions": institutions, "today": timezone.localdate()},
        )


class AttendanceTabletView(CanlianView):
    """One institution's children with a plan on the day, big tap targets: a tap toggles the sign-in
    (htmx POST, the row comes back). Two queries whatever the number of children."""

    required_permission = Perm.REHAB_ATTENDANCE

    def get(self, request: HttpRequest, institution_id: int) -> HttpResponse:
        institution = selectors.attendance_institution_get(user=request.user, institution_id=institution_id)
        day = _day(request.GET.get("on"))
        return self._page(request, institution, day)

    def _page(self, request: HttpRequest, institution, day: dt.date, status: int = 200) -> HttpResponse:
        rows = selectors.tablet_rows(institution=institution, day=day)
        today = timezone.localdate()
        return render(
            request,
            "rehab/attendance_tablet.html",
            {
                "institution": institution,
                "day": day,
                "day_iso": day.isoformat(),
                "toggle_url": reverse("rehab:attendance-tablet", kwargs={"institution_id": institution.pk}),
                "rows": rows,
                "signed": sum(1 for r in rows if r.signed),
                "holiday": selectors.tablet_holiday(day=day),
                "prev_day": day - dt.timedelta(days=1),
                "next_day": day + dt.timedelta(days=1) if day < today else None,
                "today": today,
                "future": day > today,
            },
            status=status,
        )

    def post(self, request: HttpRequest, institution_id: int) -> HttpResponse:
        """Toggle one child's sign-in (``plan``, ``on``); returns the row partial (htmx) or the page."""
        institution = selectors.attendance_institution_get(user=request.user, institution_id=institution_id)
        day = _day(request.POST.get("on"))
        try:
            plan = RehabPlan.objects.select_related("person").get(
                pk=int(request.POST.get("plan", "")), institution=institution
            )
        except (RehabPlan.DoesNotExist, ValueError, TypeError) as exc:
            raise NotFound() from exc
        signed = plan.attendance.filter(on=day).exists()
        error = confirm = ""
        try:
            if signed:
                actions.attendance_remove(actor=request.user, plan_id=plan.pk, day=day)
            else:
                actions.rehab_attendance_record(
                    actor=request.user,
                    plan_id=plan.pk,
                    days=[day],
                    source=AttendanceSource.PAGE,
                    confirm_holiday=_confirmed(request),
                )
            signed = not signed
        except (NotFound, PermissionDenied):
            raise
        except ValidationFailed as exc:
            message = exc.errors[0].message if exc.errors else exc.message
            if exc.code == HOLIDAY_UNCONFIRMED:
                confirm = message  # a step, not an error: the tile asks for the confirmation
            else:
                error = message
        except DomainError as exc:
            error = exc.message
        if request.htmx:
            return render(
                request,
                "rehab/attendance_tablet.html#row",
                {
                    "row": selectors.TabletRow(plan=plan, signed=signed),
                    "day": day,
                    "day_iso": day.isoformat(),
                    "toggle_url": reverse(
                        "rehab:attendance-tablet", kwargs={"institution_id": institution.pk}
                    ),
                    "institution": institution,
                    "error": error,
                    "confirm": confirm,
                },
                status=200 if not error else 400,
            )
        if error or confirm:
            messages.error(request, error or confirm)
        return redirect(
            reverse("rehab:attendance-tablet", kwargs={"institution_id": institution.pk})
            + f"?on={day.isoformat()}"
        )


class AttendanceAllView(CanlianView):
    """Sign in every child with a plan on the day at once (the idempotent bulk write)."""

    required_permission = Perm.REHAB_ATTENDANCE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, institution_id: int) -> HttpResponse:
        institution = selectors.attendance_institution_get(user=request.user, institution_id=institution_id)
        day = _day(request.POST.get("on"))
        # The children whose paid window holds the day (the others' tiles say why not).
        rows = [
            {"plan_id": r.plan.pk, "on": day}
            for r in selectors.tablet_rows(institution=institution, day=day)
            if not r.outside
        ]
        try:
            added = actions.attendance_bulk(
                actor=request.user,
                institution_id=institution.pk,
                rows=rows,
                source=AttendanceSource.PAGE,
                confirm_holiday=_confirmed(request),
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(n)s children signed in.") % {"n": added})
        return redirect(
            reverse("rehab:attendance-tablet", kwargs={"institution_id": institution.pk})
            + f"?on={day.isoformat()}"
        )


class AttendanceUploadView(CanlianView):
    """Upload an attendance sheet: all or nothing, every bad row named with its column."""

    required_permission = Perm.REHAB_ATTENDANCE

    def get(self, request: HttpRequest, institution_id: int) -> HttpResponse:
        institution = selectors.attendance_institution_get(user=request.user, institution_id=institution_id)
        return render(
            request,
            "rehab/attendance_upload.html",
            {"institution": institution, "form": AttendanceUploadForm()},
        )

    def post(self, request: HttpRequest, institution_id: int) -> HttpResponse:
        institution = selectors.attendance_institution_get(user=request.user, institution_id=institution_id)
        form = AttendanceUploadForm(request.POST, request.FILES)
        errors = []
        if form.is_valid():
            upload = form.cleaned_data["file"]
            suffix = Path(upload.name).suffix.lower()
            try:
                with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
                    handle.flush()
                    result = attendance_import(
                        actor=request.user,
                        institution_id=institution.pk,
                        path=handle.name,
                        name=upload.name,
                        month=form.cleaned_data["month"] or None,
                        holidays_confirmed=form.cleaned_data["holidays_confirmed"],
                    )
            except (NotFound, PermissionDenied):
                raise
            except ValidationFailed as exc:
                errors = exc.errors
                if not errors:
                    form_error_from(form, exc)
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                messages.success(
                    request,
                    _("%(rows)s child-days read: %(added)s recorded, %(skipped)s already recorded.") % result,
                )
                return redirect("rehab:attendance-upload", institution_id=institution.pk)
        return render(
            request,
            "rehab/attendance_upload.html",
            {"institution": institution, "form": form, "errors": errors},
            status=400 if errors or form.errors else 200,
        )
