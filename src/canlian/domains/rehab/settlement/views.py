"""Settlement pages: rules (list, create), batches (list with filters, generate, detail with each
line's explanation, approve, mark paid, Excel export)."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.institutions.choices import ServiceCategory
from canlian.core.jobs.actions import job_submit
from canlian.core.permissions import Perm
from canlian.domains.rehab.choices import BatchStatus, BelowThreshold, RuleFamily, TrainingMode
from canlian.domains.rehab.settlement import actions, selectors
from canlian.domains.rehab.settlement.export import batch_export
from canlian.domains.rehab.settlement.handlers import JOB_KIND
from canlian.domains.rehab.settlement.rules import explain
from canlian.platform.access import may, scope_roots
from canlian.platform.errors import DomainError, NotFound
from canlian.platform.views import CanlianView, form_error_from, int_param
from canlian.platform.widgets import DateInput

PER_PAGE = 100

FAMILY_HELP = {
    RuleFamily.THRESHOLD: gettext_lazy(
        "At least the minimum training days in the year: the amount (training) plus the transport "
        "subsidy. Below it, as chosen: nothing, both pro rata to days/minimum, or training pro rata "
        "without transport."
    ),
    RuleFamily.PER_MONTH: gettext_lazy(
        "The amount for each month with at least the minimum days (0 or 1: any attendance), for at "
        "most the given number of months a year (the first qualifying months count)."
    ),
    RuleFamily.PER_YEAR: gettext_lazy(
        "The amount for the year when the year has at least the minimum days, for at most the given "
        "number of years per child (earlier years paid under per-year rules with the same categories "
        "and mode count)."
    ),
}


class RuleForm(forms.Form):
    region_code = forms.CharField(
        label=gettext_lazy("Region code"),
        max_length=12,
        required=False,
        help_text=gettext_lazy("A prefix of the child's residence; blank = national."),
    )
    valid_from = forms.CharField(
        label=gettext_lazy("From month (YYYY-MM)"),
        max_length=10,
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    valid_to = forms.CharField(
        label=gettext_lazy("Until month (YYYY-MM, optional)"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    family = forms.ChoiceField(label=gettext_lazy("Rule family"), choices=RuleFamily.choices)
    amount = forms.DecimalField(label=gettext_lazy("Amount (training)"), min_value=0, decimal_places=2)
    transport_amount = forms.DecimalField(
        label=gettext_lazy("Transport subsidy"), min_value=0, decimal_places=2, required=False
    )
    min_days = forms.IntegerField(label=gettext_lazy("Minimum training days"), min_value=0, required=False)
    below_threshold = forms.ChoiceField(
        label=gettext_lazy("Below the threshold (threshold family)"), choices=BelowThreshold.choices
    )
    max_months = forms.IntegerField(
        label=gettext_lazy("At most months a year (per month family)"),
        min_value=1,
        max_value=12,
        required=False,
    )
    max_years = forms.IntegerField(
        label=gettext_lazy("At most years (per year family)"), min_value=1, max_value=18, required=False
    )
    age_min = forms.IntegerField(label=gettext_lazy("Age from"), min_value=0, max_value=18, required=False)
    age_max = forms.IntegerField(
        label=gettext_lazy("Age up to (inclusive)"), min_value=0, max_value=18, required=False
    )
    categories = forms.CharField(
        label=gettext_lazy("Training categories"),
        max_length=10,
        required=False,
        help_text=gettext_lazy("Category codes, e.g. 1 for visual; blank = any."),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("Mode"),
        choices=[("", gettext_lazy("Any")), *TrainingMode.choices],
        required=False,
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


class GenerateForm(forms.Form):
    institution = forms.TypedChoiceField(label=gettext_lazy("Institution"), coerce=int)
    period_start = forms.CharField(
        label=gettext_lazy("From month (YYYY-MM)"),
        max_length=10,
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    period_end = forms.CharField(
        label=gettext_lazy("Until month (YYYY-MM)"),
        max_length=10,
        widget=forms.TextInput(attrs={"type": "month"}),
    )

    def __init__(self, *args: Any, institutions: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [(i.pk, f"{i.name} ({i.code})") for i in institutions]


class RegionGenerateForm(forms.Form):
    region_code = forms.CharField(
        label=gettext_lazy("Region code"),
        max_length=12,
        help_text=gettext_lazy("Every institution of this region with plans in the year (e.g. a county)."),
    )
    period_start = forms.CharField(
        label=gettext_lazy("From month (YYYY-MM)"),
        max_length=10,
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    period_end = forms.CharField(
        label=gettext_lazy("Until month (YYYY-MM)"),
        max_length=10,
        widget=forms.TextInput(attrs={"type": "month"}),
    )


class PaidForm(forms.Form):
    paid_on = forms.DateField(label=gettext_lazy("Paid on"), widget=DateInput())


def _year(request: HttpRequest) -> int | None:
    year = int_param(request.GET.get("year"))
    return year if year and 2000 <= year <= 2100 else None


class RuleListView(CanlianView):
    """Settlement rules that apply in the user's regions (their own and the wider ones above)."""

    required_permission = Perm.REHAB_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        family = request.GET.get("family", "")
        if family not in RuleFamily.values:
            family = ""
        current = request.GET.get("current") == "1"
        rules = selectors.rules_visible(
            user=request.user, family=family, current_only=current, on=timezone.localdate()
        )
        page = Paginator(rules, PER_PAGE).get_page(request.GET.get("page"))
        return render(
            request,
            "rehab/settlement/rule_list.html",
            {
                "page": page,
                "family": family,
                "current": current,
                "families": RuleFamily.choices,
                "can_manage": request.user.has_canlian_perm(Perm.REHAB_MANAGE),
            },
        )


