"""Pages of the proportional-employment review: employers, declarations (list, the review page with
the employees' verdicts and every step of the fund), the declaration import, non-reporters, the
rules and wage figures, the list for the tax authority."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.permissions import Perm
from canlian.core.regions.models import Region
from canlian.core.registry.selectors import region_names
from canlian.domains.employment import actions, selectors
from canlian.domains.employment.choices import DeclarationSource, DeclarationStatus
from canlian.domains.employment.forms import (
    DeclarationForm,
    EmployerForm,
    ImportForm,
    LocalWageForm,
    QuotaRuleForm,
    YearRegionForm,
)
from canlian.platform.access import may, scope_roots
from canlian.platform.errors import DomainError, NotFound, ValidationFailed
from canlian.platform.tabular import read_table
from canlian.platform.views import (
    ActionFormView,
    CanlianView,
    FormPageView,
    flash_error,
    form_error_from,
    int_param,
    keyset_page,
)

PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(request: HttpRequest) -> int | None:
    year = int_param(request.GET.get("year"))
    return year if year and 2000 <= year <= 2100 else None


def region_choices(
    user: Any, permission: str = Perm.EMPLOYMENT_MANAGE, *, national: bool = False
) -> list[tuple[str, str]]:
    """The regions down to county level in the user's scope for ``permission``."""
    roots = scope_roots(user, permission)
    choices: list[tuple[str, str]] = []
    if roots == [""]:
        if national:
            choices.append(("", _("National")))
        rows = Region.objects.filter(code__regex=r"^\d{2}(\d{2}){0,2}$").order_by("code")[:500]
    else:
        from django.db.models import Q

        query = Q(pk__in=[])
        for root in roots:
            query |= Q(code__startswith=root)
        rows = Region.objects.filter(query).order_by("code")
    for region in rows:
        if len(region.code) <= 6:
            choices.append((region.code, f"{region.name} ({region.code})"))
    return choices


def _tax_region(request: HttpRequest) -> str:
    roots = scope_roots(request.user, Perm.EMPLOYMENT_VIEW)
    return roots[0] if len(roots) == 1 else ""


# --- employers -------------------------------------------------------------------------------------


class EmployerListView(CanlianView):
    required_permission = Perm.EMPLOYMENT_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        q = request.GET.get("q", "").strip()[:60]
        qs = selectors.employers_visible(user=request.user, q=q)
        page = keyset_page(request, qs, PER_PAGE, ordering=("name", "id"))
        names = region_names({e.region_code for e in page})
        for e in page:
            e.region_label = names.get(e.region_code, e.region_code)
        can_manage = request.user.has_canlian_perm(Perm.EMPLOYMENT_MANAGE)
        regions = region_choices(request.user) if can_manage else []
        return render(
            request,
            "employment/employer_list.html",
            {
                "page": page,
                "q": q,
                "can_manage": can_manage,
                "non_reporter_form": YearRegionForm(regions=regions) if can_manage else None,
            },
        )


class _Form(ActionFormView):
    """A form of this app: a refusal goes on the field it names, as one message."""

    def form_error(self, form: Any, exc: DomainError) -> None:
        form_error_from(form, exc)


class _ListForm(_Form):
    """A form posted from a list page (the view's other base, with ``_render``): refused, that page
    again with the form as ``key``."""

    http_method_names = ["post"]
    key = ""
    _render: Callable[..., HttpResponse]

    def render_form(self, form: Any, status: int) -> HttpResponse:
        return self._render(self.request, status=status, **{self.key: form})


class EmployerCreateView(_Form, FormPageView):
    required_permission = Perm.EMPLOYMENT_MANAGE
    success_message = gettext_lazy("Employer registered.")

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return EmployerForm(data, regions=region_choices(self.request.user))

    def act(self, data: dict[str, Any]) -> Any:
        return actions.employer_register(actor=self.request.user, **data)

    def get_success_url(self, result: Any) -> str:
        return reverse("employment:employer-detail", kwargs={"employer_id": result.pk})

    def render_form(self, form: Any, status: int) -> HttpResponse:
        return render(self.request, "employment/employer_form.html", {"form": form}, status=status)


