"""Pages of rehabilitation services: the overview; needs surveys (a phone page for the township worker
at home, the list, the unmet needs, import and export); assistive devices (catalogue and standards,
fittings, delivery, replacements); home modification projects (a phone page per project showing the
current step with the camera, the overdue list, the ledger, the quarterly report as a page, .xlsx and
.docx), contractor payment batches; health lists and health service applications."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_sensitive_read
from canlian.core.institutions.choices import InstitutionKind
from canlian.core.institutions.models import Institution
from canlian.core.permissions import Perm
from canlian.core.registry.models import Person
from canlian.core.registry.selectors import region_names
from canlian.domains.rehabservices import actions, exports, forms, selectors
from canlian.domains.rehabservices.actions._common import service_points
from canlian.domains.rehabservices.actions.modification import (
    PHOTO_STAGES_BY_STATUS,
    eligibility,
    standard_on,
)
from canlian.domains.rehabservices.choices import (
    BatchStatus,
    FittingStatus,
    HealthListKind,
    HealthProgram,
    HealthStatus,
    ModItem,
    ModStatus,
)
from canlian.domains.rehabservices.events import ServicesEvent
from canlian.domains.rehabservices.models import (
    ContractorBatch,
    DeviceFitting,
    DeviceType,
    HealthApplication,
    ModificationPhoto,
    ModificationProject,
    NeedsSurvey,
)
from canlian.platform.access import scope_roots
from canlian.platform.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from canlian.platform.tabular import read_table
from canlian.platform.views import CanlianView, flash_error, form_error_from, paginate

VIEW = Perm.SERVICES_VIEW
RECORD = Perm.SERVICES_RECORD
MANAGE = Perm.SERVICES_MANAGE
PAY = Perm.SERVICES_PAY
APPROVE = Perm.SERVICES_APPROVE
PER_PAGE = 50


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _year(request: HttpRequest) -> int:
    year = _int(request.GET.get("year"))
    return year if year and 2000 <= year <= 2100 else timezone.localdate().year


def _region(request: HttpRequest) -> str:
    region = request.GET.get("region", "").strip()
    return region if region.isdigit() and len(region) <= 12 else ""


def _query(request: HttpRequest) -> str:
    q = request.GET.copy()
    q.pop("page", None)
    return q.urlencode()


def _download(data: bytes, filename: str, content_type: str) -> FileResponse:
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=filename, content_type=content_type)


def _raise_not_found(exc: DomainError) -> None:
    if isinstance(exc, (NotFound, PermissionDenied)):
        raise exc


def _errors(form: Any, exc: DomainError) -> list[str]:
    """Attach the error to the form; return row errors of an import."""
    form_error_from(form, exc)
    if isinstance(exc, ValidationFailed):
        return [f"{_('Row')} {e.row}: {e.field} — {e.message}" if e.row else e.message for e in exc.errors]
    return []


def _regions(user: Any, permission: str) -> list[tuple[str, str]]:
    """The user's scope roots and their regions one level below, for a region picker."""
    from canlian.core.regions.models import Region

    roots = [r for r in scope_roots(user, permission) if r]
    codes = list(roots) + list(
        Region.objects.filter(parent__code__in=roots).order_by("code").values_list("code", flat=True)
    )
    names = region_names(codes)
    return [(c, f"{names.get(c, c)} ({c})") for c in codes]


def _person(request: HttpRequest, permission: str = RECORD) -> Person | None:
    pid = _int(request.GET.get("person") or request.POST.get("person"))
    if pid is None:
        return None
    return Person.objects.get_for_user(request.user, permission, pk=pid)


def _lookup(request: HttpRequest, permission: str = RECORD) -> Person | None:
    """The person of a lookup by ID number (the phone pages' first step)."""
    from canlian.core.registry.identity import parse_resident_id
    from canlian.core.registry.selectors import person_by_id_number

    raw = (request.GET.get("id_number") or "").strip()
    if not raw:
        return None
    try:
        number = parse_resident_id(raw).number
    except Exception:
        return None
    return person_by_id_number(user=request.user, id_number=number, action=permission)


def _audit_read(request: HttpRequest, obj: Any) -> None:
    audit_sensitive_read(actor=request.user, event=ServicesEvent.RECORD_VIEWED, obj=obj, page=request.path)


