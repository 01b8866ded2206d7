"""Pages of monthly payment cycles: the list (filters), the generate form (runs as a job with
progress), a cycle's page (counts and totals by kind and status, its lines keyset-paged with masked
IDs, approve for another user, the bank file, the bank's results with the rejected rows) and a
line's page.

Views read through ``cycle_selectors`` (scoped) and write through ``cycles`` actions; a POST first
fetches the cycle in the scope of the view's permission (out of scope: 404)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models.functions import Substr
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.jobs.actions import job_submit
from canlian.core.permissions import Perm
from canlian.core.registry.identity import mask_id
from canlian.platform.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from canlian.platform.forms import month_field
from canlian.platform.tabular import CSV_SUFFIXES, EXCEL_SUFFIXES, read_table
from canlian.platform.views import CanlianView, form_error_from, keyset_page
from canlian.programs.choices import CycleStatus, EnrollmentStatus, LineKind, LineStatus, ProgramKind
from canlian.programs.cycles import actions, selectors
from canlian.programs.models import Enrollment, PaymentCycle, PaymentLine, Program

PER_PAGE = 50
JOB_KIND = "payments.generate"


def _programs() -> list[tuple[str, str]]:
    return [(p.code, p.label) for p in Program.objects.active().filter(kind=ProgramKind.MONTHLY_CASH)]


class CycleFilterForm(forms.Form):
    program = forms.ChoiceField(label=gettext_lazy("Program"), required=False)
    month = month_field(gettext_lazy("Month"), required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", "—"), *CycleStatus.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", "—"), *_programs()]

    def filters(self) -> selectors.CycleFilters:
        if not self.is_valid():
            return selectors.CycleFilters()
        data = self.cleaned_data
        return selectors.CycleFilters(program=data["program"], month=data["month"], status=data["status"])


def _generate_regions(user: Any) -> list[tuple[str, str]]:
    """The counties (and anything deeper a user is limited to) inside the user's generate scope."""
    from canlian.core.regions.models import Region

    scope = user.scope_for(Perm.PAYMENTS_GENERATE)
    if scope.is_empty:
        return []
    regions = Region.objects.filter(level=3).filter(scope.q("code"))
    own = Region.objects.filter(code__in=scope.prefixes, level__gte=3) if not scope.everything else []
    found = {r.code: r for r in [*regions, *own]}
    return [(code, f"{r.name} ({code})") for code, r in sorted(found.items())]


