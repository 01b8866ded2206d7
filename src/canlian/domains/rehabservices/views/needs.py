"""Needs surveys: the phone page, the list and export, services against needs, the survey-sheet import, the unmet needs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.institutions.choices import InstitutionKind
from canlian.core.institutions.models import Institution
from canlian.domains.rehabservices import actions, exports, forms, selectors
from canlian.domains.rehabservices.actions._common import service_points
from canlian.domains.rehabservices.models import (
    DeviceType,
    NeedsSurvey,
)
from canlian.domains.rehabservices.views._common import (
    PER_PAGE,
    RECORD,
    VIEW,
    PersonFormView,
    _audit_read,
    _download,
    _errors,
    _query,
    _raise_not_found,
    _read_upload,
    _region,
    _year,
)
from canlian.platform.errors import DomainError, NotFound
from canlian.platform.views import CanlianView, form_error_from, int_param, paginate


class SurveyListView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        year = _year(request)
        state = request.GET.get("state", "")
        state = state if state in ("served", "unmet", "none") else ""
        qs = selectors.surveys_for(request.user, year=year, state=state, region=_region(request)).order_by(
            "-surveyed_on", "-id"
        )
        return render(
            request,
            "rehabservices/survey_list.html",
            {
                "page": paginate(request, qs, PER_PAGE),
                "year": year,
                "state": state,
                "region": _region(request),
                "query": _query(request),
            },
        )


class SurveyExportView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        year = _year(request)
        qs = selectors.surveys_for(request.user, year=year, region=_region(request)).order_by(
            "region_code", "id"
        )
        return _download(
            exports.surveys_xlsx(actor=request.user, surveys=qs), f"needs-surveys-{year}.xlsx", exports.XLSX
        )


class SurveyCreateView(PersonFormView):
    template = "rehabservices/survey_form.html"
    success_message = gettext_lazy("Needs survey saved.")

    def extra_context(self, form: Any) -> dict[str, Any]:
        existing = None
        if self.person is not None:
            existing = (
                NeedsSurvey.objects.for_user(self.request.user, VIEW)
                .filter(person=self.person, year=timezone.localdate().year)
                .first()
            )
        return {"existing": existing}

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return forms.SurveyForm(data, devices=DeviceType.objects.filter(active=True))

    def act(self, data: dict[str, Any]) -> Any:
        return actions.survey_record(
            actor=self.request.user,
            person_id=self.person.pk,
            surveyed_on=data["surveyed_on"],
            needs=data["needs"],
            no_needs=data["no_needs"],
            device_type_id=data["device_type"],
            surveyor=data["surveyor"],
            note=data["note"],
        )

    def get_success_url(self, result: Any) -> str:
        return reverse("rehabservices:survey-detail", kwargs={"needs_survey_id": result.pk})


class SurveyDetailView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest, needs_survey_id: int) -> HttpResponse:
        try:
            survey = selectors.surveys_for(request.user).get(pk=needs_survey_id)
        except NeedsSurvey.DoesNotExist as exc:
            raise NotFound() from exc
        needs = list(survey.needs.all())
        services = list(
            selectors.services_for(request.user, need_ids=[n.pk for n in needs]).order_by("delivered_on")
        )
        for n in needs:
            n.service_rows = [s for s in services if s.need_id == n.pk]
        _audit_read(request, survey)
        return render(
            request,
            "rehabservices/survey_detail.html",
            {"survey": survey, "needs": needs, "can_record": request.user.has_canlian_perm(RECORD)},
        )


def _service_points(user: Any) -> list[Institution]:
    kinds = (
        InstitutionKind.REHAB_ROOM,
        InstitutionKind.HOME_REHAB_POINT,
        InstitutionKind.DEVICE_STATION,
        InstitutionKind.REHAB,
    )
    return list(service_points(user, RECORD, kinds).order_by("kind", "name")[:300])


class ServiceCreateView(CanlianView):
    required_permission = RECORD

    def _survey(self, request: HttpRequest, needs_survey_id: int) -> NeedsSurvey:
        return NeedsSurvey.objects.select_related("person").get_for_user(
            request.user, RECORD, pk=needs_survey_id
        )

    def _render(
        self, request: HttpRequest, survey: NeedsSurvey, form: Any, status: int = 200
    ) -> HttpResponse:
        return render(
            request, "rehabservices/service_form.html", {"survey": survey, "form": form}, status=status
        )

    def _form(self, request: HttpRequest, survey: NeedsSurvey, data: Any = None) -> forms.ServiceForm:
        initial = {"need": int_param(request.GET.get("need"))}
        return forms.ServiceForm(
            data, initial=initial, needs=survey.needs.all(), institutions=_service_points(request.user)
        )

    def get(self, request: HttpRequest, needs_survey_id: int) -> HttpResponse:
        survey = self._survey(request, needs_survey_id)
        return self._render(request, survey, self._form(request, survey))

    def post(self, request: HttpRequest, needs_survey_id: int) -> HttpResponse:
        survey = self._survey(request, needs_survey_id)
        form = self._form(request, survey, request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                actions.service_record(
                    actor=request.user,
                    need_id=d["need"],
                    delivered_on=d["delivered_on"],
                    place=d["place"],
                    provider=d["provider"],
                    content=d["content"],
                    institution_id=d["institution"],
                )
            except DomainError as exc:
                _raise_not_found(exc)
                form_error_from(form, exc)
            else:
                messages.success(request, _("Service recorded."))
                return redirect("rehabservices:survey-detail", needs_survey_id=survey.pk)
        return self._render(request, survey, form, status=400)


class SurveyImportView(CanlianView):
    required_permission = RECORD

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request, "rehabservices/survey_import.html", {"form": forms.ImportForm(), "row_errors": []}
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        form = forms.ImportForm(request.POST, request.FILES)
        row_errors: list[str] = []
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                table = _read_upload(upload)
                n = actions.surveys_import(
                    actor=request.user,
                    header=table.header,
                    rows=table.rows,
                    filename=upload.name,
                    first_row=table.first_row,
                )
            except DomainError as exc:
                _raise_not_found(exc)
                row_errors = _errors(form, exc)
            else:
                messages.success(request, _("%(n)s needs surveys imported.") % {"n": n})
                return redirect("rehabservices:survey-list")
        return render(
            request, "rehabservices/survey_import.html", {"form": form, "row_errors": row_errors}, status=400
        )


class UnmetNeedsView(CanlianView):
    """The needs of the year without a service: the township worker's list to serve."""

    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        year = _year(request)
        qs = selectors.unmet_needs_for(request.user, year=year, region=_region(request))
        return render(
            request,
            "rehabservices/unmet_list.html",
            {
                "page": paginate(request, qs, PER_PAGE),
                "year": year,
                "region": _region(request),
                "query": _query(request),
                "can_record": request.user.has_canlian_perm(RECORD),
            },
        )
