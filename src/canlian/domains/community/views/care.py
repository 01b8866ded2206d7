"""Pages of care (托养): residents (admit, discharge, allowances, import, export), an institution's
monthly fee statements (generate, the list of residents over the cap, a printable statement), and
the care subsidy batches."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.institutions.models import Institution
from canlian.core.permissions import Perm
from canlian.domains.community import actions, exports, imports, selectors
from canlian.domains.community.actions.care import CARE_KINDS
from canlian.domains.community.forms import (
    AllowanceForm,
    DischargeForm,
    InstitutionYearForm,
    ResidentForm,
)
from canlian.domains.community.models import CareResident, CareSubsidyBatch, FeeStatement
from canlian.domains.community.views._base import (
    FormPage,
    ImportPageView,
    download,
    month_of,
    person_id_for,
)
from canlian.domains.community.views.page import Button, Cell, FormBlock, Table, page
from canlian.domains.community.views.stars import _BatchStep
from canlian.platform.access import may
from canlian.platform.errors import DomainError, NotFound, PermissionDenied
from canlian.platform.views import ActionFormView, CanlianView, int_param

VIEW, RECORD, PAY, APPROVE = (
    Perm.COMMUNITY_VIEW,
    Perm.COMMUNITY_RECORD,
    Perm.COMMUNITY_PAY,
    Perm.COMMUNITY_APPROVE,
)


def care_institution(user: Any, pk: int, action: str = VIEW) -> Institution:
    inst = Institution.objects.get_for_user(user, action, pk=pk)
    if inst.kind not in CARE_KINDS:
        raise NotFound()
    return inst


def _resident_url(resident_id: int) -> str:
    return reverse("community:resident-detail", kwargs={"resident_id": resident_id})


class ResidentListView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        institutions = list(selectors.institutions_for(request.user, CARE_KINDS)[:300])
        chosen = int_param(request.GET.get("institution"))
        qs = selectors.residents_visible(request.user, current=request.GET.get("all") != "1")
        if chosen:
            qs = qs.filter(institution_id=chosen)
        table = Table(
            _("Residents"),
            [
                _("Name"),
                _("ID number"),
                _("Institution"),
                _("Mode"),
                _("Admitted on"),
                _("Discharged on"),
                _("Next review on"),
            ],
            testid="resident-table",
        )
        for r in qs.order_by("institution", "-admitted_on")[:500]:
            table.add(
                Cell(r.person.name, _resident_url(r.pk)),
                Cell(r.person.masked_id, mono=True),
                r.institution.name,
                r.get_mode_display(),
                r.admitted_on,
                r.discharged_on or "",
                r.review_on or "",
            )
        places = Table(_("Care institutions"), [_("Institution"), _("Kind"), ""])
        for i in institutions:
            places.add(
                i.name,
                i.get_kind_display(),
                Cell(
                    _("Fee statements"),
                    reverse("community:statement-list", kwargs={"care_institution_id": i.pk}),
                ),
            )
        links = [(_("Export residents"), reverse("community:resident-export"))]
        if request.user.has_canlian_perm(RECORD):
            links.insert(0, (_("Admit a resident"), reverse("community:resident-create")))
        filters = [
            {
                "name": "institution",
                "label": _("Institution"),
                "value": chosen or "",
                "choices": [(i.pk, i.name) for i in institutions],
            }
        ]
        return page(request, _("Care (托养)"), tables=[table, places], links=links, filters=filters)


class ResidentCreateView(FormPage):
    required_permission = RECORD
    block_title, submit = gettext_lazy("Resident"), gettext_lazy("Admit")
    intro = gettext_lazy(
        "Care is for working-age intellectually, mentally or severely disabled people (the rule list in force)."
    )
    success_message = gettext_lazy("Resident admitted.")

    def title(self) -> str:
        return _("Admit a resident")

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return ResidentForm(
            data,
            institutions=selectors.institutions_for(self.request.user, CARE_KINDS, RECORD)[:300],
            initial={"admitted_on": timezone.localdate()},
        )

    def act(self, data: dict[str, Any]) -> CareResident:
        return actions.resident_admit(
            actor=self.request.user,
            institution_id=data["institution"],
            person_id=person_id_for(self.request.user, data["id_number"]),
            mode=data["mode"],
            admitted_on=data["admitted_on"],
            monthly_fee=data["monthly_fee"],
            review_on=data["review_on"],
        )

    def get_success_url(self, result: Any) -> str:
        return _resident_url(result.pk)


class ResidentDetailView(CanlianView):
    required_permission = VIEW

    def get(
        self, request: HttpRequest, resident_id: int, allowance_form: Any = None, status: int = 200
    ) -> HttpResponse:
        r = CareResident.objects.select_related("person", "institution").get_for_user(
            request.user, VIEW, pk=resident_id
        )
        allowances = Table(_("Allowances"), [_("Allowance"), _("Monthly amount"), _("From"), _("Until")])
        for a in r.person.community_allowances.order_by("kind", "-valid_from"):
            allowances.add(a.get_kind_display(), a.monthly_amount, a.valid_from, a.valid_to or "")
        statements = Table(
            _("Fee statements"),
            [_("Month"), _("Own allowances"), _("Institution's fee"), _("Cap"), _("Fee due")],
        )
        for s in r.statements.order_by("-month")[:24]:
            statements.add(
                Cell(
                    f"{s.month:%Y-%m}",
                    reverse("community:statement-print", kwargs={"resident_id": r.pk})
                    + f"?month={s.month:%Y-%m}",
                ),
                s.basis,
                s.institution_fee,
                s.cap,
                s.fee,
            )
        hardship = Table(_("Hardship statuses"), [_("Status"), _("From"), _("Until")])
        for h in r.person.hardships.order_by("-valid_from"):
            hardship.add(h.get_kind_display(), h.valid_from, h.valid_to or "")
        forms, links = [], []
        if may(request.user, RECORD, r.region_code, r.institution_id):
            forms.append(
                FormBlock(
                    _("Record an allowance"),
                    allowance_form or AllowanceForm(),
                    reverse("community:allowance-create", kwargs={"resident_id": r.pk}),
                    _("Save"),
                )
            )
            if r.discharged_on is None:
                links.append(
                    (_("Discharge"), reverse("community:resident-discharge", kwargs={"resident_id": r.pk}))
                )
        figures = [
            (_("Name"), r.person.name),
            (_("ID number"), r.person.masked_id),
            (_("Institution"), r.institution.name),
            (_("Mode"), r.get_mode_display()),
            (_("Admitted on"), r.admitted_on),
            (_("Discharged on"), r.discharged_on or "—"),
            (_("Next review on"), r.review_on or "—"),
            (_("Institution's monthly fee"), r.monthly_fee),
        ]
        return page(
            request,
            _("Resident: %(name)s") % {"name": r.person.name},
            figures=figures,
            tables=[hardship, allowances, statements],
            forms=forms,
            links=links,
            status=status,
        )


class AllowanceCreateView(ActionFormView):
    required_permission = RECORD
    http_method_names = ["post"]
    form_class = AllowanceForm
    success_message = gettext_lazy(
        "Allowance recorded: regenerate the fee statements of the months it changes."
    )

    @cached_property
    def resident(self) -> CareResident:
        return CareResident.objects.get_for_user(self.request.user, RECORD, pk=self.kwargs["resident_id"])

    def act(self, data: dict[str, Any]) -> Any:
        return actions.allowance_record(actor=self.request.user, resident_id=self.resident.pk, **data)

    def get_success_url(self, result: Any) -> str:
        return _resident_url(self.resident.pk)

    def render_form(self, form: Any, status: int) -> HttpResponse:
        return ResidentDetailView().get(self.request, self.resident.pk, allowance_form=form, status=status)


class ResidentDischargeView(FormPage):
    required_permission = RECORD
    block_title = gettext_lazy("Discharge")
    success_message = gettext_lazy("Resident discharged.")

    @cached_property
    def resident(self) -> CareResident:
        return CareResident.objects.select_related("person").get_for_user(
            self.request.user, RECORD, pk=self.kwargs["resident_id"]
        )

    def title(self) -> str:
        return _("Discharge %(name)s") % {"name": self.resident.person.name}

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return DischargeForm(data, initial={"discharged_on": timezone.localdate()})

    def act(self, data: dict[str, Any]) -> Any:
        return actions.resident_discharge(
            actor=self.request.user,
            resident_id=self.resident.pk,
            discharged_on=data["discharged_on"],
            reason=data["reason"],
        )

    def get_success_url(self, result: Any) -> str:
        return _resident_url(self.resident.pk)


class ResidentImportView(ImportPageView):
    required_permission = RECORD
    intro = gettext_lazy(
        "Columns: 身份证号, 姓名, 托养方式 (寄宿/日间/居家), 入住日期, 月收费. If any row is wrong nothing is saved."
    )

    @cached_property
    def inst(self) -> Institution:
        return care_institution(self.request.user, self.kwargs["care_institution_id"], RECORD)

    def title(self) -> str:
        return _("Import residents: %(inst)s") % {"inst": self.inst.name}

    def run(self, path: str, name: str, data: dict[str, Any]) -> Any:
        return imports.residents_import(
            actor=self.request.user, institution_id=self.inst.pk, path=path, name=name
        )

    def get_success_message(self, result: Any) -> str:
        return _("%(n)s residents admitted.") % {"n": result}

    def get_success_url(self, result: Any) -> str:
        return reverse("community:statement-list", kwargs={"care_institution_id": self.inst.pk})


class ResidentExportView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        return download(exports.residents_xlsx(request.user), "residents.xlsx")


class StatementListView(CanlianView):
    """An institution's fee statements of a month and the residents whose statement exceeds what the
    fee rule now allows (empty after regeneration)."""

    required_permission = VIEW

    def get(self, request: HttpRequest, care_institution_id: int) -> HttpResponse:
        inst = care_institution(request.user, care_institution_id)
        month = month_of(request.GET.get("month"))
        rows = selectors.statements_visible(request.user, institution=inst, month=month).order_by(
            "person__name"
        )
        table = Table(
            _("Fee statements %(month)s") % {"month": f"{month:%Y-%m}"},
            [
                _("Name"),
                _("低保金"),
                _("五保金"),
                _("Living subsidy"),
                _("Nursing subsidy"),
                _("Own allowances"),
                _("Days in a 低保/五保 household"),
                _("Institution's fee"),
                _("Cap"),
                _("Fee due"),
            ],
            testid="statement-table",
        )
        for s in rows:
            table.add(
                Cell(
                    s.person.name,
                    reverse("community:statement-print", kwargs={"resident_id": s.resident_id})
                    + f"?month={month:%Y-%m}",
                ),
                s.dibao_amount,
                s.wubao_amount,
                s.living_amount,
                s.nursing_amount,
                s.basis,
                f"{s.hardship_days}/{s.resident_days}",
                s.institution_fee,
                s.cap,
                s.fee,
            )
        over = Table(
            _("Residents whose fee exceeds the cap"),
            [_("Name"), _("Fee due")],
            empty=_("None."),
            testid="over-cap",
        )
        for s in selectors.statements_over_cap(request.user, institution=inst, month=month):
            over.add(s.person.name, s.fee)
        buttons, links = [], []
        if may(request.user, RECORD, inst.region_code, inst.pk):
            buttons.append(
                Button(
                    _("Generate the statements of %(month)s") % {"month": f"{month:%Y-%m}"},
                    reverse("community:statement-generate", kwargs={"care_institution_id": inst.pk}),
                    {"month": f"{month:%Y-%m}"},
                    testid="statement-generate",
                )
            )
            links.append(
                (
                    _("Import residents"),
                    reverse("community:resident-import", kwargs={"care_institution_id": inst.pk}),
                )
            )
        filters = [{"name": "month", "label": _("Month"), "value": f"{month:%Y-%m}", "type": "month"}]
        return page(
            request,
            _("Fee statements: %(inst)s") % {"inst": inst.name},
            tables=[table, over],
            buttons=buttons,
            links=links,
            filters=filters,
            intro=_(
                "Residents from 低保 or 五保 households bring their own allowances and the two subsidies and stay free; the others pay no more than that amount."
            ),
        )


class StatementGenerateView(CanlianView):
    required_permission = RECORD
    http_method_names = ["post"]

    def post(self, request: HttpRequest, care_institution_id: int) -> HttpResponse:
        inst = care_institution(request.user, care_institution_id, RECORD)
        month = month_of(request.POST.get("month"))
        try:
            n = actions.fee_statements_generate(actor=request.user, institution_id=inst.pk, month=month)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(n)s statements written.") % {"n": n})
        return redirect(
            reverse("community:statement-list", kwargs={"care_institution_id": inst.pk})
            + f"?month={month:%Y-%m}"
        )


class StatementPrintView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest, resident_id: int) -> HttpResponse:
        r = CareResident.objects.select_related("person", "institution").get_for_user(
            request.user, VIEW, pk=resident_id
        )
        month = month_of(request.GET.get("month"))
        statement = FeeStatement.objects.filter(resident=r, month=month).select_related("rule").first()
        return render(
            request, "community/statement_print.html", {"resident": r, "month": month, "s": statement}
        )


class CareBatchListView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest, form: Any = None, status: int = 200) -> HttpResponse:
        table = Table(
            _("Care subsidy batches"), [_("Institution"), _("Year"), _("Residents"), _("Total"), _("Status")]
        )
        for b in selectors.care_batches_visible(request.user).order_by("-year", "institution__name")[:200]:
            table.add(
                Cell(
                    b.institution.name, reverse("community:care-batch-detail", kwargs={"care_batch_id": b.pk})
                ),
                b.year,
                b.line_count,
                b.total_amount,
                b.get_status_display(),
            )
        forms = []
        if request.user.has_canlian_perm(PAY):
            forms.append(
                FormBlock(
                    _("Generate a care subsidy batch"),
                    form
                    or InstitutionYearForm(
                        institutions=selectors.institutions_for(request.user, CARE_KINDS, PAY)[:300],
                        initial={"year": timezone.localdate().year},
                    ),
                    reverse("community:care-batch-generate"),
                    _("Generate"),
                )
            )
        return page(
            request,
            _("Care subsidy"),
            tables=[table],
            forms=forms,
            status=status,
            intro=_(
                "A yearly subsidy per resident by mode (effective-dated standards by region), paid to the institution."
            ),
        )


class CareBatchGenerateView(ActionFormView):
    required_permission = PAY
    http_method_names = ["post"]
    success_message = gettext_lazy("Care subsidy batch generated.")

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        institutions = selectors.institutions_for(self.request.user, CARE_KINDS, PAY)[:300]
        return InstitutionYearForm(data, institutions=institutions)

    def act(self, data: dict[str, Any]) -> Any:
        return actions.care_subsidy_generate(
            actor=self.request.user, institution_id=data["institution"], year=data["year"]
        )

    def get_success_url(self, result: Any) -> str:
        return reverse("community:care-batch-detail", kwargs={"care_batch_id": result.pk})

    def render_form(self, form: Any, status: int) -> HttpResponse:
        return CareBatchListView().get(self.request, form=form, status=status)


class CareBatchDetailView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest, care_batch_id: int) -> HttpResponse:
        b = CareSubsidyBatch.objects.select_related("institution").get_for_user(
            request.user, VIEW, pk=care_batch_id
        )
        table = Table(
            _("Residents"), [_("Name"), _("ID number"), _("Mode"), _("Months counted"), _("Amount")]
        )
        for line in b.lines.select_related("person").order_by("resident"):
            table.add(
                line.person.name,
                Cell(line.person.masked_id, mono=True),
                line.get_mode_display(),
                line.months,
                line.amount,
            )
        buttons = []
        if b.status == "generated" and may(request.user, APPROVE, b.region_code):
            buttons.append(
                Button(_("Approve"), reverse("community:care-batch-approve", kwargs={"care_batch_id": b.pk}))
            )
        if b.status == "approved" and may(request.user, PAY, b.region_code):
            buttons.append(
                Button(_("Mark paid"), reverse("community:care-batch-paid", kwargs={"care_batch_id": b.pk}))
            )
        figures = [
            (_("Institution"), b.institution.name),
            (_("Year"), b.year),
            (_("Residents"), b.line_count),
            (_("Total"), b.total_amount),
            (_("Status"), b.get_status_display()),
            (_("Generated by"), b.generated_by or "—"),
            (_("Approved by"), b.approved_by or "—"),
        ]
        return page(
            request,
            _("Care subsidy %(year)s: %(inst)s") % {"year": b.year, "inst": b.institution.name},
            figures=figures,
            tables=[table],
            buttons=buttons,
        )


class CareBatchApproveView(_BatchStep):
    required_permission = APPROVE
    model, kwarg, detail = CareSubsidyBatch, "care_batch_id", "community:care-batch-detail"
    step = staticmethod(actions.care_subsidy_approve)


class CareBatchPaidView(_BatchStep):
    required_permission = PAY
    model, kwarg, detail = CareSubsidyBatch, "care_batch_id", "community:care-batch-detail"
    step = staticmethod(actions.care_subsidy_mark_paid)