# --- overview ---------------------------------------------------------------------------------------


class OverviewView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        from django.db.models import Count, Q

        year = _year(request)
        user = request.user
        surveys = selectors.surveys_for(user, year=year)
        figures = surveys.order_by().aggregate(total=Count("pk"), none=Count("pk", filter=Q(no_needs=True)))
        with_needs = surveys.filter(no_needs=False).count()
        served = selectors.surveys_for(user, year=year, state="served").count()
        projects = dict(
            selectors.projects_for(user, year=year).order_by().values_list("status").annotate(n=Count("pk"))
        )
        context = {
            "year": year,
            "surveys": figures["total"],
            "with_needs": with_needs,
            "served": served,
            "rate": round(served * 100 / with_needs, 1) if with_needs else None,
            "unmet": selectors.unmet_needs_for(user, year=year).count(),
            "fittings": selectors.fittings_for(user, status=FittingStatus.DELIVERED)
            .filter(year=year)
            .count(),
            "due": selectors.fittings_for(user, due_within=90).count(),
            "projects": [(s, label, projects.get(s, 0)) for s, label in ModStatus.choices],
            "overdue": selectors.overdue_projects(user).count(),
            "applications": selectors.health_applications_for(user, year=year).count(),
        }
        return render(request, "rehabservices/overview.html", context)


# --- needs survey -----------------------------------------------------------------------------------


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


class SurveyCreateView(CanlianView):
    """The township worker's phone page at home: find the person by ID number, tick the needs."""

    required_permission = RECORD

    def _render(
        self, request: HttpRequest, person: Person | None, form: Any, status: int = 200
    ) -> HttpResponse:
        existing = None
        if person is not None:
            existing = (
                NeedsSurvey.objects.for_user(request.user, VIEW)
                .filter(person=person, year=timezone.localdate().year)
                .first()
            )
        return render(
            request,
            "rehabservices/survey_form.html",
            {
                "person": person,
                "form": form,
                "lookup": forms.PersonLookupForm(request.GET or None),
                "existing": existing,
                "searched": bool(request.GET.get("id_number")),
            },
            status=status,
        )

    def _form(self, data: Any = None) -> forms.SurveyForm:
        return forms.SurveyForm(data, devices=DeviceType.objects.filter(active=True))

    def get(self, request: HttpRequest) -> HttpResponse:
        person = _person(request) or _lookup(request)
        return self._render(request, person, self._form())

    def post(self, request: HttpRequest) -> HttpResponse:
        person = _person(request)
        form = self._form(request.POST)
        if person is None:
            form.is_valid()
            form.add_error(None, _("Find the person first."))
            return self._render(request, None, form, status=400)
        if form.is_valid():
            d = form.cleaned_data
            try:
                survey = actions.survey_record(
                    actor=request.user,
                    person_id=person.pk,
                    surveyed_on=d["surveyed_on"],
                    needs=d["needs"],
                    no_needs=d["no_needs"],
                    device_type_id=d["device_type"],
                    surveyor=d["surveyor"],
                    note=d["note"],
                )
            except DomainError as exc:
                _raise_not_found(exc)
                form_error_from(form, exc)
            else:
                messages.success(request, _("Needs survey saved."))
                return redirect("rehabservices:survey-detail", needs_survey_id=survey.pk)
        return self._render(request, person, form, status=400)


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
        initial = {"need": _int(request.GET.get("need"))}
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


def _read_upload(upload: Any) -> Any:
    suffix = Path(upload.name or "").suffix.lower() or ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
        fh.flush()
        return read_table(fh.name, name=upload.name)


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


# --- devices -----------------------------------------------------------------------------------------


class CatalogueView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest, form: Any = None, status: int = 200) -> HttpResponse:
        catalogue = selectors.device_catalogue()
        can_manage = request.user.has_canlian_perm(MANAGE)
        return render(
            request,
            "rehabservices/catalogue.html",
            {
                "catalogue": catalogue,
                "form": form or (forms.StandardForm(devices=catalogue) if can_manage else None),
                "categories": dict(_categories()),
            },
            status=status,
        )


def _categories() -> list[tuple[str, str]]:
    from canlian.core.registry.choices import Category

    return [(str(v), str(label)) for v, label in Category.choices]


