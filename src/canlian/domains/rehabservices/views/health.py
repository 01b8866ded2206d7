"""Health lists (coverage, import) and health service applications."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.domains.rehabservices import actions, forms, selectors
from canlian.domains.rehabservices.choices import (
    HealthListKind,
    HealthProgram,
    HealthStatus,
)
from canlian.domains.rehabservices.models import (
    HealthApplication,
)
from canlian.domains.rehabservices.views._common import (
    MANAGE,
    PAY,
    PER_PAGE,
    RECORD,
    VIEW,
    PersonFormView,
    _audit_read,
    _errors,
    _query,
    _raise_not_found,
    _read_upload,
    _regions,
    _year,
)
from canlian.platform.errors import DomainError, NotFound
from canlian.platform.views import CanlianView, form_error_from, int_param, paginate


class HealthCoverageView(CanlianView):
    """Signed / not signed: the coverage of the year's family-doctor and insurance lists, the people
    not yet on them, the uploads, and the form to import a list."""

    required_permission = VIEW

    def get(
        self, request: HttpRequest, form: Any = None, row_errors: Any = (), status: int = 200
    ) -> HttpResponse:
        year = _year(request)
        kind = request.GET.get("kind", HealthListKind.FAMILY_DOCTOR)
        kind = kind if kind in HealthListKind.values else HealthListKind.FAMILY_DOCTOR
        coverage = {k: selectors.coverage_for(request.user, year=year, kind=k) for k in HealthListKind.values}
        unsigned = selectors.unsigned_people(request.user, year=year, kind=kind)
        can_import = request.user.has_canlian_perm(RECORD)
        return render(
            request,
            "rehabservices/health_coverage.html",
            {
                "year": year,
                "kind": kind,
                "kinds": HealthListKind.choices,
                "coverage": [
                    (
                        k,
                        label,
                        coverage[k],
                        round(coverage[k]["signed"] * 100 / coverage[k]["total"], 1)
                        if coverage[k]["total"]
                        else None,
                    )
                    for k, label in HealthListKind.choices
                ],
                "page": paginate(request, unsigned, PER_PAGE),
                "uploads": selectors.health_uploads_for(request.user)[:10],
                "form": form
                or (forms.HealthImportForm(regions=_regions(request.user, RECORD)) if can_import else None),
                "row_errors": row_errors,
                "query": _query(request),
            },
            status=status,
        )


class HealthImportView(CanlianView):
    required_permission = RECORD
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = forms.HealthImportForm(request.POST, request.FILES, regions=_regions(request.user, RECORD))
        row_errors: list[str] = []
        if form.is_valid():
            d = form.cleaned_data
            try:
                table = _read_upload(d["file"])
                upload = actions.health_list_import(
                    actor=request.user,
                    kind=d["kind"],
                    year=d["year"],
                    region_code=d["region_code"],
                    header=table.header,
                    rows=table.rows,
                    filename=d["file"].name,
                )
            except DomainError as exc:
                _raise_not_found(exc)
                row_errors = _errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(rows)s rows: %(matched)s matched in the registry, %(unmatched)s not found.")
                    % {"rows": upload.rows, "matched": upload.matched, "unmatched": upload.unmatched},
                )
                return redirect(reverse("rehabservices:health") + f"?year={upload.year}&kind={upload.kind}")
        return HealthCoverageView().get(request, form=form, row_errors=row_errors, status=400)


class HealthListView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        program = request.GET.get("program", "")
        program = program if program in HealthProgram.values else ""
        status = request.GET.get("status", "")
        status = status if status in HealthStatus.values else ""
        qs = selectors.health_applications_for(
            request.user, program=program, status=status, year=int_param(request.GET.get("year"))
        )
        return render(
            request,
            "rehabservices/health_list.html",
            {
                "page": paginate(request, qs, PER_PAGE),
                "program": program,
                "status": status,
                "programs": HealthProgram.choices,
                "statuses": HealthStatus.choices,
                "query": _query(request),
            },
        )


class HealthCreateView(PersonFormView):
    template = "rehabservices/health_form.html"
    form_class = forms.HealthApplyForm
    success_message = gettext_lazy("Application saved.")

    def act(self, data: dict[str, Any]) -> Any:
        return actions.health_apply(
            actor=self.request.user,
            person_id=self.person.pk,
            program=data["program"],
            applied_on=data["applied_on"],
        )

    def get_success_url(self, result: Any) -> str:
        return reverse("rehabservices:health-detail", kwargs={"health_application_id": result.pk})


HEALTH_STEPS: dict[str, tuple[str, Any, str]] = {
    HealthStatus.APPLIED: ("decide", forms.DecideForm, MANAGE),
    HealthStatus.APPROVED: ("serve", forms.ServeForm, RECORD),
    HealthStatus.SERVED: ("pay", forms.PaidForm, PAY),
}


def render_health(
    request: HttpRequest, app: HealthApplication, form: Any = None, status: int = 200
) -> HttpResponse:
    step = HEALTH_STEPS.get(app.status)
    if form is None and step is not None and request.user.has_canlian_perm(step[2]):
        form = step[1]()
    return render(
        request,
        "rehabservices/health_detail.html",
        {"app": app, "step": step[0] if step else "", "form": form},
        status=status,
    )


class HealthDetailView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest, health_application_id: int) -> HttpResponse:
        app = HealthApplication.objects.select_related("person", "standard").get_for_user(
            request.user, VIEW, pk=health_application_id
        )
        _audit_read(request, app)
        return render_health(request, app)


class HealthStepView(CanlianView):
    required_permission = RECORD
    http_method_names = ["post"]

    def post(self, request: HttpRequest, health_application_id: int) -> HttpResponse:
        app = HealthApplication.objects.select_related("person").get_for_user(
            request.user, VIEW, pk=health_application_id
        )
        if not HealthApplication.objects.for_user(request.user, RECORD).filter(pk=app.pk).exists():
            raise NotFound()
        step = HEALTH_STEPS.get(app.status)
        if step is None or request.POST.get("step") != step[0]:
            messages.error(request, _("This step does not follow the application's current state."))
            return redirect("rehabservices:health-detail", health_application_id=app.pk)
        form = step[1](request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                if step[0] == "decide":
                    actions.health_decide(
                        actor=request.user,
                        application_id=app.pk,
                        approve=d["approve"],
                        decided_on=d["decided_on"],
                        reason=d["reason"],
                    )
                elif step[0] == "serve":
                    actions.health_serve(
                        actor=request.user,
                        application_id=app.pk,
                        served_on=d["served_on"],
                        hospital=d["hospital"],
                        service=d["service"],
                        cost=d["cost"],
                    )
                else:
                    actions.health_pay(actor=request.user, application_id=app.pk, paid_on=d["paid_on"])
            except DomainError as exc:
                _raise_not_found(exc)
                form_error_from(form, exc)
            else:
                messages.success(request, _("Step saved."))
                return redirect("rehabservices:health-detail", health_application_id=app.pk)
        return render_health(request, app, form=form, status=400)
