"""Pages of assisted employment: the project library, workers (sign, detail with output, the bank
account revealed with an audit record, import, export), wage sheets (generate, approve by someone
else, the bank file, the bank's results) and the configured minimum wage."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.institutions.models import Institution
from canlian.core.permissions import Perm
from canlian.domains.community import actions, exports, imports, selectors
from canlian.domains.community.actions.work import WORK_KINDS
from canlian.domains.community.forms import (
    InstitutionMonthForm,
    MinimumWageForm,
    OutputForm,
    ProjectForm,
    UploadForm,
    WorkerForm,
)
from canlian.domains.community.models import MinimumWage, WageSheet, Worker
from canlian.domains.community.views._base import (
    FileImportView,
    FormPage,
    ImportPageView,
    download,
    person_id_for,
)
from canlian.domains.community.views.page import Button, Cell, FormBlock, Table, page
from canlian.domains.community.views.stars import _BatchStep
from canlian.platform.access import may, scope_roots
from canlian.platform.errors import DomainError, NotFound, PermissionDenied
from canlian.platform.tabular import read_table
from canlian.platform.views import ActionFormView, CanlianView

VIEW, RECORD, MANAGE, PAY, APPROVE = (
    Perm.COMMUNITY_VIEW,
    Perm.COMMUNITY_RECORD,
    Perm.COMMUNITY_MANAGE,
    Perm.COMMUNITY_PAY,
    Perm.COMMUNITY_APPROVE,
)


def _projects(user: Any, worker: Worker) -> Any:
    """The projects a worker's output may name: the library of the user's region, or (an
    institution's staff, who have no region) the projects their institution uses."""
    if user.scope_for(VIEW).is_empty:
        return worker.institution.community_projects.filter(status="active")
    return selectors.projects_visible(user).filter(status="active")


def _worker_url(worker_id: int) -> str:
    return reverse("community:worker-detail", kwargs={"ae_worker_id": worker_id})


class ProjectListView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        table = Table(
            _("Project library"),
            [
                _("Project"),
                _("Product"),
                _("Partner company"),
                _("USCC"),
                _("Difficulty"),
                _("Safety"),
                _("Added value"),
                _("Market prospect"),
                _("Piece rate"),
                _("Used by"),
                _("Status"),
            ],
            testid="project-table",
        )
        for p in selectors.projects_visible(request.user).order_by("region_code", "name")[:500]:
            table.add(
                p.name,
                p.product,
                p.partner_name,
                Cell(p.partner_uscc, mono=True),
                p.get_difficulty_display(),
                p.get_safety_display(),
                p.get_added_value_display(),
                p.get_market_display(),
                f"{p.piece_rate}/{p.unit}",
                "、".join(i.name for i in p.institutions.all()),
                p.get_status_display(),
            )
        links = (
            [(_("New project"), reverse("community:project-create"))]
            if request.user.has_canlian_perm(MANAGE)
            else []
        )
        return page(request, _("Project library"), tables=[table], links=links)


class ProjectCreateView(FormPage):
    required_permission = MANAGE
    block_title = gettext_lazy("Project")
    success_url = "community:project-list"
    success_message = gettext_lazy("Project saved.")

    def title(self) -> str:
        return _("New project")

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        if data is not None:
            return ProjectForm(data)
        roots = scope_roots(self.request.user, MANAGE)
        return ProjectForm(initial={"region_code": roots[0] if roots else ""})

    def act(self, data: dict[str, Any]) -> Any:
        return actions.project_save(actor=self.request.user, **data)


class WorkerListView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        table = Table(
            _("Assisted workers"),
            [
                _("Name"),
                _("ID number"),
                _("Institution"),
                _("Agreement from"),
                _("Wage basis"),
                _("Bank account"),
                _("Status"),
            ],
            testid="worker-table",
        )
        for w in selectors.workers_visible(request.user).order_by("institution", "-agreement_from")[:500]:
            table.add(
                Cell(w.person.name, _worker_url(w.pk)),
                Cell(w.person.masked_id, mono=True),
                w.institution.name,
                w.agreement_from,
                w.get_wage_basis_display(),
                Cell(w.masked_account, mono=True),
                w.get_status_display(),
            )
        places = Table(_("Workshops"), [_("Institution"), _("Kind"), ""])
        for i in selectors.institutions_for(request.user, WORK_KINDS)[:300]:
            places.add(
                i.name,
                i.get_kind_display(),
                Cell(_("Import workers"), reverse("community:worker-import", kwargs={"workshop_id": i.pk}))
                if request.user.has_canlian_perm(RECORD)
                else "",
            )
        links = [(_("Export workers"), reverse("community:worker-export"))]
        if request.user.has_canlian_perm(RECORD):
            links.insert(0, (_("Sign a worker's agreement"), reverse("community:worker-create")))
        return page(request, _("Assisted workers"), tables=[table, places], links=links)


class WorkerCreateView(FormPage):
    required_permission = RECORD
    block_title = gettext_lazy("Labour agreement")
    intro = gettext_lazy(
        "Working-age intellectually, mentally or severely physically disabled people; wages go to the worker's own account."
    )
    success_message = gettext_lazy("Agreement saved.")

    def title(self) -> str:
        return _("Sign a worker's agreement")

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return WorkerForm(
            data,
            institutions=selectors.institutions_for(self.request.user, WORK_KINDS, RECORD)[:300],
            initial={"agreement_from": timezone.localdate()},
        )

    def act(self, data: dict[str, Any]) -> Worker:
        d = dict(data)
        id_number, inst = d.pop("id_number"), d.pop("institution")
        return actions.worker_sign(
            actor=self.request.user,
            institution_id=inst,
            person_id=person_id_for(self.request.user, id_number),
            **d,
        )

    def get_success_url(self, result: Any) -> str:
        return _worker_url(result.pk)


class WorkerDetailView(CanlianView):
    required_permission = VIEW

    def get(
        self,
        request: HttpRequest,
        ae_worker_id: int,
        output_form: Any = None,
        revealed: str = "",
        status: int = 200,
    ) -> HttpResponse:
        w = Worker.objects.select_related("person", "institution", "project").get_for_user(
            request.user, VIEW, pk=ae_worker_id
        )
        output = Table(_("Output and hours"), [_("Month"), _("Project"), _("Pieces"), _("Hours")])
        for o in w.output.select_related("project").order_by("-month")[:36]:
            output.add(f"{o.month:%Y-%m}", o.project.name if o.project else "—", o.pieces, o.hours)
        wages = Table(_("Wages"), [_("Month"), _("Wage"), _("Status"), _("Paid on")])
        for line in w.wage_lines.select_related("sheet").order_by("-sheet__month")[:36]:
            wages.add(
                Cell(
                    f"{line.sheet.month:%Y-%m}",
                    reverse("community:sheet-detail", kwargs={"wage_sheet_id": line.sheet_id}),
                ),
                line.amount,
                line.get_status_display(),
                line.paid_on or "",
            )
        forms, buttons = [], []
        can_record = may(request.user, RECORD, w.region_code, w.institution_id)
        if can_record:
            projects = _projects(request.user, w)
            forms.append(
                FormBlock(
                    _("Record output or hours"),
                    output_form or OutputForm(projects=projects),
                    reverse("community:output-create", kwargs={"ae_worker_id": w.pk}),
                    _("Save"),
                )
            )
            buttons.append(
                Button(
                    _("Show the full account"),
                    reverse("community:worker-reveal", kwargs={"ae_worker_id": w.pk}),
                    testid="reveal",
                )
            )
        figures = [
            (_("Name"), w.person.name),
            (_("ID number"), w.person.masked_id),
            (_("Institution"), w.institution.name),
            (_("Agreement number"), w.agreement_number),
            (_("Agreement from"), w.agreement_from),
            (_("Agreement until"), w.agreement_to or "—"),
            (_("Hours a week"), w.weekly_hours),
            (_("Wage basis"), w.get_wage_basis_display()),
            (_("Hourly rate"), w.hourly_rate),
            (_("Bank"), w.bank_name),
            (_("Bank account"), revealed or w.masked_account),
            (_("Account holder"), w.account_holder),
            (_("Status"), w.get_status_display()),
        ]
        return page(
            request,
            _("Assisted worker: %(name)s") % {"name": w.person.name},
            figures=figures,
            tables=[output, wages],
            forms=forms,
            buttons=buttons,
            status=status,
        )


class WorkerRevealView(CanlianView):
    required_permission = RECORD
    http_method_names = ["post"]

    def post(self, request: HttpRequest, ae_worker_id: int) -> HttpResponse:
        w = Worker.objects.get_for_user(request.user, RECORD, pk=ae_worker_id)
        account = actions.worker_reveal_account(actor=request.user, worker_id=w.pk)
        return WorkerDetailView().get(request, w.pk, revealed=account)


class OutputCreateView(ActionFormView):
    required_permission = RECORD
    http_method_names = ["post"]
    success_message = gettext_lazy("Output recorded.")

    @cached_property
    def worker(self) -> Worker:
        return Worker.objects.get_for_user(self.request.user, RECORD, pk=self.kwargs["ae_worker_id"])

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return OutputForm(data, projects=_projects(self.request.user, self.worker))

    def act(self, data: dict[str, Any]) -> Any:
        return actions.output_record(
            actor=self.request.user,
            worker_id=self.worker.pk,
            month=data["month"],
            pieces=data["pieces"],
            hours=data["hours"],
            project_id=data["project"] or None,
        )

    def get_success_url(self, result: Any) -> str:
        return _worker_url(self.worker.pk)

    def render_form(self, form: Any, status: int) -> HttpResponse:
        return WorkerDetailView().get(self.request, self.worker.pk, output_form=form, status=status)


class WorkerImportView(ImportPageView):
    required_permission = RECORD
    success_url = "community:worker-list"
    intro = gettext_lazy(
        "Columns: 身份证号, 姓名, 协议编号, 协议开始, 协议结束, 计酬方式 (计件/计时), 时薪, 开户行, 账号, 户名. If any row is wrong nothing is saved."
    )

    @cached_property
    def inst(self) -> Institution:
        inst = Institution.objects.get_for_user(self.request.user, RECORD, pk=self.kwargs["workshop_id"])
        if inst.kind not in WORK_KINDS:
            raise NotFound()
        return inst

    def title(self) -> str:
        return _("Import workers: %(inst)s") % {"inst": self.inst.name}

    def run(self, path: str, name: str, data: dict[str, Any]) -> Any:
        return imports.workers_import(
            actor=self.request.user, institution_id=self.inst.pk, path=path, name=name
        )

    def get_success_message(self, result: Any) -> str:
        return _("%(n)s agreements saved.") % {"n": result}


class WorkerExportView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        return download(exports.workers_xlsx(request.user), "workers.xlsx")


class SheetListView(CanlianView):
    required_permission = VIEW

    def get(
        self, request: HttpRequest, form: Any = None, min_form: Any = None, status: int = 200
    ) -> HttpResponse:
        table = Table(
            _("Wage sheets"),
            [_("Institution"), _("Month"), _("Workers"), _("Total"), _("Status")],
            testid="sheet-table",
        )
        for s in selectors.sheets_visible(request.user).order_by("-month", "institution__name")[:300]:
            table.add(
                Cell(s.institution.name, reverse("community:sheet-detail", kwargs={"wage_sheet_id": s.pk})),
                f"{s.month:%Y-%m}",
                s.line_count,
                s.total_amount,
                s.get_status_display(),
            )
        minimum = Table(_("Minimum wages"), [_("Region"), _("From"), _("Until"), _("Minimum monthly wage")])
        for m in MinimumWage.objects.for_user(request.user, VIEW).order_by("region_code", "-valid_from")[
            :100
        ]:
            minimum.add(m.region_code or "*", m.valid_from, m.valid_to or "", m.monthly_amount)
        forms = []
        if request.user.has_canlian_perm(PAY):
            forms.append(
                FormBlock(
                    _("Generate a wage sheet"),
                    form
                    or InstitutionMonthForm(
                        institutions=selectors.institutions_for(request.user, WORK_KINDS, PAY)[:300]
                    ),
                    reverse("community:sheet-generate"),
                    _("Generate"),
                )
            )
        if request.user.has_canlian_perm(MANAGE):
            forms.append(
                FormBlock(
                    _("Configure the minimum wage"),
                    min_form or MinimumWageForm(),
                    reverse("community:minimum-wage"),
                    _("Save"),
                )
            )
        return page(request, _("Wage sheets"), tables=[table, minimum], forms=forms, status=status)


class _SheetListForm(ActionFormView):
    """A form of the wage sheet list: refused, the list again with the form (``key``)."""

    http_method_names = ["post"]
    key = ""

    def render_form(self, form: Any, status: int) -> HttpResponse:
        return SheetListView().get(self.request, status=status, **{self.key: form})


class SheetGenerateView(_SheetListForm):
    required_permission = PAY
    key = "form"
    success_message = gettext_lazy("Wage sheet generated.")

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        institutions = selectors.institutions_for(self.request.user, WORK_KINDS, PAY)[:300]
        return InstitutionMonthForm(data, institutions=institutions)

    def act(self, data: dict[str, Any]) -> Any:
        return actions.wage_sheet_generate(
            actor=self.request.user, institution_id=data["institution"], month=data["month"]
        )

    def get_success_url(self, result: Any) -> str:
        return reverse("community:sheet-detail", kwargs={"wage_sheet_id": result.pk})


class MinimumWageView(_SheetListForm):
    required_permission = MANAGE
    form_class, key = MinimumWageForm, "min_form"
    success_url = "community:sheet-list"
    success_message = gettext_lazy("Minimum wage saved.")

    def act(self, data: dict[str, Any]) -> Any:
        return actions.minimum_wage_save(actor=self.request.user, **data)


class SheetDetailView(CanlianView):
    required_permission = VIEW

    def get(
        self,
        request: HttpRequest,
        wage_sheet_id: int,
        upload_form: Any = None,
        errors: Any = None,
        status: int = 200,
    ) -> HttpResponse:
        s = WageSheet.objects.select_related("institution").get_for_user(request.user, VIEW, pk=wage_sheet_id)
        table = Table(
            _("Wages"),
            [
                _("Line"),
                _("Name"),
                _("ID number"),
                _("Pieces"),
                _("Hours"),
                _("Wage"),
                _("Bank account"),
                _("Account holder"),
                _("Status"),
            ],
            testid="wage-lines",
        )
        for line in selectors.sheet_lines(s):
            table.add(
                line.pk,
                line.person.name,
                Cell(line.person.masked_id, mono=True),
                line.pieces,
                line.hours,
                line.amount,
                Cell(line.masked_account, mono=True),
                line.account_holder,
                line.get_status_display(),
            )
        buttons, forms = [], []
        if s.status == "generated" and may(request.user, APPROVE, s.region_code, s.institution_id):
            buttons.append(
                Button(
                    _("Approve"),
                    reverse("community:sheet-approve", kwargs={"wage_sheet_id": s.pk}),
                    testid="approve",
                )
            )
        if s.status in ("approved", "exported") and may(request.user, PAY, s.region_code, s.institution_id):
            buttons.append(
                Button(
                    _("Bank file (.xlsx)"),
                    reverse("community:sheet-export", kwargs={"wage_sheet_id": s.pk}),
                    {"fmt": "xlsx"},
                )
            )
            buttons.append(
                Button(
                    _("Bank file (.csv)"),
                    reverse("community:sheet-export", kwargs={"wage_sheet_id": s.pk}),
                    {"fmt": "csv"},
                )
            )
        if s.status in ("exported", "closed") and may(request.user, PAY, s.region_code, s.institution_id):
            forms.append(
                FormBlock(
                    _("Record the bank's results"),
                    upload_form or UploadForm(),
                    reverse("community:sheet-results", kwargs={"wage_sheet_id": s.pk}),
                    _("Upload"),
                    multipart=True,
                )
            )
        figures = [
            (_("Institution"), s.institution.name),
            (_("Month"), f"{s.month:%Y-%m}"),
            (_("Workers"), s.line_count),
            (_("Total"), s.total_amount),
            (_("Status"), s.get_status_display()),
            (_("Generated by"), s.generated_by or "—"),
            (_("Approved by"), s.approved_by or "—"),
        ]
        return page(
            request,
            _("Wage sheet %(month)s: %(inst)s") % {"month": f"{s.month:%Y-%m}", "inst": s.institution.name},
            figures=figures,
            tables=[table],
            buttons=buttons,
            forms=forms,
            errors=errors,
            status=status,
        )


class SheetApproveView(_BatchStep):
    required_permission = APPROVE
    model, kwarg, detail = WageSheet, "wage_sheet_id", "community:sheet-detail"

    @staticmethod
    def step(*, actor: Any, batch_id: Any) -> Any:
        return actions.wage_sheet_approve(actor=actor, sheet_id=batch_id)


class SheetExportView(CanlianView):
    required_permission = PAY
    http_method_names = ["post"]

    def post(self, request: HttpRequest, wage_sheet_id: int) -> HttpResponse:
        s = WageSheet.objects.get_for_user(request.user, PAY, pk=wage_sheet_id)
        fmt = request.POST.get("fmt", "xlsx")
        try:
            data, name = actions.wage_sheet_export(
                actor=request.user, sheet_id=s.pk, fmt=fmt if fmt in ("xlsx", "csv") else "xlsx"
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("community:sheet-detail", wage_sheet_id=s.pk)
        return (
            download(data, name, "text/csv; charset=utf-8") if name.endswith(".csv") else download(data, name)
        )


class SheetResultsView(FileImportView):
    required_permission = PAY
    http_method_names = ["post"]

    @cached_property
    def sheet(self) -> WageSheet:
        return WageSheet.objects.get_for_user(self.request.user, PAY, pk=self.kwargs["wage_sheet_id"])

    def run(self, path: str, name: str, data: dict[str, Any]) -> Any:
        return actions.wage_sheet_record_results(
            actor=self.request.user, sheet_id=self.sheet.pk, table=read_table(path, name=name)
        )

    def get_success_message(self, result: Any) -> str:
        return _("%(paid)s paid, %(failed)s failed, %(pending)s pending.") % result

    def get_success_url(self, result: Any) -> str:
        return reverse("community:sheet-detail", kwargs={"wage_sheet_id": self.sheet.pk})

    def render_form(self, form: Any, status: int) -> HttpResponse:
        return SheetDetailView().get(
            self.request, self.sheet.pk, upload_form=form, errors=self.row_errors, status=status
        )