class StandardSaveView(CanlianView):
    required_permission = MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = forms.StandardForm(request.POST, devices=DeviceType.objects.all())
        if form.is_valid():
            d = form.cleaned_data
            try:
                actions.device_standard_save(
                    actor=request.user,
                    device_type_id=d["device_type"],
                    region_code=d["region_code"],
                    valid_from=d["valid_from"],
                    price=d["price"],
                    subsidy=d["subsidy"],
                )
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                messages.success(request, _("Standard saved."))
                return redirect("rehabservices:catalogue")
        return CatalogueView().get(request, form=form, status=400)


class FittingListView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        status = request.GET.get("status", "")
        due = request.GET.get("due") == "1"
        qs = selectors.fittings_for(
            request.user, status=status, due_within=90 if due else None, region=_region(request)
        )
        return render(
            request,
            "rehabservices/fitting_list.html",
            {
                "page": paginate(request, qs, PER_PAGE),
                "status": status,
                "due": due,
                "statuses": FittingStatus.choices,
                "query": _query(request),
                "today": timezone.localdate(),
            },
        )


class FittingExportView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        qs = selectors.fittings_for(request.user, region=_region(request)).order_by("region_code", "id")
        return _download(
            exports.fittings_xlsx(actor=request.user, fittings=qs), "device-fittings.xlsx", exports.XLSX
        )


