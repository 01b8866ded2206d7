"""Pages of the institution subsidies (construction, rent, equipment, social insurance): the region
list (batches, lines with their basis, standards, applications; generate, save a standard, apply;
Excel export), a batch (approve by someone else, paid) and an institution's own subsidies."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.institutions.models import Institution
from canlian.core.permissions import Perm
from canlian.domains.community import actions, exports, selectors
from canlian.domains.community.actions.subsidies import SUBSIDY_KINDS
from canlian.domains.community.forms import SubsidyApplicationForm, SubsidyBatchForm, SubsidyStandardForm
from canlian.domains.community.models import InstitutionSubsidyBatch
from canlian.domains.community.views._base import download
from canlian.domains.community.views.page import Button, Cell, FormBlock, Table, page
from canlian.domains.community.views.stars import _BatchStep
from canlian.platform.access import may, scope_roots
from canlian.platform.views import ActionFormView, CanlianView, int_param

VIEW, RECORD, MANAGE, PAY, APPROVE = (
    Perm.COMMUNITY_VIEW,
    Perm.COMMUNITY_RECORD,
    Perm.COMMUNITY_MANAGE,
    Perm.COMMUNITY_PAY,
    Perm.COMMUNITY_APPROVE,
)


def _line_table(title: Any, lines: Any, testid: str) -> Table:
    table = Table(
        title,
        [_("Institution"), _("Region"), _("Year"), _("Subsidy"), _("Basis"), _("Amount"), _("Status")],
        testid=testid,
    )
    for line in lines:
        table.add(
            Cell(
                line.institution.name,
                reverse(
                    "community:subsidy-institution", kwargs={"subsidy_institution_id": line.institution_id}
                ),
            ),
            line.region_code,
            line.year,
            line.get_kind_display(),
            line.basis,
            line.amount,
            Cell(
                line.batch.get_status_display(),
                reverse("community:subsidy-detail", kwargs={"inst_subsidy_batch_id": line.batch_id}),
            ),
        )
    return table


def _institutions(user: Any) -> Any:
    return selectors.institutions_for(user, SUBSIDY_KINDS, action=RECORD)


class SubsidyListView(CanlianView):
    required_permission = VIEW

    def get(
        self, request: HttpRequest, forms: dict[str, Any] | None = None, status: int = 200
    ) -> HttpResponse:
        forms = forms or {}
        user = request.user
        year = int_param(request.GET.get("year"))
        batches = Table(
            _("Institution subsidy batches"),
            [_("Region"), _("Year"), _("Lines"), _("Total"), _("Status"), _("Paid on")],
            testid="subsidy-batches",
        )
        bqs = selectors.subsidy_batches_visible(user).order_by("-year", "region_code")
        for b in (bqs.filter(year=year) if year else bqs)[:200]:
            batches.add(
                Cell(
                    b.region_code, reverse("community:subsidy-detail", kwargs={"inst_subsidy_batch_id": b.pk})
                ),
                b.year,
                b.line_count,
                b.total_amount,
                b.get_status_display(),
                b.paid_on or "",
            )
        lines = selectors.subsidy_lines_visible(user, year=year).order_by(
            "-year", "region_code", "institution__name", "kind"
        )
        line_table = _line_table(_("Subsidy lines"), lines[:500], "subsidy-lines")
        apps = Table(
            _("Applications"),
            [_("Institution"), _("Year"), _("Subsidy"), _("Quantity"), _("Equipment cost"), _("Note")],
        )
        for a in selectors.subsidy_applications_visible(user, year=year).order_by(
            "-year", "institution__name", "kind"
        )[:300]:
            apps.add(a.institution.name, a.year, a.get_kind_display(), a.quantity, a.cost or "", a.note)
        standards = Table(
            _("Institution subsidy standards"),
            [_("Region"), _("Subsidy"), _("From"), _("Until"), _("Amount")],
        )
        for s in selectors.subsidy_standards_visible(user).order_by("region_code", "kind", "-valid_from")[
            :200
        ]:
            standards.add(
                s.region_code or "*", s.get_kind_display(), s.valid_from, s.valid_to or "", s.amount
            )
        blocks = []
        if user.has_canlian_perm(PAY):
            roots = scope_roots(user, PAY)
            initial = {
                "region_code": roots[0] if roots and roots[0] else "",
                "year": timezone.localdate().year,
            }
            blocks.append(
                FormBlock(
                    _("Generate the institution subsidies of a year"),
                    forms.get("batch") or SubsidyBatchForm(initial=initial),
                    reverse("community:subsidy-generate"),
                    _("Generate"),
                )
            )
        if user.has_canlian_perm(RECORD):
            blocks.append(
                FormBlock(
                    _("Apply for a subsidy (rent, equipment, social insurance)"),
                    forms.get("apply")
                    or SubsidyApplicationForm(
                        institutions=_institutions(user), initial={"year": timezone.localdate().year}
                    ),
                    reverse("community:subsidy-apply"),
                    _("Save"),
                )
            )
        if user.has_canlian_perm(MANAGE):
            blocks.append(
                FormBlock(
                    _("Save an institution subsidy standard"),
                    forms.get("standard") or SubsidyStandardForm(),
                    reverse("community:subsidy-standard"),
                    _("Save"),
                )
            )
        export = reverse("community:subsidy-export") + (f"?year={year}" if year else "")
        return page(
            request,
            _("Institution subsidies"),
            intro=_(
                "Construction once for a home opened in the year; rent, equipment and social insurance on "
                "application; each from the standard in force on 1 January for the institution's region."
            ),
            filters=[{"name": "year", "label": _("Year"), "value": year or "", "type": "number"}],
            tables=[batches, line_table, apps, standards],
            forms=blocks,
            links=[(_("Export to Excel"), export)],
            status=status,
        )


class SubsidyExportView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        year = int_param(request.GET.get("year"))
        data = exports.subsidy_lines_xlsx(request.user, year=year)
        return download(data, f"institution-subsidies-{year or 'all'}.xlsx")


class _ListPost(ActionFormView):
    """A form of the list page: refused, the list page again with the form and its errors."""

    http_method_names = ["post"]
    success_url = "community:subsidy-list"
    key = ""

    def render_form(self, form: Any, status: int) -> HttpResponse:
        return SubsidyListView().get(self.request, forms={self.key: form}, status=status)


class SubsidyGenerateView(_ListPost):
    required_permission = PAY
    form_class, key = SubsidyBatchForm, "batch"

    def act(self, data: dict[str, Any]) -> Any:
        return actions.subsidy_batch_generate(
            actor=self.request.user, region_code=data["region_code"], year=data["year"]
        )

    def get_success_url(self, result: Any) -> str:
        return reverse("community:subsidy-detail", kwargs={"inst_subsidy_batch_id": result.pk})


class SubsidyStandardView(_ListPost):
    required_permission = MANAGE
    form_class, key = SubsidyStandardForm, "standard"

    def act(self, data: dict[str, Any]) -> Any:
        return actions.subsidy_standard_save(actor=self.request.user, **data)


class SubsidyApplyView(_ListPost):
    required_permission = RECORD
    key = "apply"

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return SubsidyApplicationForm(data, institutions=_institutions(self.request.user))

    def act(self, data: dict[str, Any]) -> Any:
        return actions.subsidy_apply(
            actor=self.request.user,
            institution_id=data["institution"],
            year=data["year"],
            kind=data["kind"],
            quantity=data["quantity"] or 1,
            cost=data["cost"],
            note=data["note"],
        )

    def get_success_url(self, result: Any) -> str:
        return reverse(
            "community:subsidy-institution", kwargs={"subsidy_institution_id": result.institution_id}
        )


class SubsidyDetailView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest, inst_subsidy_batch_id: int) -> HttpResponse:
        b = InstitutionSubsidyBatch.objects.get_for_user(request.user, VIEW, pk=inst_subsidy_batch_id)
        lines = b.lines.select_related("institution", "batch").order_by(
            "region_code", "institution__name", "kind"
        )
        buttons = []
        if b.status == "generated" and may(request.user, APPROVE, b.region_code):
            buttons.append(
                Button(
                    _("Approve"), reverse("community:subsidy-approve", kwargs={"inst_subsidy_batch_id": b.pk})
                )
            )
        if b.status == "approved" and may(request.user, PAY, b.region_code):
            buttons.append(
                Button(
                    _("Mark paid"), reverse("community:subsidy-paid", kwargs={"inst_subsidy_batch_id": b.pk})
                )
            )
        figures = [
            (_("Region"), b.region_code),
            (_("Year"), b.year),
            (_("Lines"), b.line_count),
            (_("Total"), b.total_amount),
            (_("Status"), b.get_status_display()),
            (_("Generated by"), b.generated_by or "—"),
            (_("Approved by"), b.approved_by or "—"),
            (_("Paid on"), b.paid_on or "—"),
        ]
        return page(
            request,
            _("Institution subsidies %(year)s: %(region)s") % {"year": b.year, "region": b.region_code},
            figures=figures,
            tables=[_line_table(_("Lines"), lines, "subsidy-batch-lines")],
            buttons=buttons,
            intro=b.note,
            links=[(_("Institution subsidies"), reverse("community:subsidy-list"))],
        )


class SubsidyApproveView(_BatchStep):
    required_permission = APPROVE
    model, kwarg, detail = InstitutionSubsidyBatch, "inst_subsidy_batch_id", "community:subsidy-detail"
    step = staticmethod(actions.subsidy_batch_approve)


class SubsidyPaidView(_BatchStep):
    required_permission = PAY
    model, kwarg, detail = InstitutionSubsidyBatch, "inst_subsidy_batch_id", "community:subsidy-detail"
    step = staticmethod(actions.subsidy_batch_mark_paid)


class InstitutionSubsidyView(CanlianView):
    """An institution's subsidies: its lines with their basis and its applications."""

    required_permission = VIEW

    def get(self, request: HttpRequest, subsidy_institution_id: int) -> HttpResponse:
        inst = Institution.objects.filter(kind__in=SUBSIDY_KINDS).get_for_user(
            request.user, VIEW, pk=subsidy_institution_id
        )
        lines = selectors.subsidy_lines_visible(request.user, institution=inst).order_by("-year", "kind")
        apps = Table(
            _("Applications"), [_("Year"), _("Subsidy"), _("Quantity"), _("Equipment cost"), _("Note")]
        )
        for a in selectors.subsidy_applications_visible(request.user, institution=inst).order_by(
            "-year", "kind"
        ):
            apps.add(a.year, a.get_kind_display(), a.quantity, a.cost or "", a.note)
        links = [(_("Institution subsidies"), reverse("community:subsidy-list"))]
        home = getattr(inst, "home", None) if inst.kind == "home" else None
        if home is not None:
            links.append((_("The home"), reverse("community:home-detail", kwargs={"home_id": home.pk})))
        total = sum((line.amount for line in lines if line.batch.status == "paid"), start=0)
        return page(
            request,
            _("Subsidies: %(institution)s") % {"institution": inst.name},
            figures=[
                (_("Institution"), inst.name),
                (_("Kind"), inst.get_kind_display()),
                (_("Region"), inst.region_code),
                (_("Paid in all"), total),
            ],
            tables=[_line_table(_("Subsidy lines"), lines, "institution-subsidy-lines"), apps],
            links=links,
        )