class EmployerDetailView(_Form):
    """An employer with its declarations; POST records a declaration."""

    required_permission = Perm.EMPLOYMENT_VIEW
    success_message = gettext_lazy("Declaration recorded.")

    def _render(self, request: HttpRequest, employer: Any, form: Any, status: int = 200) -> HttpResponse:
        return render(
            request,
            "employment/employer_detail.html",
            {
                "employer": employer,
                "declarations": employer.declarations.order_by("-year"),
                "form": form,
                "region_label": region_names({employer.region_code}).get(
                    employer.region_code, employer.region_code
                ),
            },
            status=status,
        )

    def get(self, request: HttpRequest, employer_id: int) -> HttpResponse:
        employer = selectors.employer_get(user=request.user, employer_id=employer_id)
        can_manage = may(request.user, Perm.EMPLOYMENT_MANAGE, employer.region_code)
        return self._render(request, employer, DeclarationForm() if can_manage else None)

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        self.employer = selectors.employer_get(user=self.request.user, employer_id=self.kwargs["employer_id"])
        return DeclarationForm(data)

    def act(self, data: dict[str, Any]) -> Any:
        return actions.declaration_record(actor=self.request.user, employer_id=self.employer.pk, **data)

    def get_success_url(self, result: Any) -> str:
        return reverse("employment:declaration-detail", kwargs={"declaration_id": result.pk})

    def render_form(self, form: Any, status: int) -> HttpResponse:
        return self._render(self.request, self.employer, form, status=status)


# --- declarations ----------------------------------------------------------------------------------


class DeclarationListView(CanlianView):
    required_permission = Perm.EMPLOYMENT_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        year = _year(request)
        status = request.GET.get("status", "")
        status = status if status in DeclarationStatus.values else ""
        source = request.GET.get("source", "")
        source = source if source in DeclarationSource.values else ""
        qs = selectors.declarations_visible(user=request.user, year=year, status=status, source=source)
        page = keyset_page(request, qs, PER_PAGE, ordering=("-year", "-id"))
        return render(
            request,
            "employment/declaration_list.html",
            {
                "page": page,
                "year": year or "",
                "status": status,
                "source": source,
                "statuses": DeclarationStatus.choices,
                "sources": DeclarationSource.choices,
            },
        )


class DeclarationDetailView(CanlianView):
    """The review page of one declaration: the employees with their verdicts and every step of the fund."""

    required_permission = Perm.EMPLOYMENT_VIEW

    def get(self, request: HttpRequest, declaration_id: int) -> HttpResponse:
        declaration = selectors.declaration_get(user=request.user, declaration_id=declaration_id)
        return render(
            request,
            "employment/declaration_detail.html",
            {
                "declaration": declaration,
                "employees": selectors.declaration_employees(declaration),
                "fund": selectors.declaration_steps(declaration),
                "subsidy": selectors.declaration_subsidy(declaration),
                "subsidy_line": getattr(declaration, "subsidy_line", None),
                "can_review": declaration.status == DeclarationStatus.SUBMITTED
                and may(request.user, Perm.EMPLOYMENT_MANAGE, declaration.region_code),
            },
        )


class DeclarationReviewView(CanlianView):
    required_permission = Perm.EMPLOYMENT_MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, declaration_id: int) -> HttpResponse:
        declaration = selectors.declaration_get(user=request.user, declaration_id=declaration_id)
        try:
            reviewed = actions.declaration_review(actor=request.user, declaration_id=declaration.pk)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            flash_error(request, exc)
        else:
            messages.success(
                request, _("Reviewed: fund due %(amount)s yuan.") % {"amount": reviewed.fund_due}
            )
        return redirect("employment:declaration-detail", declaration_id=declaration.pk)