class RuleCreateView(CanlianView):
    """Save a rule from a month; the open rule with the same keys is closed the month before."""

    required_permission = Perm.REHAB_MANAGE

    def _render(self, request: HttpRequest, form: RuleForm, status: int = 200) -> HttpResponse:
        return render(
            request,
            "rehab/settlement/rule_form.html",
            {
                "form": form,
                "family_help": [(RuleFamily(k).label, v) for k, v in FAMILY_HELP.items()],
                "categories": ServiceCategory.choices,
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, RuleForm(initial={"family": RuleFamily.THRESHOLD}))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = RuleForm(request.POST)
        if form.is_valid():
            try:
                rule = actions.settlement_rule_save(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                form_error_from(form, exc)
            else:
                messages.success(
                    request,
                    _("Rule saved: %(rule)s from %(start)s.") % {"rule": rule, "start": rule.valid_from},
                )
                return redirect("rehab:settlement-rule-list")
        return self._render(request, form, status=400)


class BatchListView(CanlianView):
    """Settlement batches the user may see (institution staff: their own institution's)."""

    required_permission = Perm.REHAB_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        status = request.GET.get("status", "")
        if status not in BatchStatus.values:
            status = ""
        year = _year(request)
        institution = request.GET.get("institution", "")
        qs = selectors.batches_visible(
            user=request.user, status=status, institution_id=institution, year=year
        )
        page = Paginator(qs.order_by("-period_end", "institution__name", "-id"), PER_PAGE).get_page(
            request.GET.get("page")
        )
        institutions = (
            selectors.batches_visible(user=request.user)
            .order_by()
            .values_list("institution_id", "institution__name")
            .distinct()
        )
        return render(
            request,
            "rehab/settlement/batch_list.html",
            {
                "page": page,
                "status": status,
                "year": year or "",
                "institution": institution,
                "institutions": sorted(set(institutions), key=lambda x: x[1]),
                "statuses": BatchStatus.choices,
                "can_generate": request.user.has_canlian_perm(Perm.SETTLEMENTS_GENERATE),
            },
        )


class BatchGenerateView(CanlianView):
    """Generate (or generate again, while still generated) an institution's batch for whole months."""

    required_permission = Perm.SETTLEMENTS_GENERATE

    def _form(self, request: HttpRequest, data: Any = None) -> GenerateForm:
        year = timezone.localdate().year
        initial = {"period_start": f"{year}-01", "period_end": f"{timezone.localdate():%Y-%m}"}
        if request.GET.get("institution"):
            initial["institution"] = request.GET["institution"]
        return GenerateForm(
            data,
            institutions=selectors.institutions_for_generation(user=request.user)[:2000],
            initial=initial,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "rehab/settlement/generate.html",
            {"form": self._form(request), "region_form": _region_form(request)},
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request, request.POST)
        if form.is_valid():
            try:
                batch = actions.batch_generate(
                    actor=request.user,
                    institution_id=form.cleaned_data["institution"],
                    period_start=form.cleaned_data["period_start"],
                    period_end=form.cleaned_data["period_end"],
                )
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                messages.success(
                    request,
                    _("Batch generated: %(n)s children, %(total)s due.")
                    % {"n": batch.line_count, "total": batch.total_amount},
                )
                return redirect("rehab:settlement-batch-detail", batch_id=batch.pk)
        return render(
            request,
            "rehab/settlement/generate.html",
            {"form": form, "region_form": _region_form(request)},
            status=400,
        )


def _region_form(request: HttpRequest, data: Any = None) -> RegionGenerateForm:
    year = timezone.localdate().year
    roots = scope_roots(request.user, Perm.SETTLEMENTS_GENERATE)
    region = roots[0] if len(roots) == 1 else ""
    return RegionGenerateForm(
        data,
        initial={
            "region_code": region,
            "period_start": f"{year}-01",
            "period_end": f"{timezone.localdate():%Y-%m}",
        },
    )


class BatchGenerateRegionView(CanlianView):
    """Generate every institution's batch of a region for a period, as a job (its page shows progress)."""

    required_permission = Perm.SETTLEMENTS_GENERATE
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        region_form = _region_form(request, request.POST)
        if region_form.is_valid():
            data = region_form.cleaned_data
            try:
                start = actions.month_start(data["period_start"], "period_start")
                end = actions.month_end(data["period_end"], "period_end")
                job = job_submit(
                    actor=request.user,
                    kind=JOB_KIND,
                    params={"from": f"{start:%Y-%m}", "to": f"{end:%Y-%m}"},
                    region_code=data["region_code"].strip(),
                )
            except NotFound:
                region_form.add_error("region_code", _("This region is outside your scope."))
            except DomainError as exc:
                form_error_from(region_form, exc)
            else:
                messages.success(
                    request, _("The batches are being generated as job #%(id)s.") % {"id": job.pk}
                )
                return redirect("jobs:detail", job_id=job.pk)
        return render(
            request,
            "rehab/settlement/generate.html",
            {"form": BatchGenerateView()._form(request), "region_form": region_form},
            status=400,
        )


class BatchDetailView(CanlianView):
    """A batch: summary, maker-checker and payment actions, and its lines with their explanations."""

    required_permission = Perm.REHAB_VIEW

    def get(self, request: HttpRequest, batch_id: int) -> HttpResponse:
        batch = selectors.batch_get(user=request.user, batch_id=batch_id)
        page = Paginator(selectors.lines_of(batch=batch), PER_PAGE).get_page(request.GET.get("page"))
        for line in page:
            line.explanation = explain(line.detail)
        user = request.user
        region = batch.region_code
        generated = batch.status == BatchStatus.GENERATED
        can = {
            "approve": generated
            and may(user, Perm.SETTLEMENTS_APPROVE, region)
            and batch.generated_by_id != user.pk,
            "regenerate": generated and may(user, Perm.SETTLEMENTS_GENERATE, region),
            "paid": batch.status == BatchStatus.APPROVED and may(user, Perm.SETTLEMENTS_GENERATE, region),
            "export": may(user, Perm.SETTLEMENTS_GENERATE, region),
        }
        return render(
            request,
            "rehab/settlement/batch_detail.html",
            {
                "batch": batch,
                "page": page,
                "can": can,
                "same_person": generated and batch.generated_by_id == user.pk,
                "paid_form": PaidForm(initial={"paid_on": timezone.localdate()}),
            },
        )


class BatchApproveView(CanlianView):
    required_permission = Perm.SETTLEMENTS_APPROVE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, batch_id: int) -> HttpResponse:
        batch = selectors.batch_get(user=request.user, batch_id=batch_id, action=Perm.SETTLEMENTS_APPROVE)
        try:
            actions.batch_approve(actor=request.user, batch_id=batch.pk)
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Batch approved."))
        return redirect("rehab:settlement-batch-detail", batch_id=batch.pk)


class BatchPaidView(CanlianView):
    required_permission = Perm.SETTLEMENTS_GENERATE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, batch_id: int) -> HttpResponse:
        batch = selectors.batch_get(user=request.user, batch_id=batch_id, action=Perm.SETTLEMENTS_GENERATE)
        form = PaidForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the payment date as YYYY-MM-DD."))
            return redirect("rehab:settlement-batch-detail", batch_id=batch.pk)
        try:
            actions.batch_mark_paid(
                actor=request.user, batch_id=batch.pk, paid_on=form.cleaned_data["paid_on"]
            )
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Batch marked paid."))
        return redirect("rehab:settlement-batch-detail", batch_id=batch.pk)


class BatchExportView(CanlianView):
    """POST: the batch as an Excel workbook (recorded in the audit log)."""

    required_permission = Perm.SETTLEMENTS_GENERATE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, batch_id: int) -> HttpResponse:
        batch = selectors.batch_get(user=request.user, batch_id=batch_id, action=Perm.SETTLEMENTS_GENERATE)
        stream = io.BytesIO()
        batch_export(user=request.user, batch=batch, stream=stream)
        response = HttpResponse(
            stream.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = f"settlement-{batch.institution.code}-{batch.period_start:%Y%m}-{batch.period_end:%Y%m}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