class FittingCreateView(CanlianView):
    required_permission = RECORD

    def _form(self, request: HttpRequest, person: Person | None, data: Any = None) -> forms.FittingForm:
        stations = service_points(request.user, RECORD, (InstitutionKind.DEVICE_STATION,)).order_by("name")
        earlier = DeviceFitting.objects.none()
        if person is not None:
            earlier = selectors.fittings_for(
                request.user, status=FittingStatus.DELIVERED, person_id=person.pk
            ).filter(replaced_by__isnull=True)
        return forms.FittingForm(
            data, devices=DeviceType.objects.filter(active=True), stations=stations, earlier=earlier
        )

    def _render(
        self, request: HttpRequest, person: Person | None, form: Any, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            "rehabservices/fitting_form.html",
            {
                "person": person,
                "form": form,
                "lookup": forms.PersonLookupForm(request.GET or None),
                "searched": bool(request.GET.get("id_number")),
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        person = _person(request) or _lookup(request)
        return self._render(request, person, self._form(request, person))

    def post(self, request: HttpRequest) -> HttpResponse:
        person = _person(request)
        form = self._form(request, person, request.POST)
        if person is None:
            form.is_valid()
            form.add_error(None, _("Find the person first."))
            return self._render(request, None, form, status=400)
        if form.is_valid():
            d = form.cleaned_data
            try:
                fitting = actions.fitting_assess(
                    actor=request.user,
                    person_id=person.pk,
                    device_type_id=d["device_type"],
                    station_id=d["station"],
                    assessed_on=d["assessed_on"],
                    note=d["note"],
                    replaces_id=d["replaces"],
                )
            except DomainError as exc:
                _raise_not_found(exc)
                form_error_from(form, exc)
            else:
                messages.success(
                    request, _("Assessment saved; record the delivery when the device is handed over.")
                )
                return redirect("rehabservices:fitting-detail", device_fitting_id=fitting.pk)
        return self._render(request, person, form, status=400)


class FittingDetailView(CanlianView):
    required_permission = VIEW

    def get(
        self, request: HttpRequest, device_fitting_id: int, form: Any = None, status: int = 200
    ) -> HttpResponse:
        try:
            fitting = selectors.fittings_for(request.user).get(pk=device_fitting_id)
        except DeviceFitting.DoesNotExist as exc:
            raise NotFound() from exc
        if form is None:
            _audit_read(request, fitting)
        can_deliver = fitting.status == FittingStatus.ASSESSED and request.user.has_canlian_perm(RECORD)
        return render(
            request,
            "rehabservices/fitting_detail.html",
            {"fitting": fitting, "form": form or (forms.DeliverForm() if can_deliver else None)},
            status=status,
        )


class FittingDeliverView(CanlianView):
    required_permission = RECORD
    http_method_names = ["post"]

    def post(self, request: HttpRequest, device_fitting_id: int) -> HttpResponse:
        fitting = DeviceFitting.objects.get_for_user(request.user, RECORD, pk=device_fitting_id)
        form = forms.DeliverForm(request.POST)
        if form.is_valid():
            try:
                actions.fitting_deliver(
                    actor=request.user, fitting_id=fitting.pk, fitted_on=form.cleaned_data["fitted_on"]
                )
            except DomainError as exc:
                _raise_not_found(exc)
                form_error_from(form, exc)
            else:
                messages.success(request, _("Device delivered."))
                return redirect("rehabservices:fitting-detail", device_fitting_id=fitting.pk)
        return FittingDetailView().get(request, device_fitting_id=fitting.pk, form=form, status=400)


# --- home modification -------------------------------------------------------------------------------


class ProjectListView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        status = request.GET.get("status", "")
        overdue = request.GET.get("state") == "overdue"
        year = _int(request.GET.get("year"))
        qs = selectors.projects_for(
            request.user, status=status, year=year, overdue=overdue, region=_region(request)
        )
        return render(
            request,
            "rehabservices/project_list.html",
            {
                "page": paginate(request, qs, PER_PAGE),
                "status": status,
                "overdue": overdue,
                "year": year or "",
                "statuses": ModStatus.choices,
                "query": _query(request),
                "today": timezone.localdate(),
                "can_record": request.user.has_canlian_perm(RECORD),
            },
        )


class ProjectExportView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        year = _int(request.GET.get("year"))
        qs = selectors.projects_for(request.user, year=year, region=_region(request)).order_by(
            "region_code", "id"
        )
        return _download(
            exports.projects_xlsx(actor=request.user, projects=qs),
            "home-modification-ledger.xlsx",
            exports.XLSX,
        )


class ProjectCreateView(CanlianView):
    """Apply for a household's home modification, with the eligibility rules shown as a checklist."""

    required_permission = RECORD

    def _render(
        self, request: HttpRequest, person: Person | None, form: Any, status: int = 200
    ) -> HttpResponse:
        checks: list[dict[str, Any]] = []
        priorities: list[str] = []
        household = None
        if person is not None:
            from canlian.core.registry.models import HouseholdMember

            membership = HouseholdMember.objects.filter(person=person).select_related("household").first()
            household = membership.household if membership else None
            standard = standard_on(person.region_code, timezone.localdate())
            if standard is not None:
                checks, priorities = eligibility(
                    person,
                    household,
                    on=timezone.localdate(),
                    house_modifiable=bool(form["house_modifiable"].value()),
                    standard=standard,
                )
        from canlian.domains.rehabservices.choices import Priority

        return render(
            request,
            "rehabservices/project_form.html",
            {
                "person": person,
                "form": form,
                "lookup": forms.PersonLookupForm(request.GET or None),
                "checks": checks,
                "household": household,
                "priorities": [Priority(p).label for p in priorities],
                "searched": bool(request.GET.get("id_number")),
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        person = _person(request) or _lookup(request)
        return self._render(request, person, forms.ApplyForm(initial={"house_modifiable": True}))

    def post(self, request: HttpRequest) -> HttpResponse:
        person = _person(request)
        form = forms.ApplyForm(request.POST)
        if person is None:
            form.is_valid()
            form.add_error(None, _("Find the person first."))
            return self._render(request, None, form, status=400)
        if form.is_valid():
            d = form.cleaned_data
            try:
                project = actions.modification_apply(
                    actor=request.user,
                    person_id=person.pk,
                    applied_on=d["applied_on"],
                    need_found=d["need_found"],
                    house_modifiable=d["house_modifiable"],
                    address=d["address"],
                )
            except DomainError as exc:
                _raise_not_found(exc)
                form_error_from(form, exc)
            else:
                messages.success(request, _("Application saved: %(number)s.") % {"number": project.number})
                return redirect("rehabservices:modification-detail", modification_id=project.pk)
        return self._render(request, person, form, status=400)


#: The form of the step that follows each status, and the permission it needs.
NEXT_STEP: dict[str, tuple[str, Any, str]] = {
    ModStatus.APPLIED: ("assess", forms.AssessForm, RECORD),
    ModStatus.ASSESSED: ("plan", forms.PlanForm, RECORD),
    ModStatus.PLANNED: ("notice", forms.NoticeForm, MANAGE),
    ModStatus.NOTICE: ("works", forms.WorksForm, RECORD),
    ModStatus.WORKS: ("accept", forms.AcceptForm, MANAGE),
    ModStatus.PAID: ("archive", forms.ArchiveForm, MANAGE),
}


def _project(user: Any, modification_id: int, permission: str = VIEW) -> ModificationProject:
    return ModificationProject.objects.select_related(
        "person", "standard", "responsible", "household"
    ).get_for_user(user, permission, pk=modification_id)


def render_project(
    request: HttpRequest,
    project: ModificationProject,
    *,
    step_form: Any = None,
    photo_form: Any = None,
    status: int = 200,
) -> HttpResponse:
    step = NEXT_STEP.get(project.status)
    items = {i.item: i for i in project.items.all()}
    if step_form is None and step is not None and request.user.has_canlian_perm(step[2]):
        step_form = step[1]()
    stages = PHOTO_STAGES_BY_STATUS.get(project.status, ())
    if photo_form is None and stages and request.user.has_canlian_perm(RECORD):
        photo_form = forms.PhotoForm()
        photo_form.fields["stage"].choices = [
            (s, label) for s, label in photo_form.fields["stage"].choices if s in stages
        ]
    return render(
        request,
        "rehabservices/project_detail.html",
        {
            "project": project,
            "step": step[0] if step else "",
            "step_form": step_form,
            "photo_form": photo_form,
            "photos": list(project.photos.all()),
            "history": list(project.steps.select_related("actor").all()),
            "items": [(code, label, items.get(code)) for code, label in ModItem.choices],
            "needed_items": [i for i in items.values() if i.needed],
            "overdue": project.is_overdue(timezone.localdate()),
            "payment": getattr(project, "payment", None)
            if project.status in (ModStatus.BATCHED, ModStatus.PAID, ModStatus.ARCHIVED)
            else None,
        },
        status=status,
    )


class ProjectDetailView(CanlianView):
    """One project on a phone: where it stands, its deadline, the next step's form with the camera."""

    required_permission = VIEW

    def get(self, request: HttpRequest, modification_id: int) -> HttpResponse:
        project = _project(request.user, modification_id)
        _audit_read(request, project)
        return render_project(request, project)


class ProjectStepView(CanlianView):
    """POST the current step's form (``step`` = assess, plan, notice, works, photo, accept, archive)."""

    required_permission = RECORD
    http_method_names = ["post"]

    def post(self, request: HttpRequest, modification_id: int) -> HttpResponse:
        project = _project(request.user, modification_id, RECORD)
        step = request.POST.get("step", "")
        user = request.user
        form: Any = None
        try:
            if step == "photo":
                form = forms.PhotoForm(request.POST, request.FILES)
                if not form.is_valid():
                    return render_project(request, project, photo_form=form, status=400)
                d = form.cleaned_data
                actions.modification_photo_add(
                    actor=user,
                    project_id=project.pk,
                    stage=d["stage"],
                    photo=d["photo"],
                    caption=d["caption"],
                )
                messages.success(request, _("Photo added."))
                return redirect("rehabservices:modification-detail", modification_id=project.pk)
            expected = NEXT_STEP.get(project.status)
            if expected is None or expected[0] != step:
                messages.error(request, _("This step does not follow the project's current state."))
                return redirect("rehabservices:modification-detail", modification_id=project.pk)
            form = expected[1](request.POST, request.FILES)
            if not form.is_valid():
                return render_project(request, project, step_form=form, status=400)
            d = form.cleaned_data
            if step == "assess":
                items = {
                    code: {
                        "needed": request.POST.get(f"item_{code}") == "on",
                        "note": request.POST.get(f"note_{code}", ""),
                    }
                    for code in ModItem.values
                }
                photos = request.FILES.getlist("photos")
                actions.modification_assess(
                    actor=user,
                    project_id=project.pk,
                    assessed_on=d["assessed_on"],
                    assessor=d["assessor"],
                    items=items,
                    photos=photos,
                    note=d["note"],
                )
            elif step == "plan":
                costs = {i.item: request.POST.get(f"cost_{i.item}") for i in project.items.all()}
                actions.modification_plan(
                    actor=user,
                    project_id=project.pk,
                    agreed_on=d["agreed_on"],
                    plan=d["plan"],
                    costs=costs,
                    signed_form=d["signed_form"],
                )
            elif step == "notice":
                actions.modification_notice(actor=user, project_id=project.pk, notice_from=d["notice_from"])
            elif step == "works":
                actions.modification_start_works(
                    actor=user,
                    project_id=project.pk,
                    started_on=d["started_on"],
                    contractor=d["contractor"],
                    contractor_account=d["contractor_account"],
                )
            elif step == "accept":
                actions.modification_accept(
                    actor=user,
                    project_id=project.pk,
                    accepted_on=d["accepted_on"],
                    final_cost=d["final_cost"],
                    federation=d["federation"],
                    family=d["family"],
                    contractor=d["contractor"],
                )
            elif step == "archive":
                actions.modification_archive(actor=user, project_id=project.pk, archived_on=d["archived_on"])
        except DomainError as exc:
            _raise_not_found(exc)
            if form is not None:
                form_error_from(form, exc)
                project.refresh_from_db()
                if step == "photo":
                    return render_project(request, project, photo_form=form, status=400)
                return render_project(request, project, step_form=form, status=400)
            flash_error(request, exc)
            return redirect("rehabservices:modification-detail", modification_id=project.pk)
        messages.success(request, _("Step saved."))
        return redirect("rehabservices:modification-detail", modification_id=project.pk)


class ProjectPhotoView(CanlianView):
    """A project's photo, read through the project's scope (never a public media URL)."""

    required_permission = VIEW

    def get(self, request: HttpRequest, modification_id: int, modification_photo_id: int) -> HttpResponse:
        project = _project(request.user, modification_id)
        photo = ModificationPhoto.objects.filter(project=project, pk=modification_photo_id).first()
        if photo is None:
            raise NotFound()
        try:
            handle = photo.file.open("rb")
        except (FileNotFoundError, OSError) as exc:
            raise NotFound() from exc
        return FileResponse(handle, content_type=photo.content_type, filename=Path(photo.file.name).name)


def _report_params(request: HttpRequest) -> tuple[str, int, int]:
    roots = scope_roots(request.user, VIEW)
    region = _region(request)
    if not region or not request.user.scope_for(VIEW).contains(region):
        region = roots[0] if roots else ""
    year = _year(request)
    quarter = _int(request.GET.get("quarter")) or (timezone.localdate().month - 1) // 3 + 1
    return region, year, min(max(quarter, 1), 4)


class ReportView(CanlianView):
    """The quarterly progress report (季报): households planned (the year's target), assessed, under
    way, accepted, paid and money, by sub-region."""

    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        region, year, quarter = _report_params(request)
        report = selectors.quarterly_report(request.user, region_code=region, year=year, quarter=quarter)
        return render(
            request,
            "rehabservices/report.html",
            {
                "report": report,
                "title": exports.report_title(report),
                "quarters": [1, 2, 3, 4],
                "query": f"region={region}&year={year}&quarter={quarter}",
            },
        )


class ReportXlsxView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        region, year, quarter = _report_params(request)
        report = selectors.quarterly_report(request.user, region_code=region, year=year, quarter=quarter)
        projects = (
            selectors.projects_for(request.user, year=year, region=region)
            .filter(applied_on__lte=report.end)
            .order_by("region_code", "id")
        )
        data = exports.report_xlsx(actor=request.user, report=report, projects=projects)
        return _download(data, f"home-modification-{region or 'all'}-{year}Q{quarter}.xlsx", exports.XLSX)


class ReportDocxView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        region, year, quarter = _report_params(request)
        report = selectors.quarterly_report(request.user, region_code=region, year=year, quarter=quarter)
        return _download(
            exports.report_docx(actor=request.user, report=report),
            f"home-modification-{region or 'all'}-{year}Q{quarter}.docx",
            exports.DOCX,
        )


# --- contractor batches ------------------------------------------------------------------------------


class BatchListView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest, form: Any = None, status: int = 200) -> HttpResponse:
        qs = selectors.batches_for(request.user, status=request.GET.get("status", ""))
        can_pay = request.user.has_canlian_perm(PAY)
        return render(
            request,
            "rehabservices/batch_list.html",
            {
                "page": paginate(request, qs, PER_PAGE),
                "form": form or (forms.BatchForm(regions=_regions(request.user, PAY)) if can_pay else None),
                "query": _query(request),
            },
            status=status,
        )


class BatchGenerateView(CanlianView):
    required_permission = PAY
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = forms.BatchForm(request.POST, regions=_regions(request.user, PAY))
        if form.is_valid():
            try:
                batch = actions.batch_generate(
                    actor=request.user,
                    region_code=form.cleaned_data["region_code"],
                    note=form.cleaned_data["note"],
                )
            except DomainError as exc:
                _raise_not_found(exc)
                form_error_from(form, exc)
            else:
                messages.success(
                    request,
                    _("Batch %(number)s generated; another user must approve it.") % {"number": batch.number},
                )
                return redirect("rehabservices:batch-detail", contractor_batch_id=batch.pk)
        return BatchListView().get(request, form=form, status=400)


class BatchDetailView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest, contractor_batch_id: int) -> HttpResponse:
        batch = ContractorBatch.objects.select_related("generated_by", "approved_by").get_for_user(
            request.user, VIEW, pk=contractor_batch_id
        )
        lines = batch.lines.select_related("project__person").order_by("id")
        user = request.user
        return render(
            request,
            "rehabservices/batch_detail.html",
            {
                "batch": batch,
                "lines": lines,
                "can_approve": batch.status == BatchStatus.GENERATED
                and user.has_canlian_perm(APPROVE)
                and batch.generated_by_id != user.pk,
                "can_pay": batch.status == BatchStatus.APPROVED and user.has_canlian_perm(PAY),
                "paid_form": forms.PaidForm(),
            },
        )


class BatchApproveView(CanlianView):
    required_permission = APPROVE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, contractor_batch_id: int) -> HttpResponse:
        batch = ContractorBatch.objects.get_for_user(request.user, APPROVE, pk=contractor_batch_id)
        try:
            actions.batch_approve(actor=request.user, batch_id=batch.pk)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            flash_error(request, exc)
        else:
            messages.success(request, _("Batch approved."))
        return redirect("rehabservices:batch-detail", contractor_batch_id=batch.pk)


class BatchPaidView(CanlianView):
    required_permission = PAY
    http_method_names = ["post"]

    def post(self, request: HttpRequest, contractor_batch_id: int) -> HttpResponse:
        batch = ContractorBatch.objects.get_for_user(request.user, PAY, pk=contractor_batch_id)
        form = forms.PaidForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Enter the payment date."))
            return redirect("rehabservices:batch-detail", contractor_batch_id=batch.pk)
        try:
            actions.batch_mark_paid(
                actor=request.user, batch_id=batch.pk, paid_on=form.cleaned_data["paid_on"]
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            flash_error(request, exc)
        else:
            messages.success(request, _("Batch marked paid."))
        return redirect("rehabservices:batch-detail", contractor_batch_id=batch.pk)


# --- health ------------------------------------------------------------------------------------------


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
            request.user, program=program, status=status, year=_int(request.GET.get("year"))
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


class HealthCreateView(CanlianView):
    required_permission = RECORD

    def _render(
        self, request: HttpRequest, person: Person | None, form: Any, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            "rehabservices/health_form.html",
            {
                "person": person,
                "form": form,
                "lookup": forms.PersonLookupForm(request.GET or None),
                "searched": bool(request.GET.get("id_number")),
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, _person(request) or _lookup(request), forms.HealthApplyForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        person = _person(request)
        form = forms.HealthApplyForm(request.POST)
        if person is None:
            form.is_valid()
            form.add_error(None, _("Find the person first."))
            return self._render(request, None, form, status=400)
        if form.is_valid():
            try:
                app = actions.health_apply(
                    actor=request.user,
                    person_id=person.pk,
                    program=form.cleaned_data["program"],
                    applied_on=form.cleaned_data["applied_on"],
                )
            except DomainError as exc:
                _raise_not_found(exc)
                form_error_from(form, exc)
            else:
                messages.success(request, _("Application saved."))
                return redirect("rehabservices:health-detail", health_application_id=app.pk)
        return self._render(request, person, form, status=400)


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