class DeclarationImportView(CanlianView):
    """Import declarations from the sheet: all rows or none, each refused row named with its field."""

    required_permission = Perm.EMPLOYMENT_MANAGE

    def get(self, request: HttpRequest) -> HttpResponse:
        form = ImportForm(regions=region_choices(request.user))
        return render(
            request,
            "employment/declaration_import.html",
            {"form": form, "errors": [], "columns": [a[0] for a in actions.IMPORT_COLUMNS.values()]},
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ImportForm(request.POST, request.FILES, regions=region_choices(request.user))
        errors: list[Any] = []
        if form.is_valid():
            upload = form.cleaned_data["file"]
            suffix = Path(upload.name).suffix.lower()
            with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
                handle.flush()
                try:
                    table = read_table(handle.name, name=upload.name)
                    result = actions.declarations_import(
                        actor=request.user, table=table, region_code=form.cleaned_data["region_code"]
                    )
                except ValidationFailed as exc:
                    errors = exc.errors
                    form.add_error(None, exc.message)
                except NotFound:
                    raise
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(
                        request,
                        _(
                            "%(declarations)s declarations imported (%(employees)s disabled employees, %(employers_created)s new employers)."
                        )
                        % result.as_dict(),
                    )
                    return redirect(f"{_url('employment:declaration-list')}?status=submitted")
        return render(
            request,
            "employment/declaration_import.html",
            {"form": form, "errors": errors, "columns": [a[0] for a in actions.IMPORT_COLUMNS.values()]},
            status=400,
        )


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


class NonReportersView(CanlianView):
    required_permission = Perm.EMPLOYMENT_MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = YearRegionForm(request.POST, regions=region_choices(request.user))
        if not form.is_valid():
            messages.error(request, _("Choose a year and a region."))
            return redirect("employment:employer-list")
        try:
            outcome = actions.non_reporters_record(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            flash_error(request, exc)
            return redirect("employment:employer-list")
        messages.success(
            request,
            _("%(recorded)s employers recorded as not reported; %(skipped)s without tax figures skipped.")
            % outcome,
        )
        return redirect(
            f"{_url('employment:declaration-list')}?source=not_reported&year={form.cleaned_data['year']}"
        )


class TaxListView(CanlianView):
    """The reviewed declarations of a year as the workbook for the tax authority (?year=, default last year)."""

    required_permission = Perm.EMPLOYMENT_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        year = _year(request) or timezone.localdate().year - 1
        content, _count = actions.tax_list_export(
            actor=request.user, year=year, region_code=_tax_region(request)
        )
        return FileResponse(
            io.BytesIO(content),
            as_attachment=True,
            filename=f"employment-fund-{year}.xlsx",
            content_type=XLSX,
        )


# --- rules -----------------------------------------------------------------------------------------


class RuleListView(CanlianView):
    required_permission = Perm.EMPLOYMENT_VIEW

    def _render(
        self, request: HttpRequest, rule_form: Any = None, wage_form: Any = None, status: int = 200
    ) -> HttpResponse:
        can_manage = request.user.has_canlian_perm(Perm.EMPLOYMENT_MANAGE)
        regions = region_choices(request.user, national=True) if can_manage else []
        if can_manage:
            rule_form = rule_form or QuotaRuleForm(regions=regions)
            wage_form = wage_form or LocalWageForm(regions=regions)
        rules = list(selectors.quota_rules_visible(user=request.user))
        wages = list(selectors.local_wages_visible(user=request.user))
        names = region_names({r.region_code for r in rules} | {w.region_code for w in wages})
        for row in (*rules, *wages):
            row.region_label = (
                names.get(row.region_code, row.region_code) if row.region_code else _("National")
            )
        return render(
            request,
            "employment/rule_list.html",
            {"rules": rules, "wages": wages, "rule_form": rule_form, "wage_form": wage_form},
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request)


class QuotaRuleCreateView(_ListForm, RuleListView):
    required_permission = Perm.EMPLOYMENT_MANAGE
    key, success_url, success_message = "rule_form", "employment:rule-list", gettext_lazy("Quota rule saved.")

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return QuotaRuleForm(data, regions=region_choices(self.request.user, national=True))

    def act(self, data: dict[str, Any]) -> Any:
        return actions.quota_rule_set(actor=self.request.user, **data)


class LocalWageCreateView(_ListForm, RuleListView):
    required_permission = Perm.EMPLOYMENT_MANAGE
    key, success_url, success_message = (
        "wage_form",
        "employment:rule-list",
        gettext_lazy("Wage figures saved."),
    )

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return LocalWageForm(data, regions=region_choices(self.request.user, national=True))

    def act(self, data: dict[str, Any]) -> Any:
        return actions.local_wage_set(actor=self.request.user, **data)
