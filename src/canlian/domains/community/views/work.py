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
from django.utils.translation import gettext as _

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
from canlian.domains.community.views._base import attempt, download, person_id_for, uploaded
from canlian.domains.community.views.page import Button, Cell, FormBlock, Table, page
from canlian.domains.community.views.stars import _BatchStep
from canlian.platform.access import may, scope_roots
from canlian.platform.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from canlian.platform.tabular import read_table
from canlian.platform.views import CanlianView

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


class ProjectCreateView(CanlianView):
    required_permission = MANAGE

    def _page(self, request: HttpRequest, form: ProjectForm, status: int = 200) -> HttpResponse:
        return page(
            request,
            _("New project"),
            status=status,
            forms=[FormBlock(_("Project"), form, reverse("community:project-create"), _("Save"))],
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        roots = scope_roots(request.user, MANAGE)
        return self._page(request, ProjectForm(initial={"region_code": roots[0] if roots else ""}))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ProjectForm(request.POST)
        if form.is_valid():
            if attempt(form, lambda: actions.project_save(actor=request.user, **form.cleaned_data)):
                messages.success(request, _("Project saved."))
                return redirect("community:project-list")
        return self._page(request, form, status=400)


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
                Cell(w.person.name, reverse("community:worker-detail", kwargs={"ae_worker_id": w.pk})),
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


class WorkerCreateView(CanlianView):
    required_permission = RECORD

    def _form(self, request: HttpRequest, data: Any = None) -> WorkerForm:
        return WorkerForm(
            data,
            institutions=selectors.institutions_for(request.user, WORK_KINDS, RECORD)[:300],
            initial={"agreement_from": timezone.localdate()},
        )

    def _page(self, request: HttpRequest, form: WorkerForm, status: int = 200) -> HttpResponse:
        return page(
            request,
            _("Sign a worker's agreement"),
            status=status,
            intro=_(
                "Working-age intellectually, mentally or severely physically disabled people; wages go to the worker's own account."
            ),
            forms=[FormBlock(_("Labour agreement"), form, reverse("community:worker-create"), _("Save"))],
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(request, self._form(request))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request, request.POST)
        if form.is_valid():
            d = dict(form.cleaned_data)
            id_number, inst = d.pop("id_number"), d.pop("institution")
            w = attempt(
                form,
                lambda: actions.worker_sign(
                    actor=request.user,
                    institution_id=inst,
                    person_id=person_id_for(request.user, id_number),
                    **d,
                ),
            )
            if w is not None:
                messages.success(request, _("Agreement saved."))
                return redirect("community:worker-detail", ae_worker_id=w.pk)
        return self._page(request, form, status=400)


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


class OutputCreateView(CanlianView):
    required_permission = RECORD
    http_method_names = ["post"]

    def post(self, request: HttpRequest, ae_worker_id: int) -> HttpResponse:
        w = Worker.objects.get_for_user(request.user, RECORD, pk=ae_worker_id)
        form = OutputForm(request.POST, projects=_projects(request.user, w))
        if form.is_valid():
            d = form.cleaned_data
            if attempt(
                form,
                lambda: actions.output_record(
                    actor=request.user,
                    worker_id=w.pk,
                    month=d["month"],
                    pieces=d["pieces"],
                    hours=d["hours"],
                    project_id=d["project"] or None,
                ),
            ):
                messages.success(request, _("Output recorded."))
                return redirect("community:worker-detail", ae_worker_id=w.pk)
        return WorkerDetailView().get(request, w.pk, output_form=form, status=400)


class WorkerImportView(CanlianView):
    required_permission = RECORD

    def _inst(self, request: HttpRequest, workshop_id: int) -> Institution:
        inst = Institution.objects.get_for_user(request.user, RECORD, pk=workshop_id)
        if inst.kind not in WORK_KINDS:
            raise NotFound()
        return inst

    def _page(
        self, request: HttpRequest, inst: Institution, form: Any, errors: Any = None, status: int = 200
    ) -> HttpResponse:
        return page(
            request,
            _("Import workers: %(inst)s") % {"inst": inst.name},
            errors=errors,
            status=status,
            intro=_(
                "Columns: 身份证号, 姓名, 协议编号, 协议开始, 协议结束, 计酬方式 (计件/计时), 时薪, 开户行, 账号, 户名. If any row is wrong nothing is saved."
            ),
            forms=[
                FormBlock(
                    _("File"),
                    form,
                    reverse("community:worker-import", kwargs={"workshop_id": inst.pk}),
                    _("Upload"),
                    multipart=True,
                )
            ],
        )

    def get(self, request: HttpRequest, workshop_id: int) -> HttpResponse:
        return self._page(request, self._inst(request, workshop_id), UploadForm())

    def post(self, request: HttpRequest, workshop_id: int) -> HttpResponse:
        inst = self._inst(request, workshop_id)
        form = UploadForm(request.POST, request.FILES)
        errors: list = []
        if form.is_valid():
            try:
                n = uploaded(
                    request,
                    form,
                    lambda p, name: imports.workers_import(
                        actor=request.user, institution_id=inst.pk, path=p, name=name
                    ),
                )
            except (NotFound, PermissionDenied):
                raise
            except ValidationFailed as exc:
                errors = exc.errors or []
                if not errors:
                    form.add_error(None, exc.message)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("%(n)s agreements saved.") % {"n": n})
                return redirect("community:worker-list")
        return self._page(request, inst, form, errors, status=400)


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


class SheetGenerateView(CanlianView):
    required_permission = PAY
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = InstitutionMonthForm(
            request.POST, institutions=selectors.institutions_for(request.user, WORK_KINDS, PAY)[:300]
        )
        if form.is_valid():
            d = form.cleaned_data
            s = attempt(
                form,
                lambda: actions.wage_sheet_generate(
                    actor=request.user, institution_id=d["institution"], month=d["month"]
                ),
            )
            if s is not None:
                messages.success(request, _("Wage sheet generated."))
                return redirect("community:sheet-detail", wage_sheet_id=s.pk)
        return SheetListView().get(request, form=form, status=400)


class MinimumWageView(CanlianView):
    required_permission = MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = MinimumWageForm(request.POST)
        if form.is_valid():
            if attempt(form, lambda: actions.minimum_wage_save(actor=request.user, **form.cleaned_data)):
                messages.success(request, _("Minimum wage saved."))
                return redirect("community:sheet-list")
        return SheetListView().get(request, min_form=form, status=400)


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


class SheetResultsView(CanlianView):
    required_permission = PAY
    http_method_names = ["post"]

    def post(self, request: HttpRequest, wage_sheet_id: int) -> HttpResponse:
        s = WageSheet.objects.get_for_user(request.user, PAY, pk=wage_sheet_id)
        form = UploadForm(request.POST, request.FILES)
        errors: list = []
        if form.is_valid():
            try:
                result = uploaded(
                    request,
                    form,
                    lambda p, name: actions.wage_sheet_record_results(
                        actor=request.user, sheet_id=s.pk, table=read_table(p, name=name)
                    ),
                )
            except (NotFound, PermissionDenied):
                raise
            except ValidationFailed as exc:
                errors = exc.errors or []
                if not errors:
                    form.add_error(None, exc.message)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("%(paid)s paid, %(failed)s failed, %(pending)s pending.") % result
                )
                return redirect("community:sheet-detail", wage_sheet_id=s.pk)
        return SheetDetailView().get(request, s.pk, upload_form=form, errors=errors, status=400)
