"""Pages of volunteers, donations and typical cases (namespace "outreach")."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.permissions import Perm
from canlian.core.registry.identity import IdError, parse_resident_id
from canlian.core.registry.selectors import person_by_id_number, region_choices
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
from canlian.platform.access import may
from canlian.platform.errors import DomainError, NotFound, ValidationFailed
from canlian.platform.views import (
    ActionFormView,
    CanlianView,
    FormPageView,
    flash_error,
    int_param,
    keyset_page,
)

PER_PAGE = 50
VIEW, MANAGE = Perm.OUTREACH_VIEW, Perm.OUTREACH_MANAGE


def _regions(user: Any) -> list[tuple[str, str]]:
    return region_choices(user=user, permission=MANAGE)


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
    year = int_param(request.GET.get("year"))
    return year if year and 2000 <= year <= 2100 else timezone.localdate().year


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context["can_manage"] = request.user.has_canlian_perm(MANAGE)
    return render(request, template, context)


class _Form(ActionFormView):
    """A form of this app: refused, its page again (status 200, as the pages always did)."""

    required_permission = MANAGE
    field_map = {"person_id": "person_id_number"}
    invalid_status = 200


class _FormView(_Form, FormPageView):
    """A form on a page of its own (``template``)."""

    template = ""

    def render_form(self, form: Any, status: int) -> HttpResponse:
        return _render(self.request, self.template, {"form": form})


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

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return DonationForm(
            data, regions=_regions(self.request.user), initial={"received_on": timezone.localdate()}
        )

    def act(self, data: dict[str, Any]) -> Donation:
        return actions.donation_receive(actor=self.request.user, **data)

    def get_success_message(self, result: Any) -> str:
        return _("Receipt %(number)s issued.") % {"number": result.number}

    def get_success_url(self, result: Any) -> str:
        return reverse("outreach:donation-detail", kwargs={"donation_id": result.pk})


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


class DonationUseView(_Form):
    success_message = gettext_lazy("Use recorded.")

    @cached_property
    def donation(self) -> Donation:
        return Donation.objects.get_for_user(self.request.user, MANAGE, pk=self.kwargs["donation_id"])

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return _use_form(self.donation, data)

    def act(self, data: dict[str, Any]) -> None:
        actions.donation_use(
            actor=self.request.user,
            donation_id=self.donation.pk,
            on=data["on"],
            amount=data["amount"],
            description=data["description"],
            activity_id=data["activity_id"] or None,
            person_id=_person_id(self.request.user, data["person_id_number"], "person_id_number"),
        )

    def get_success_url(self, result: Any) -> str:
        return reverse("outreach:donation-detail", kwargs={"donation_id": self.donation.pk})

    def render_form(self, form: Any, status: int) -> HttpResponse:
        return _show_donation(self.request, self.donation, form)


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
    success_url = "outreach:volunteer-list"
    success_message = gettext_lazy("Volunteer registered.")

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return VolunteerForm(
            data, regions=_regions(self.request.user), initial={"registered_on": timezone.localdate()}
        )

    def act(self, data: dict[str, Any]) -> None:
        actions.volunteer_register(actor=self.request.user, **data)


class ActivityListView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        page = keyset_page(
            request, selectors.activities_visible(user=request.user), PER_PAGE, ordering=("-id",)
        )
        return _render(request, "outreach/activity_list.html", {"page": page})


class ActivityCreateView(_FormView):
    template = "outreach/activity_form.html"
    success_message = gettext_lazy("Activity recorded.")

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        user = self.request.user
        volunteers = selectors.volunteers_visible(user=user).filter(active=True).order_by("name")[:500]
        return ActivityForm(
            data,
            regions=_regions(user),
            volunteers=[(str(v.pk), f"{v.name} {v.organisation}".strip()) for v in volunteers],
            initial={"on": timezone.localdate()},
        )

    def act(self, data: dict[str, Any]) -> Activity:
        if data["volunteers"] and not data["hours"]:
            raise ValidationFailed(_("Give the hours of the volunteers."), field="hours")
        user = self.request.user
        served = [
            _person_id(user, line.strip(), "served")
            for line in (data["served"] or "").splitlines()
            if line.strip()
        ]
        return actions.activity_record(
            actor=user,
            region_code=data["region_code"],
            title=data["title"],
            kind=data["kind"],
            on=data["on"],
            place=data["place"],
            description=data["description"],
            hours=[(v, data["hours"]) for v in data["volunteers"]],
            people_served=served,
        )

    def get_success_url(self, result: Any) -> str:
        return reverse("outreach:activity-detail", kwargs={"activity_id": result.pk})


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
    success_message = gettext_lazy("Case saved.")

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return CaseForm(data, regions=_regions(self.request.user))

    def act(self, data: dict[str, Any]) -> TypicalCase:
        number = data.pop("person_id_number")
        person_id = _person_id(self.request.user, number, "person_id_number")
        return actions.case_save(actor=self.request.user, person_id=person_id, **data)

    def get_success_url(self, result: Any) -> str:
        return reverse("outreach:case-detail", kwargs={"typical_case_id": result.pk})


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