class GenerateForm(forms.Form):
    program = forms.ChoiceField(label=gettext_lazy("Program"))
    region = forms.ChoiceField(label=gettext_lazy("Region"))
    month = month_field(gettext_lazy("Month"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = _programs()
        self.fields["region"].choices = choices = _generate_regions(user)
        self.fields["region"].initial = _default_region(user, [code for code, _label in choices])


def _default_region(user: Any, codes: list[str]) -> str | None:
    """The user's own region when it is a choice (a county's staff), else the first region that has
    active enrollments (never an empty 市辖区 just because its code sorts first)."""
    scope = user.scope_for(Perm.PAYMENTS_GENERATE)
    own = [code for code in codes if code in scope.prefixes]
    if own:
        return own[0]
    with_people = set(
        Enrollment.objects.for_user(user, Perm.PAYMENTS_GENERATE)
        .filter(status=EnrollmentStatus.ACTIVE)
        .annotate(county=Substr("region_code", 1, 6))
        .values_list("county", flat=True)
        .distinct()
    )
    return next((code for code in codes if code[:6] in with_people), codes[0] if codes else None)


class ResultsForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Bank result file"),
        help_text=gettext_lazy(
            ".xlsx or .csv: a line (or ID number and period) column, status 成功/失败, reason, paid date"
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in EXCEL_SUFFIXES | CSV_SUFFIXES:
            raise forms.ValidationError(_("Use an .xlsx, .xls or .csv file."))
        return upload


class CycleListView(CanlianView):
    required_permission = Perm.PAYMENTS_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        form = CycleFilterForm(request.GET)
        cycles = selectors.cycles_for_user(user=request.user, filters=form.filters())
        page = keyset_page(request, cycles, PER_PAGE, ordering=("-month", "-id"))
        return render(
            request,
            "programs/cycles/list.html",
            {
                "form": form,
                "page": page,
                "can_generate": request.user.has_canlian_perm(Perm.PAYMENTS_GENERATE),
            },
        )


class CycleGenerateView(CanlianView):
    """Generate (or complete) a month's cycle: submitted as a job, its page shows the progress."""

    required_permission = Perm.PAYMENTS_GENERATE

    def get(self, request: HttpRequest) -> HttpResponse:
        form = GenerateForm(user=request.user)
        return render(request, "programs/cycles/generate.html", {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = GenerateForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            month: dt.date = data["month"].replace(day=1)
            existing = PaymentCycle.objects.filter(
                program__code=data["program"], region_code=data["region"], month=month
            ).first()
            if existing is not None and existing.status in actions.FROZEN:
                form.add_error(
                    None, _("The cycle of this month is already approved: it cannot be generated again.")
                )
            else:
                try:
                    job = job_submit(
                        actor=request.user,
                        kind=JOB_KIND,
                        params={"program": data["program"], "month": month.isoformat()},
                        region_code=data["region"],
                    )
                except NotFound:
                    raise
                except DomainError as exc:
                    form_error_from(form, exc)
                else:
                    messages.success(
                        request, _("The cycle is being generated as job #%(id)s.") % {"id": job.pk}
                    )
                    return redirect("jobs:detail", job_id=job.pk)
        return render(request, "programs/cycles/generate.html", {"form": form})


def _cycle_page(
    request: HttpRequest, cycle: PaymentCycle, *, results_form: Any = None, errors: Any = None
) -> HttpResponse:
    user = request.user
    params = request.GET
    status = params.get("status", "") if params.get("status", "") in LineStatus.values else ""
    kind = params.get("kind", "") if params.get("kind", "") in LineKind.values else ""
    lines = selectors.lines_of_cycle(user=user, cycle=cycle, status=status, kind=kind)
    page = keyset_page(request, lines, PER_PAGE, ordering=("id",))
    for line in page.items:
        line.masked_id = mask_id(line.person.id_number)
    totals = selectors.cycle_totals(cycle=cycle)
    in_scope = PaymentCycle.objects.filter(pk=cycle.pk)
    can = {
        "approve": cycle.status == CycleStatus.GENERATED
        and cycle.generated_by_id != user.pk
        and in_scope.for_user(user, Perm.PAYMENTS_APPROVE).exists(),
        "export": cycle.status in (CycleStatus.APPROVED, CycleStatus.EXPORTED)
        and in_scope.for_user(user, Perm.PAYMENTS_EXPORT).exists(),
        "results": cycle.status in (CycleStatus.EXPORTED, CycleStatus.CLOSED)
        and in_scope.for_user(user, Perm.PAYMENTS_GENERATE).exists(),
        "regenerate": cycle.status not in actions.FROZEN
        and in_scope.for_user(user, Perm.PAYMENTS_GENERATE).exists(),
    }
    context = {
        "cycle": cycle,
        "page": page,
        "totals": totals,
        "kind_rows": [(LineKind(k).label, n, a) for k, (n, a) in sorted(totals.by_kind.items())],
        "status_rows": [(LineStatus(k).label, n, a) for k, (n, a) in sorted(totals.by_status.items())],
        "can": can,
        "same_person": cycle.status == CycleStatus.GENERATED and cycle.generated_by_id == user.pk,
        "results_form": results_form or ResultsForm(),
        "errors": errors or [],
        "status_filter": status,
        "kind_filter": kind,
        "line_statuses": LineStatus.choices,
        "line_kinds": LineKind.choices,
    }
    return render(request, "programs/cycles/detail.html", context)


class CycleDetailView(CanlianView):
    required_permission = Perm.PAYMENTS_VIEW

    def get(self, request: HttpRequest, cycle_id: int) -> HttpResponse:
        cycle = selectors.cycle_for_user(user=request.user, cycle_id=cycle_id)
        return _cycle_page(request, cycle)


class CycleApproveView(CanlianView):
    required_permission = Perm.PAYMENTS_APPROVE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, cycle_id: int) -> HttpResponse:
        cycle = selectors.cycle_for_user(user=request.user, cycle_id=cycle_id, action=Perm.PAYMENTS_APPROVE)
        try:
            actions.cycle_approve(actor=request.user, cycle_id=cycle.pk)
        except NotFound:
            raise
        except (PermissionDenied, DomainError) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The cycle was approved."))
        return redirect("programs:cycle-detail", cycle_id=cycle.pk)


class CycleExportView(CanlianView):
    """POST fmt=xlsx|csv: the bank payment file (recorded in the audit log)."""

    required_permission = Perm.PAYMENTS_EXPORT
    http_method_names = ["post"]

    def post(self, request: HttpRequest, cycle_id: int) -> HttpResponse:
        cycle = selectors.cycle_for_user(user=request.user, cycle_id=cycle_id, action=Perm.PAYMENTS_EXPORT)
        fmt = request.POST.get("fmt") or "xlsx"
        try:
            data, name = actions.cycle_export(actor=request.user, cycle_id=cycle.pk, fmt=fmt)
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("programs:cycle-detail", cycle_id=cycle.pk)
        content_type = (
            "text/csv; charset=utf-8"
            if fmt == "csv"
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class CycleResultsView(CanlianView):
    """Upload the bank's result file: all or nothing, rejected rows listed on the cycle's page."""

    required_permission = Perm.PAYMENTS_GENERATE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, cycle_id: int) -> HttpResponse:
        cycle = selectors.cycle_for_user(user=request.user, cycle_id=cycle_id, action=Perm.PAYMENTS_GENERATE)
        form = ResultsForm(request.POST, request.FILES)
        errors: list[Any] = []
        if form.is_valid():
            upload = form.cleaned_data["file"]
            suffix = Path(upload.name).suffix.lower()
            with tempfile.NamedTemporaryFile(suffix=suffix) as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
                fh.flush()
                try:
                    table = read_table(fh.name, name=upload.name)
                    outcome = actions.cycle_record_results(actor=request.user, cycle_id=cycle.pk, table=table)
                except NotFound:
                    raise
                except ValidationFailed as exc:
                    errors = exc.errors
                    form.add_error(None, exc.message)
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(
                        request,
                        _("%(paid)s lines paid, %(failed)s failed, %(pending)s still pending.")
                        % {"paid": outcome.paid, "failed": outcome.failed, "pending": outcome.pending},
                    )
                    return redirect("programs:cycle-detail", cycle_id=cycle.pk)
        cycle.refresh_from_db()
        return _cycle_page(request, cycle, results_form=form, errors=errors)


class LineDetailView(CanlianView):
    """One payment line in its context: the cycle, the enrollment, the person (masked)."""

    required_permission = Perm.PAYMENTS_VIEW

    def get(self, request: HttpRequest, line_id: int) -> HttpResponse:
        line = (
            PaymentLine.objects.for_user(request.user, Perm.PAYMENTS_VIEW)
            .select_related("cycle", "program", "person", "enrollment", "standard", "reissue_of")
            .filter(pk=line_id)
            .first()
        )
        if line is None:
            raise NotFound()
        history = list(
            selectors.lines_for_user(user=request.user)
            .filter(enrollment_id=line.enrollment_id, period=line.period)
            .order_by("id")
        )
        return render(
            request,
            "programs/cycles/line.html",
            {"line": line, "masked_id": mask_id(line.person.id_number), "history": history},
        )
