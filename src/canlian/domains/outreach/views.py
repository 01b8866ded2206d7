"""Pages of volunteers, donations and typical cases (namespace "outreach")."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.permissions import Perm
from canlian.core.regions.models import Region
from canlian.core.registry.identity import IdError, parse_resident_id
from canlian.core.registry.selectors import person_by_id_number, region_names
from canlian.domains.outreach import actions, selectors
from canlian.domains.outreach.choices import CaseStatus
from canlian.domains.outreach.forms import (
    ActivityForm,
    CaseForm,
    DonationForm,
    ReviewForm,
    UseForm,
    VolunteerForm,
)
from canlian.domains.outreach.models import Activity, Donation, TypicalCase
from canlian.platform.access import may, scope_roots
from canlian.platform.errors import DomainError, NotFound, ValidationFailed
from canlian.platform.views import CanlianView, flash_error, form_errors_from, keyset_page

PER_PAGE = 50
VIEW, MANAGE = Perm.OUTREACH_VIEW, Perm.OUTREACH_MANAGE


def _regions(user: Any) -> list[tuple[str, str]]:
    roots = scope_roots(user, MANAGE)
    if "" in roots:
        roots = list(Region.objects.filter(level=1).values_list("code", flat=True))
    names = region_names(roots)
    return [(c, f"{names.get(c, c)} ({c})") for c in sorted(roots)]


def _person_id(user: Any, number: str, field: str) -> int | None:
    """The id of the person with this ID number whom the user reaches, or a field error."""
    if not number:
        return None
    try:
        normal = parse_resident_id(number).number
    except IdError as exc:
        raise ValidationFailed(str(exc), field=field) from exc
    person = person_by_id_number(user=user, id_number=normal, action=Perm.PERSONS_VIEW)
    if person is None:
        raise ValidationFailed(_("No such person in your region."), field=field)
    return person.pk


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context["can_manage"] = request.user.has_canlian_perm(MANAGE)
    return render(request, template, context)


class _FormView(CanlianView):
    """GET shows the form, POST calls ``act`` and redirects, or shows the form with the error."""

    required_permission = MANAGE
    template = ""

    def make_form(self, request: HttpRequest, data: Any = None, files: Any = None) -> Any:
        raise NotImplementedError

    def act(self, request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
        raise NotImplementedError

    def get(self, request: HttpRequest) -> HttpResponse:
        return _render(request, self.template, {"form": self.make_form(request)})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.make_form(request, request.POST)
        if form.is_valid():
            try:
                return self.act(request, form.cleaned_data)
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                form_errors_from(form, exc, {"person_id": "person_id_number"})
        return _render(request, self.template, {"form": form})


# --- donations -------------------------------------------------------------------------------------


class DonationListView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        page = keyset_page(
            request, selectors.donations_visible(user=request.user), PER_PAGE, ordering=("-id",)
        )
        for d in page:
            d.balance = d.amount - d.used_total
        return _render(
            request, "outreach/donation_list.html", {"page": page, "year": timezone.localdate().year}
        )


class DonationCreateView(_FormView):
    template = "outreach/donation_form.html"

    def make_form(self, request: HttpRequest, data: Any = None, files: Any = None) -> Any:
        return DonationForm(
            data, regions=_regions(request.user), initial={"received_on": timezone.localdate()}
        )

    def act(self, request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
        donation = actions.donation_receive(actor=request.user, **data)
        messages.success(request, _("Receipt %(number)s issued.") % {"number": donation.number})
        return redirect("outreach:donation-detail", donation_id=donation.pk)


def _use_form(donation: Donation, data: Any = None) -> UseForm:
    activities = Activity.objects.filter(region_code__startswith=donation.region_code).order_by("-on")[:200]
    return UseForm(
        data,
        activities=[(str(a.pk), f"{a.on:%Y-%m-%d} {a.title}") for a in activities],
        initial={"on": timezone.localdate()},
    )


class DonationDetailView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest, donation_id: int) -> HttpResponse:
        return _show_donation(request, Donation.objects.get_for_user(request.user, VIEW, pk=donation_id))


def _show_donation(request: HttpRequest, donation: Donation, form: UseForm | None = None) -> HttpResponse:
    used = donation.used()
    can_use = may(request.user, MANAGE, donation.region_code)
    return _render(
        request,
        "outreach/donation_detail.html",
        {
            "d": donation,
            "uses": list(donation.uses.select_related("activity", "person")),
            "used": used,
            "balance": donation.amount - used,
            "form": form or (_use_form(donation) if can_use else None),
        },
    )


class DonationUseView(CanlianView):
    required_permission = MANAGE

    def post(self, request: HttpRequest, donation_id: int) -> HttpResponse:
        donation = Donation.objects.get_for_user(request.user, MANAGE, pk=donation_id)
        form = _use_form(donation, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.donation_use(
                    actor=request.user,
                    donation_id=donation.pk,
                    on=data["on"],
                    amount=data["amount"],
                    description=data["description"],
                    activity_id=data["activity_id"] or None,
                    person_id=_person_id(request.user, data["person_id_number"], "person_id_number"),
                )
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                form_errors_from(form, exc, {"person_id": "person_id_number"})
            else:
                messages.success(request, _("Use recorded."))
                return redirect("outreach:donation-detail", donation_id=donation.pk)
        return _show_donation(request, donation, form)


class StatementView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        year = _year(request)
        return _render(
            request,
            "outreach/statement.html",
            {"s": selectors.donation_statement(user=request.user, year=year), "year": year},
        )


# --- volunteers and activities ---------------------------------------------------------------------


class VolunteerListView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        page = keyset_page(
            request, selectors.volunteers_visible(user=request.user), PER_PAGE, ordering=("-id",)
        )
        return _render(request, "outreach/volunteer_list.html", {"page": page})


class VolunteerCreateView(_FormView):
    template = "outreach/volunteer_form.html"

    def make_form(self, request: HttpRequest, data: Any = None, files: Any = None) -> Any:
        return VolunteerForm(
            data, regions=_regions(request.user), initial={"registered_on": timezone.localdate()}
        )

    def act(self, request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
        actions.volunteer_register(actor=request.user, **data)
        messages.success(request, _("Volunteer registered."))
        return redirect("outreach:volunteer-list")


class ActivityListView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        page = keyset_page(
            request, selectors.activities_visible(user=request.user), PER_PAGE, ordering=("-id",)
        )
        return _render(request, "outreach/activity_list.html", {"page": page})


class ActivityCreateView(_FormView):
    template = "outreach/activity_form.html"

    def make_form(self, request: HttpRequest, data: Any = None, files: Any = None) -> Any:
        volunteers = (
            selectors.volunteers_visible(user=request.user).filter(active=True).order_by("name")[:500]
        )
        return ActivityForm(
            data,
            regions=_regions(request.user),
            volunteers=[(str(v.pk), f"{v.name} {v.organisation}".strip()) for v in volunteers],
            initial={"on": timezone.localdate()},
        )

    def act(self, request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
        if data["volunteers"] and not data["hours"]:
            raise ValidationFailed(_("Give the hours of the volunteers."), field="hours")
        served = [
            _person_id(request.user, line.strip(), "served")
            for line in (data["served"] or "").splitlines()
            if line.strip()
        ]
        activity = actions.activity_record(
            actor=request.user,
            region_code=data["region_code"],
            title=data["title"],
            kind=data["kind"],
            on=data["on"],
            place=data["place"],
            description=data["description"],
            hours=[(v, data["hours"]) for v in data["volunteers"]],
            people_served=served,
        )
        messages.success(request, _("Activity recorded."))
        return redirect("outreach:activity-detail", activity_id=activity.pk)


class ActivityDetailView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest, activity_id: int) -> HttpResponse:
        activity = Activity.objects.get_for_user(request.user, VIEW, pk=activity_id)
        return _render(
            request,
            "outreach/activity_detail.html",
            {
                "a": activity,
                "hours": list(activity.hours.select_related("volunteer")),
                "served": list(activity.people_served.all()),
                "uses": list(activity.donation_uses.select_related("donation")),
            },
        )


# --- typical cases ---------------------------------------------------------------------------------


class CaseListView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        page = keyset_page(request, selectors.cases_visible(user=request.user), PER_PAGE, ordering=("-id",))
        return _render(request, "outreach/case_list.html", {"page": page})


class CaseCreateView(_FormView):
    template = "outreach/case_form.html"

    def make_form(self, request: HttpRequest, data: Any = None, files: Any = None) -> Any:
        return CaseForm(data, regions=_regions(request.user))

    def act(self, request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
        number = data.pop("person_id_number")
        case = actions.case_save(
            actor=request.user, person_id=_person_id(request.user, number, "person_id_number"), **data
        )
        messages.success(request, _("Case saved."))
        return redirect("outreach:case-detail", typical_case_id=case.pk)


class CaseDetailView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest, typical_case_id: int) -> HttpResponse:
        case = selectors.cases_visible(user=request.user).filter(pk=typical_case_id).first()
        if case is None:
            raise NotFound()
        manage = may(request.user, MANAGE, case.region_code)
        return _render(
            request,
            "outreach/case_detail.html",
            {
                "case": case,
                "story": case.shown(case.story),
                "figures": case.shown(case.figures),
                "can_submit": manage and case.status in (CaseStatus.DRAFT, CaseStatus.RETURNED),
                "review_form": ReviewForm() if manage and case.status == CaseStatus.SUBMITTED else None,
            },
        )


class CaseSubmitView(CanlianView):
    required_permission = MANAGE

    def post(self, request: HttpRequest, typical_case_id: int) -> HttpResponse:
        case = TypicalCase.objects.get_for_user(request.user, MANAGE, pk=typical_case_id)
        try:
            actions.case_submit(actor=request.user, case_id=case.pk)
        except DomainError as exc:
            flash_error(request, exc)
        else:
            messages.success(request, _("Case submitted for review."))
        return redirect("outreach:case-detail", typical_case_id=case.pk)


class CaseReviewView(CanlianView):
    required_permission = MANAGE

    def post(self, request: HttpRequest, typical_case_id: int) -> HttpResponse:
        case = TypicalCase.objects.get_for_user(request.user, MANAGE, pk=typical_case_id)
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                actions.case_review(actor=request.user, case_id=case.pk, **form.cleaned_data)
            except DomainError as exc:
                flash_error(request, exc)
            else:
                messages.success(request, _("Review recorded."))
        return redirect("outreach:case-detail", typical_case_id=case.pk)


class CaseDocxView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest, typical_case_id: int) -> HttpResponse:
        case = selectors.cases_visible(user=request.user).filter(pk=typical_case_id).first()
        if case is None:
            raise NotFound()
        data = actions.case_docx(actor=request.user, case=case)
        return FileResponse(
            io.BytesIO(data),
            as_attachment=True,
            filename=f"case-{case.pk}.docx",
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
