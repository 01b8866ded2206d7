"""Home modification projects: the phone page per project and its steps with photos, the ledger, the quarterly report (page, .xlsx, .docx)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.domains.rehabservices import actions, exports, forms, selectors
from canlian.domains.rehabservices.actions.modification import (
    PHOTO_STAGES_BY_STATUS,
    eligibility,
    standard_on,
)
from canlian.domains.rehabservices.choices import (
    ModItem,
    ModStatus,
)
from canlian.domains.rehabservices.models import (
    ModificationPhoto,
    ModificationProject,
)
from canlian.domains.rehabservices.views._common import (
    MANAGE,
    PER_PAGE,
    RECORD,
    VIEW,
    PersonFormView,
    _audit_read,
    _download,
    _query,
    _raise_not_found,
    _region,
    _year,
)
from canlian.platform.access import scope_roots
from canlian.platform.errors import DomainError, NotFound
from canlian.platform.views import CanlianView, flash_error, form_error_from, int_param, paginate


class ProjectListView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        status = request.GET.get("status", "")
        overdue = request.GET.get("state") == "overdue"
        year = int_param(request.GET.get("year"))
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
        year = int_param(request.GET.get("year"))
        qs = selectors.projects_for(request.user, year=year, region=_region(request)).order_by(
            "region_code", "id"
        )
        return _download(
            exports.projects_xlsx(actor=request.user, projects=qs),
            "home-modification-ledger.xlsx",
            exports.XLSX,
        )


class ProjectCreateView(PersonFormView):
    """Apply for a household's home modification, with the eligibility rules shown as a checklist."""

    template = "rehabservices/project_form.html"

    def extra_context(self, form: Any) -> dict[str, Any]:
        from canlian.core.registry.models import HouseholdMember
        from canlian.domains.rehabservices.choices import Priority

        person = self.person
        checks: list[dict[str, Any]] = []
        priorities: list[str] = []
        household = None
        if person is not None:
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
        return {
            "checks": checks,
            "household": household,
            "priorities": [Priority(p).label for p in priorities],
        }

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return forms.ApplyForm(data, initial={"house_modifiable": True})

    def act(self, data: dict[str, Any]) -> Any:
        return actions.modification_apply(
            actor=self.request.user,
            person_id=self.person.pk,
            applied_on=data["applied_on"],
            need_found=data["need_found"],
            house_modifiable=data["house_modifiable"],
            address=data["address"],
        )

    def get_success_message(self, result: Any) -> str:
        return _("Application saved: %(number)s.") % {"number": result.number}

    def get_success_url(self, result: Any) -> str:
        return reverse("rehabservices:modification-detail", kwargs={"modification_id": result.pk})


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
    quarter = int_param(request.GET.get("quarter")) or (timezone.localdate().month - 1) // 3 + 1
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
