"""Pages of the star rating and funding: a home's assessment form (scores by criterion, evidence
photos), the assessment with its confirmation, the funding standards, the funding batches with
generate, approve (someone else) and paid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.permissions import Perm
from canlian.domains.community import actions, selectors
from canlian.domains.community.actions.stars import TENTH, bands_for, criteria_for
from canlian.domains.community.forms import (
    AssessmentForm,
    EvidenceForm,
    FundingForm,
    FundingStandardForm,
    StarBandsForm,
    StarCriteriaForm,
)
from canlian.domains.community.models import FundingBatch, FundingStandard, Home, StarAssessment, StarEvidence
from canlian.domains.community.views._base import FormPage
from canlian.domains.community.views.page import Button, Cell, FormBlock, Table, page
from canlian.platform.access import may, scope_roots
from canlian.platform.errors import DomainError, NotFound, PermissionDenied
from canlian.platform.views import ActionFormView, CanlianView, int_param

VIEW, MANAGE, PAY, APPROVE = (
    Perm.COMMUNITY_VIEW,
    Perm.COMMUNITY_MANAGE,
    Perm.COMMUNITY_PAY,
    Perm.COMMUNITY_APPROVE,
)


class AssessmentCreateView(FormPage):
    required_permission = MANAGE
    block_title = gettext_lazy("Scores")
    intro = gettext_lazy(
        "The weighted score gives the stars from the score bands in force; a confirmed assessment sets the next year's funding."
    )

    @cached_property
    def home(self) -> Home:
        return Home.objects.select_related("institution").get_for_user(
            self.request.user, MANAGE, pk=self.kwargs["home_id"]
        )

    @cached_property
    def criteria(self) -> Any:
        """The criteria in force on the day assessed (today on the empty form)."""
        day = self.request.POST.get("assessed_on") or timezone.localdate().isoformat()
        try:
            return criteria_for(self.home.region_code, timezone.datetime.fromisoformat(day[:10]).date())
        except ValueError:
            return criteria_for(self.home.region_code, timezone.localdate())

    def title(self) -> str:
        return _("Star assessment: %(home)s") % {"home": self.home.institution.name}

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        today = timezone.localdate()
        return AssessmentForm(
            data, criteria=self.criteria, initial={"year": today.year, "assessed_on": today}
        )

    def act(self, data: dict[str, Any]) -> StarAssessment:
        return actions.assessment_save(
            actor=self.request.user,
            home_id=self.home.pk,
            year=data["year"],
            assessed_on=data["assessed_on"],
            scores={c.code: data[f"score_{c.code}"] for c in self.criteria},
            assessors=data["assessors"],
        )

    def get_success_message(self, result: Any) -> str:
        return _("Assessment saved: %(score)s points, %(stars)s stars.") % {
            "score": result.total_score,
            "stars": result.stars,
        }

    def get_success_url(self, result: Any) -> str:
        return reverse("community:assessment-detail", kwargs={"star_assessment_id": result.pk})


class AssessmentDetailView(ActionFormView):
    """An assessment with its scores and evidence photos; POST adds a photo."""

    required_permission = VIEW
    success_message = gettext_lazy("Photo added.")

    def _get(self, request: HttpRequest, star_assessment_id: int, action: str = VIEW) -> StarAssessment:
        return StarAssessment.objects.select_related("home__institution").get_for_user(
            request.user, action, pk=star_assessment_id
        )

    def get(
        self,
        request: HttpRequest,
        star_assessment_id: int,
        form: EvidenceForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        a = self._get(request, star_assessment_id)
        table = Table(_("Scores"), [_("Criterion"), _("Weight"), _("Full score"), _("Score")])
        for s in a.scores.select_related("criterion").order_by("criterion__order"):
            table.add(_(s.criterion.name), s.criterion.weight, s.criterion.max_score, s.score)
        photos = [
            {
                "url": reverse(
                    "community:evidence-photo",
                    kwargs={"star_assessment_id": a.pk, "star_evidence_id": e.pk},
                ),
                "caption": e.caption or e.photo.name.rsplit("/", 1)[-1],
            }
            for e in a.evidence.all()
        ]
        buttons, forms = [], []
        if a.status == "draft" and may(request.user, MANAGE, a.region_code):
            buttons.append(
                Button(
                    _("Confirm the assessment"),
                    reverse("community:assessment-confirm", kwargs={"star_assessment_id": a.pk}),
                )
            )
        if may(request.user, MANAGE, a.region_code):
            forms.append(
                FormBlock(
                    _("Add an evidence photo"),
                    form or EvidenceForm(),
                    reverse("community:assessment-detail", kwargs={"star_assessment_id": a.pk}),
                    _("Upload"),
                    multipart=True,
                )
            )
        figures = [
            (_("Home"), a.home.institution.name),
            (_("Year"), a.year),
            (_("Assessed on"), a.assessed_on),
            (_("Weighted score"), a.total_score),
            (_("Stars"), "★" * a.stars or "—"),
            (_("Status"), a.get_status_display()),
        ]
        return page(
            request,
            _("Star assessment %(year)s: %(home)s") % {"year": a.year, "home": a.home.institution.name},
            figures=figures,
            tables=[table],
            photos=photos,
            photos_title=_("Evidence photos"),
            buttons=buttons,
            forms=forms,
            links=[(_("The home"), reverse("community:home-detail", kwargs={"home_id": a.home_id}))],
            status=status,
        )

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        """The evidence form (POST only): the assessment must be one the user manages."""
        self.assessment = self._get(self.request, self.kwargs["star_assessment_id"], MANAGE)
        return EvidenceForm(data, files)

    def act(self, data: dict[str, Any]) -> Any:
        return actions.evidence_add(
            actor=self.request.user,
            assessment_id=self.assessment.pk,
            photo=data["photo"],
            caption=data["caption"],
        )

    def get_success_url(self, result: Any) -> str:
        return reverse("community:assessment-detail", kwargs={"star_assessment_id": self.assessment.pk})

    def render_form(self, form: Any, status: int) -> HttpResponse:
        return self.get(self.request, self.assessment.pk, form=form, status=status)


class AssessmentConfirmView(CanlianView):
    required_permission = MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, star_assessment_id: int) -> HttpResponse:
        a = StarAssessment.objects.get_for_user(request.user, MANAGE, pk=star_assessment_id)
        try:
            actions.assessment_confirm(actor=request.user, assessment_id=a.pk)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Assessment confirmed."))
        return redirect("community:assessment-detail", star_assessment_id=a.pk)


class FundingListView(CanlianView):
    required_permission = VIEW

    def get(
        self, request: HttpRequest, form: FundingForm | None = None, std_form: Any = None, status: int = 200
    ) -> HttpResponse:
        batches = Table(
            _("Funding batches"),
            [_("Region"), _("Funded year"), _("Homes"), _("Total"), _("Status")],
            testid="funding-table",
        )
        for b in selectors.funding_batches_visible(request.user).order_by("-year", "region_code")[:200]:
            batches.add(
                Cell(b.region_code, reverse("community:funding-detail", kwargs={"funding_batch_id": b.pk})),
                b.year,
                b.line_count,
                b.total_amount,
                b.get_status_display(),
            )
        assessments = Table(
            _("Star assessments"), [_("Home"), _("Year"), _("Weighted score"), _("Stars"), _("Status")]
        )
        for a in selectors.assessments_visible(request.user).order_by("-year", "home__region_code")[:300]:
            assessments.add(
                Cell(
                    a.home.institution.name,
                    reverse("community:assessment-detail", kwargs={"star_assessment_id": a.pk}),
                ),
                a.year,
                a.total_score,
                "★" * a.stars,
                a.get_status_display(),
            )
        standards = Table(
            _("Funding standards"), [_("Region"), _("From"), _("Until"), _("Stars"), _("Yearly funding")]
        )
        for s in FundingStandard.objects.for_user(request.user, VIEW).order_by(
            "region_code", "-valid_from", "-stars"
        )[:200]:
            standards.add(s.region_code or "*", s.valid_from, s.valid_to or "", "★" * s.stars, s.amount)
        roots = scope_roots(request.user, PAY)
        forms = []
        if request.user.has_canlian_perm(PAY):
            initial = {
                "region_code": roots[0] if roots and roots[0] else "",
                "year": timezone.localdate().year + 1,
            }
            forms.append(
                FormBlock(
                    _("Generate the funding of a year"),
                    form or FundingForm(initial=initial),
                    reverse("community:funding-generate"),
                    _("Generate"),
                )
            )
        if request.user.has_canlian_perm(MANAGE):
            forms.append(
                FormBlock(
                    _("Save a funding standard"),
                    std_form or FundingStandardForm(),
                    reverse("community:funding-standard"),
                    _("Save"),
                )
            )
        return page(
            request,
            _("Stars and funding"),
            tables=[batches, assessments, standards],
            forms=forms,
            status=status,
        )


class _FundingListForm(ActionFormView):
    """A form of the funding list: refused, the list again with the form (``key``)."""

    http_method_names = ["post"]
    key = ""

    def render_form(self, form: Any, status: int) -> HttpResponse:
        return FundingListView().get(self.request, status=status, **{self.key: form})


class FundingGenerateView(_FundingListForm):
    required_permission = PAY
    form_class, key = FundingForm, "form"
    success_message = gettext_lazy("Funding batch generated.")

    def act(self, data: dict[str, Any]) -> FundingBatch:
        return actions.funding_generate(
            actor=self.request.user, region_code=data["region_code"], year=data["year"]
        )

    def get_success_url(self, result: Any) -> str:
        return reverse("community:funding-detail", kwargs={"funding_batch_id": result.pk})


class FundingStandardView(_FundingListForm):
    required_permission = MANAGE
    form_class, key = FundingStandardForm, "std_form"
    success_url = "community:funding-list"
    success_message = gettext_lazy("Standard saved.")

    def act(self, data: dict[str, Any]) -> Any:
        return actions.funding_standard_save(actor=self.request.user, **data)


class FundingDetailView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest, funding_batch_id: int) -> HttpResponse:
        b = FundingBatch.objects.get_for_user(request.user, VIEW, pk=funding_batch_id)
        table = Table(
            _("Homes funded"), [_("Home"), _("Township"), _("Stars"), _("Amount")], testid="funding-lines"
        )
        for line in b.lines.select_related("home__institution").order_by("region_code", "home"):
            table.add(
                Cell(
                    line.home.institution.name,
                    reverse("community:home-detail", kwargs={"home_id": line.home_id}),
                ),
                line.region_code,
                "★" * line.stars,
                line.amount,
            )
        buttons = []
        if b.status == "generated" and may(request.user, APPROVE, b.region_code):
            buttons.append(
                Button(_("Approve"), reverse("community:funding-approve", kwargs={"funding_batch_id": b.pk}))
            )
        if b.status == "approved" and may(request.user, PAY, b.region_code):
            buttons.append(
                Button(_("Mark paid"), reverse("community:funding-paid", kwargs={"funding_batch_id": b.pk}))
            )
        figures = [
            (_("Region"), b.region_code),
            (_("Funded year"), b.year),
            (_("Homes"), b.line_count),
            (_("Total"), b.total_amount),
            (_("Status"), b.get_status_display()),
            (_("Generated by"), b.generated_by or "—"),
            (_("Approved by"), b.approved_by or "—"),
        ]
        return page(
            request,
            _("Home funding %(year)s") % {"year": b.year},
            figures=figures,
            tables=[table],
            buttons=buttons,
            intro=b.note,
        )


class _BatchStep(CanlianView):
    http_method_names = ["post"]
    step: Any = None
    model: Any = None
    kwarg = ""
    detail = ""

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        obj = self.model.objects.get_for_user(request.user, self.required_permission, pk=kwargs[self.kwarg])
        try:
            type(self).step(actor=request.user, batch_id=obj.pk)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved."))
        return redirect(self.detail, **{self.kwarg: obj.pk})


class FundingApproveView(_BatchStep):
    required_permission = APPROVE
    model, kwarg, detail = FundingBatch, "funding_batch_id", "community:funding-detail"
    step = staticmethod(actions.funding_approve)


class FundingPaidView(_BatchStep):
    required_permission = PAY
    model, kwarg, detail = FundingBatch, "funding_batch_id", "community:funding-detail"
    step = staticmethod(actions.funding_mark_paid)


# --- evidence photos ---------------------------------------------------------------------------------

PHOTO_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


class EvidencePhotoView(CanlianView):
    """An evidence photo, read through its assessment's scope (never a public media URL): another
    region's or another home's photo is a 404."""

    required_permission = VIEW

    def get(self, request: HttpRequest, star_assessment_id: int, star_evidence_id: int) -> HttpResponse:
        a = StarAssessment.objects.get_for_user(request.user, VIEW, pk=star_assessment_id)
        evidence = StarEvidence.objects.filter(assessment=a, pk=star_evidence_id).first()
        if evidence is None:
            raise NotFound()
        name = Path(evidence.photo.name).name
        content_type = PHOTO_TYPES.get(Path(name).suffix.lower())
        if content_type is None:
            raise NotFound()
        try:
            handle = evidence.photo.open("rb")
        except (FileNotFoundError, OSError) as exc:
            raise NotFound() from exc
        response = FileResponse(handle, content_type=content_type, filename=name)
        response["X-Content-Type-Options"] = "nosniff"
        return response


# --- the star criteria and bands form ----------------------------------------------------------------


def _rows_to_form(form: Any, exc: DomainError, name_of: Any) -> None:
    """A refusal of the criteria or bands onto the form: a row's error on that row's field."""
    errors = getattr(exc, "errors", None) or []
    if not errors:
        form.add_error(None, exc.message)
        return
    for e in errors:
        field = name_of(e) if e.row else e.field
        form.add_error(field if field in form.fields else None, e.message)


def _region_year(request: HttpRequest) -> tuple[str, int]:
    roots = scope_roots(request.user, MANAGE)
    region = (request.GET.get("region_code") or "").strip()
    if not region or not request.user.scope_for(MANAGE).contains(region):
        region = roots[0] if roots else ""
    year = int_param(request.GET.get("year")) or 0
    if not 2001 <= year <= 2100:
        year = timezone.localdate().year + 1
    return region, year


class StarRulesView(CanlianView):
    """Edit a region's star criteria (weights adding up to 100) and score bands (0–100, no gap, no
    overlap) from a year; the assessments before keep theirs."""

    required_permission = MANAGE

    def get(
        self,
        request: HttpRequest,
        criteria_form: StarCriteriaForm | None = None,
        bands_form: StarBandsForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        region, year = _region_year(request)
        day = dt.date(year, 1, 1)
        current = criteria_for(region, day)
        bands = bands_for(region, day)
        if criteria_form is None:
            initial: dict[str, Any] = {"region_code": region, "year": year}
            for i, c in enumerate(current):
                initial.update(
                    {
                        f"code_{i}": c.code,
                        f"name_{i}": c.name,
                        f"weight_{i}": c.weight.normalize(),
                        f"max_score_{i}": c.max_score,
                    }
                )
            criteria_form = StarCriteriaForm(initial=initial, rows=len(current) + 3)
        if bands_form is None:
            initial = {"region_code": region, "year": year}
            upper = Decimal(100)
            for b in bands:  # highest first
                initial[f"min_score_{b.stars}"] = b.min_score
                initial[f"max_score_{b.stars}"] = upper
                upper = b.min_score - TENTH
            bands_form = StarBandsForm(initial=initial)
        table = Table(
            _("Criteria in force on %(day)s") % {"day": day},
            [_("Region"), _("Code"), _("Criterion"), _("Weight"), _("Full score"), _("From")],
            testid="criteria-in-force",
        )
        for c in current:
            table.add(c.region_code or "*", c.code, _(c.name), c.weight, c.max_score, c.valid_from)
        band_table = Table(
            _("Bands in force on %(day)s") % {"day": day},
            [_("Region"), _("Stars"), _("From score"), _("From")],
        )
        for b in bands:
            band_table.add(b.region_code or "*", "★" * b.stars, b.min_score, b.valid_from)
        return page(
            request,
            _("Star criteria and bands"),
            intro=_(
                "Saved for a region from 1 January of a year: the region's rows in force then end the day "
                "before, and the assessments already made keep their criteria and bands."
            ),
            filters=[
                {"name": "region_code", "label": _("Region code"), "value": region},
                {"name": "year", "label": _("From the year"), "value": year, "type": "number"},
            ],
            tables=[table, band_table],
            forms=[
                FormBlock(
                    _("Criteria (the weights must add up to 100; tick Retire to drop one)"),
                    criteria_form,
                    reverse("community:star-criteria-save"),
                    _("Save the criteria"),
                    testid="criteria-form",
                ),
                FormBlock(
                    _("Score bands (from 0 to 100, one decimal, without gaps or overlaps)"),
                    bands_form,
                    reverse("community:star-bands-save"),
                    _("Save the bands"),
                    testid="bands-form",
                ),
            ],
            links=[(_("Rules and standards"), reverse("community:rules"))],
            status=status,
        )


class _StarRulesForm(ActionFormView):
    """A form of the star rules page (criteria or bands of a region from a year): a row's refusal
    on that row's field; refused, the page again with the form (``key``)."""

    required_permission = MANAGE
    http_method_names = ["post"]
    key = ""
    form: Any = None

    def row_field(self, error: Any) -> str:
        raise NotImplementedError

    def form_error(self, form: Any, exc: DomainError) -> None:
        _rows_to_form(form, exc, self.row_field)

    def get_success_url(self, result: Any) -> str:
        d = self.form.cleaned_data
        return reverse("community:star-rules") + f"?region_code={d['region_code']}&year={d['year']}"

    def render_form(self, form: Any, status: int) -> HttpResponse:
        return StarRulesView().get(self.request, status=status, **{self.key: form})


class StarCriteriaSaveView(_StarRulesForm):
    key = "criteria_form"
    success_message = gettext_lazy("Star criteria saved.")

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        rows = sum(1 for k in self.request.POST if k.startswith("code_"))
        self.form = StarCriteriaForm(data, rows=max(rows, 1))
        return self.form

    def row_field(self, error: Any) -> str:
        return f"{error.field}_{error.row - 1}"

    def act(self, data: dict[str, Any]) -> Any:
        return actions.star_criteria_save(
            actor=self.request.user,
            region_code=data["region_code"],
            year=data["year"],
            criteria=self.form.criteria(),
        )


class StarBandsSaveView(_StarRulesForm):
    key = "bands_form"
    success_message = gettext_lazy("Star bands saved.")

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        self.form = StarBandsForm(data)
        return self.form

    def row_field(self, error: Any) -> str:
        return f"{error.field}_{self.form.bands()[error.row - 1]['stars']}"

    def act(self, data: dict[str, Any]) -> Any:
        return actions.star_bands_save(
            actor=self.request.user,
            region_code=data["region_code"],
            year=data["year"],
            bands=self.form.bands(),
        )
