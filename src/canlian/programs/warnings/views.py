"""Pages of warnings and gaps (issue 4, item 5): per program, the active enrollments a county worker
should stop (with a one-click stop per row, through ``enrollments.enrollment_stop``), and the people
who meet the rules but are not enrolled (应享未享), with a link to start their application."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.accounts.forms import RegionBoundForm
from canlian.core.permissions import Perm
from canlian.core.regions.forms import RegionField
from canlian.core.registry.choices import Category, Grade, HardshipKind
from canlian.core.registry.identity import mask_id
from canlian.core.registry.selectors import region_names
from canlian.platform.errors import DomainError, NotFound, PermissionDenied
from canlian.platform.forms import month_field
from canlian.platform.views import CanlianView, keyset_page
from canlian.programs.choices import StopReason
from canlian.programs.eligibility import program_by_code
from canlian.programs.enrollments import enrollment_stop
from canlian.programs.models import Enrollment, Program
from canlian.programs.warnings import selectors as warnings

PER_PAGE = 50


def _region_label(code: str, names: dict[str, str]) -> str:
    parts = [names[code[:n]] for n in (6, 9, 12) if len(code) >= n and code[:n] in names]
    return " ".join(parts[-2:]) if parts else code


def _region_codes(codes: list[str]) -> set[str]:
    return {c[:n] for c in codes for n in (6, 9, 12) if len(c) >= n}


class WarningFilterForm(RegionBoundForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("Warning"),
        choices=[("", gettext_lazy("All")), *warnings.WarningKind.choices()],
        required=False,
    )
    region = RegionField(label=gettext_lazy("Region"), required=False, permission=Perm.ENROLLMENTS_VIEW)
    days = forms.TypedChoiceField(
        label=gettext_lazy("Certificates expiring within (days)"),
        choices=[(d, d) for d in warnings.EXPIRING_CHOICES],
        coerce=int,
        required=False,
        empty_value=warnings.EXPIRING_DAYS,
    )


class GapFilterForm(RegionBoundForm):
    region = RegionField(label=gettext_lazy("Region"), required=False, permission=Perm.ENROLLMENTS_VIEW)


class StopForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=StopReason.choices)
    stopped_from = month_field(gettext_lazy("Stop from (first month not paid)"))
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


def _program(code: str) -> Program:
    return program_by_code(code)


class WarningIndexView(CanlianView):
    """The programs, each with links to its warnings and its gaps."""

    required_permission = Perm.ENROLLMENTS_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        programs = Program.objects.active().order_by("code")
        return render(request, "programs/warnings/index.html", {"programs": programs})


class WarningListView(CanlianView):
    required_permission = Perm.ENROLLMENTS_VIEW

    def get(self, request: HttpRequest, program_code: str) -> HttpResponse:
        program = _program(program_code)
        query = request.GET.copy()
        query.setdefault("days", str(warnings.EXPIRING_DAYS))
        form = WarningFilterForm(query, request=request)
        data = form.cleaned_data if form.is_valid() else {}
        region = data.get("region")
        days = data.get("days") or warnings.EXPIRING_DAYS
        kind = data.get("kind", "") or ""
        rows = warnings.enrollment_warnings(
            user=request.user,
            program=program,
            kind=kind,
            region=region.code if region else "",
            expiring_days=days,
        )
        page = keyset_page(request, rows, PER_PAGE)
        warnings.decorate_warnings(page.items, kind=kind, expiring_days=days)
        stop_scope_ids = set()
        if request.user.has_canlian_perm(Perm.ENROLLMENTS_STOP):
            stop_scope_ids = set(
                Enrollment.objects.for_user(request.user, Perm.ENROLLMENTS_STOP)
                .filter(pk__in=[e.pk for e in page.items])
                .values_list("pk", flat=True)
            )
        names = region_names(_region_codes([e.region_code for e in page.items]))
        for e in page.items:
            e.masked_id = mask_id(e.person.id_number)
            e.region_label = _region_label(e.region_code, names)
            e.can_stop = e.pk in stop_scope_ids
            e.reason_label = StopReason(e.warning_reason).label
        return render(
            request,
            "programs/warnings/list.html",
            {
                "program": program,
                "form": form,
                "page": page,
                "reasons": StopReason.choices,
                "next": request.get_full_path(),
                "today": timezone.localdate(),
            },
        )


class WarningStopView(CanlianView):
    """POST-only: stop one enrollment from the warnings list (reason and month prefilled)."""

    required_permission = Perm.ENROLLMENTS_STOP
    http_method_names = ["post"]

    def post(self, request: HttpRequest, enrollment_id: int) -> HttpResponse:
        enrollment = Enrollment.objects.select_related("program", "person").get_for_user(
            request.user, Perm.ENROLLMENTS_STOP, pk=enrollment_id
        )
        form = StopForm(request.POST)
        back = form.data.get("next") or ""
        if not back or not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("programs:warning-list", kwargs={"program_code": enrollment.program.code})
        if not form.is_valid():
            for field, errors in form.errors.items():
                messages.error(
                    request, f"{form.fields[field].label if field in form.fields else ''}: {' '.join(errors)}"
                )
            return redirect(back)
        d = form.cleaned_data
        month: dt.date = d["stopped_from"].replace(day=1)
        try:
            enrollment_stop(
                actor=request.user,
                enrollment_id=enrollment.pk,
                reason=d["reason"],
                stopped_from=month,
                note=d["note"],
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("%(name)s: stopped from %(month)s.")
                % {"name": enrollment.person.name, "month": f"{month:%Y-%m}"},
            )
        return redirect(back)


def application_url(person_id: int, program_code: str) -> str:
    """The application page (``programs:enrollment-apply``), prefilled with the person and program."""
    try:
        base = reverse("programs:enrollment-apply")
    except NoReverseMatch:  # pragma: no cover - the page ships with the engine
        return ""
    return f"{base}?person={person_id}&program={program_code}"


class GapListView(CanlianView):
    """应享未享: people in scope who meet the rules today but are not enrolled."""

    required_permission = Perm.ENROLLMENTS_VIEW

    def get(self, request: HttpRequest, program_code: str) -> HttpResponse:
        program = _program(program_code)
        form = GapFilterForm(request.GET, request=request)
        data = form.cleaned_data if form.is_valid() else {}
        region = data.get("region")
        people = warnings.enrollment_gaps(
            user=request.user, program=program, region=region.code if region else ""
        )
        page = keyset_page(request, people, PER_PAGE)
        names = region_names(_region_codes([p.region_code for p in page.items]))
        can_apply = request.user.has_canlian_perm(Perm.ENROLLMENTS_APPLY)
        hardship_fields = [name for name in (people.query.annotations or {}) if name.startswith("_hs_")]
        for p in page.items:
            p.region_label = _region_label(p.region_code, names)
            p.apply_url = application_url(p.pk, program.code) if can_apply else ""
            p.hardship_labels = [
                HardshipKind(name[4:]).label for name in hardship_fields if getattr(p, name, False)
            ]
            grade, category = getattr(p, "_cert_grade", None), getattr(p, "_cert_category", None)
            p.cert_label = f"{Category(category).label} · {Grade(grade).label}" if grade and category else ""
        return render(
            request, "programs/warnings/gaps.html", {"program": program, "form": form, "page": page}
        )
