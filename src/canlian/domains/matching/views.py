"""Pages of data comparison: findings (open / overdue / resolved / all, per rule or list), a finding
with the evidence of both sides and its resolution, the lists (upload with the column mapping, the
rejected rows, the runs, the rows themselves for holders of ``matching.lists``), the rules."""

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

from canlian.core.audit.actions import audit_sensitive_read
from canlian.core.jobs.models import Job
from canlian.core.permissions import Perm
from canlian.core.registry.selectors import region_choices, region_names
from canlian.domains.matching import actions, monitoring, selectors
from canlian.domains.matching.choices import Action, FindingStatus, Outcome
from canlian.domains.matching.events import MatchingEvent
from canlian.domains.matching.forms import (
    ExitForm,
    MeasureForm,
    MonitoringOpenForm,
    ResolveForm,
    RuleForm,
    UploadForm,
    VisitForm,
    mapping_of,
)
from canlian.domains.matching.loading import FIELDS
from canlian.domains.matching.models import ComparisonRule, Finding, ListUpload, MonitoringCase
from canlian.platform.access import may
from canlian.platform.errors import DomainError, ValidationFailed
from canlian.platform.views import (
    ActionFormView,
    CanlianView,
    FormPageView,
    flash_error,
    int_param,
    keyset_page,
)

PER_PAGE = 50


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render with what the tabs need (whether the user may open the lists)."""
    context["perms_lists"] = request.user.has_canlian_perm(Perm.MATCHING_LISTS)
    return render(request, template, context)


def _regions(user: Any, permission: str) -> list[tuple[str, str]]:
    return region_choices(user=user, permission=permission)


def _label_townships(rows: list[Any]) -> None:
    names = region_names({r.region_code[:9] for r in rows} | {r.region_code for r in rows})
    for r in rows:
        r.township_label = names.get(r.region_code[:9]) or names.get(r.region_code, r.region_code)


# --- findings --------------------------------------------------------------------------------------

STATES = (
    ("open", _("Open")),
    ("overdue", _("Overdue")),
    ("resolved", _("Resolved")),
    ("lapsed", _("No longer applies")),
    ("all", _("All")),
)


class FindingListView(CanlianView):
    required_permission = Perm.MATCHING_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        state = request.GET.get("state", "open")
        state = state if state in dict(STATES) else "open"
        rule_id, upload_id = int_param(request.GET.get("rule")), int_param(request.GET.get("list"))
        today = timezone.localdate()
        qs = selectors.findings_visible(
            user=request.user,
            status="" if state in ("all", "overdue") else state,
            rule_id=rule_id,
            upload_id=upload_id,
            overdue=state == "overdue",
            today=today,
        )
        page = keyset_page(request, qs, PER_PAGE, ordering=("-id",))
        _label_townships(page.items)
        return _page(
            request,
            "matching/finding_list.html",
            {
                "page": page,
                "state": state,
                "states": [(k, str(v)) for k, v in STATES],
                "rule": rule_id,
                "rules": list(selectors.rules_visible(user=request.user).order_by("code", "region_code")),
                "counts": selectors.finding_counts(user=request.user),
                "today": today,
            },
        )


def _resolve_form(finding: Finding, data: Any = None) -> ResolveForm:
    labels = dict(Outcome.choices)
    outcomes = [(o, labels[o]) for o in actions.OUTCOMES[finding.rule.action]]
    return ResolveForm(
        data, action=finding.rule.action, outcomes=outcomes, initial={"on": timezone.localdate()}
    )


class FindingDetailView(CanlianView):
    required_permission = Perm.MATCHING_VIEW

    def get(self, request: HttpRequest, finding_id: int) -> HttpResponse:
        finding = Finding.objects.get_for_user(request.user, Perm.MATCHING_VIEW, pk=finding_id)
        return _show_finding(request, finding)


def _show_finding(request: HttpRequest, finding: Finding, form: ResolveForm | None = None) -> HttpResponse:
    audit_sensitive_read(
        actor=request.user,
        event=MatchingEvent.FINDING_VIEWED,
        obj=finding,
        region_code=finding.region_code,
        person=finding.person_id,
    )
    _label_townships([finding])
    can_resolve = finding.status == FindingStatus.OPEN and may(
        request.user, Perm.MATCHING_RESOLVE, finding.region_code
    )
    return _page(
        request,
        "matching/finding_detail.html",
        {
            "f": finding,
            "person": finding.person,
            "form": form or (_resolve_form(finding) if can_resolve else None),
            "today": timezone.localdate(),
            "is_stop": finding.rule.action == Action.STOP,
        },
    )


class _Form(ActionFormView):
    """A form of this app: refused, its page again (status 200, as the pages always did)."""

    invalid_status = 200


class _FormPage(FormPageView):
    """A form on a page of its own (``template``): GET shows it, a refused POST shows it again."""

    invalid_status = 200
    template = ""

    def render_form(self, form: Any, status: int) -> HttpResponse:
        return _page(self.request, self.template, {"form": form})


class FindingResolveView(_Form):
    required_permission = Perm.MATCHING_RESOLVE
    success_message = gettext_lazy("Finding resolved.")

    @cached_property
    def finding(self) -> Finding:
        return Finding.objects.get_for_user(
            self.request.user, Perm.MATCHING_RESOLVE, pk=self.kwargs["finding_id"]
        )

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return _resolve_form(self.finding, data)

    def act(self, data: dict[str, Any]) -> None:
        given = {k: v for k, v in data.items() if v not in (None, "") or k == "record_in_registry"}
        actions.finding_resolve(actor=self.request.user, finding_id=self.finding.pk, **given)

    def get_success_url(self, result: Any) -> str:
        return reverse("matching:finding-detail", kwargs={"finding_id": self.finding.pk})

    def render_form(self, form: Any, status: int) -> HttpResponse:
        self.finding.refresh_from_db()
        return _show_finding(self.request, self.finding, form)


# --- lists -----------------------------------------------------------------------------------------


class UploadListView(CanlianView):
    required_permission = Perm.MATCHING_LISTS

    def get(self, request: HttpRequest) -> HttpResponse:
        page = keyset_page(request, selectors.uploads_visible(user=request.user), PER_PAGE, ordering=("-id",))
        return _page(request, "matching/upload_list.html", {"page": page})


class UploadCreateView(_FormPage):
    required_permission = Perm.MATCHING_LISTS
    template = "matching/upload_form.html"
    field_map = {"id_number": "col_id_number", "file": "file", "mapping": None}

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        regions = _regions(self.request.user, Perm.MATCHING_LISTS)
        return UploadForm(data, files, regions=regions, initial={"run": True})

    def act(self, data: dict[str, Any]) -> Job:
        return actions.list_upload_submit(
            actor=self.request.user,
            region_code=data["region_code"],
            department=data["department"],
            list_kind=data["list_kind"],
            as_of=data["as_of"],
            upload=data["file"],
            mapping=mapping_of(data),
            retention_days=data.get("retention_days"),
            run=bool(data.get("run")),
        )

    def get_success_message(self, result: Any) -> str:
        return _("The list was received; it is loaded by job #%(id)s.") % {"id": result.pk}

    def get_success_url(self, result: Any) -> str:
        return reverse("matching:upload-job", kwargs={"list_job_id": result.pk})


class UploadJobView(CanlianView):
    """A list's load (or a comparison run) as a job: its progress, then the list's counts and the
    rejected rows by row and field, or the error that refused the file."""

    required_permission = Perm.MATCHING_LISTS

    def get(self, request: HttpRequest, list_job_id: int) -> HttpResponse:
        job = Job.objects.get_for_user(
            request.user, Perm.MATCHING_LISTS, pk=list_job_id, kind__in=(actions.UPLOAD_JOB, actions.RUN_JOB)
        )
        result = job.result or {}
        upload_id = result.get("upload_id") or job.params.get("upload_id")
        upload = None
        if upload_id and not job.is_active:
            upload = selectors.uploads_visible(user=request.user).filter(pk=upload_id).first()
        context = {
            "job": job,
            "result": result,
            "upload": upload,
            "errors": (upload.errors if upload is not None and job.kind == actions.UPLOAD_JOB else None)
            or result.get("errors")
            or [],
            "is_upload": job.kind == actions.UPLOAD_JOB,
        }
        htmx = getattr(request, "htmx", False)
        template = "matching/upload_job.html#progress" if htmx else "matching/upload_job.html"
        return _page(request, template, context)


class UploadDetailView(CanlianView):
    required_permission = Perm.MATCHING_LISTS

    def get(self, request: HttpRequest, list_upload_id: int) -> HttpResponse:
        upload = ListUpload.objects.get_for_user(request.user, Perm.MATCHING_LISTS, pk=list_upload_id)
        rows = keyset_page(
            request,
            selectors.list_rows_visible(user=request.user, upload_id=upload.pk),
            PER_PAGE,
            ordering=("row_no", "id"),
        )
        runs = list(upload.runs.order_by("-id")[:20])
        rules = {
            r.code: r for r in ComparisonRule.objects.filter(code__in={c for run in runs for c in run.counts})
        }
        for run in runs:
            run.rows = [(rules.get(code), code, c) for code, c in sorted(run.counts.items())]
        return _page(
            request,
            "matching/upload_detail.html",
            {
                "upload": upload,
                "mapping": [(FIELDS.get(key, key), column) for key, column in (upload.mapping or {}).items()],
                "rows": rows,
                "runs": runs,
                "can_run": upload.status == "loaded"
                and may(request.user, Perm.MATCHING_MANAGE, upload.region_code),
            },
        )


class UploadRunView(CanlianView):
    required_permission = Perm.MATCHING_MANAGE

    def post(self, request: HttpRequest, list_upload_id: int) -> HttpResponse:
        upload = ListUpload.objects.get_for_user(request.user, Perm.MATCHING_LISTS, pk=list_upload_id)
        try:
            job = actions.comparison_run_submit(actor=request.user, upload_id=upload.pk)
        except DomainError as exc:
            flash_error(request, exc)
            return redirect("matching:upload-detail", list_upload_id=upload.pk)
        messages.success(request, _("The comparison runs as job #%(id)s.") % {"id": job.pk})
        return redirect("matching:upload-job", list_job_id=job.pk)


# --- rules -----------------------------------------------------------------------------------------


class RuleListView(CanlianView):
    required_permission = Perm.MATCHING_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        rules = list(
            selectors.rules_visible(user=request.user).order_by("code", "region_code", "-valid_from")
        )
        return _page(
            request,
            "matching/rule_list.html",
            {"rules": rules, "can_manage": request.user.has_canlian_perm(Perm.MATCHING_MANAGE)},
        )


class RuleCreateView(_FormPage):
    required_permission = Perm.MATCHING_MANAGE
    template = "matching/rule_form.html"
    success_url = "matching:rule-list"
    success_message = gettext_lazy("Rule saved.")

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        regions = _regions(self.request.user, Perm.MATCHING_MANAGE)
        return RuleForm(data, regions=regions, initial={"valid_from": timezone.localdate()})

    def act(self, data: dict[str, Any]) -> None:
        actions.rule_create(actor=self.request.user, **data)


# --- return-to-poverty monitoring ----------------------------------------------------------------

CASE_STATES = (
    ("monitored", _("Monitored")),
    ("overdue", _("Visit overdue")),
    ("exited", _("Exited from monitoring")),
    ("all", _("All")),
)


class CaseListView(CanlianView):
    required_permission = Perm.MATCHING_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        state = request.GET.get("state", "monitored")
        state = state if state in dict(CASE_STATES) else "monitored"
        today = timezone.localdate()
        qs = selectors.cases_visible(user=request.user, state=state, today=today)
        page = keyset_page(request, qs, PER_PAGE, ordering=("-id",))
        _label_townships(page.items)
        return _page(
            request,
            "matching/case_list.html",
            {
                "page": page,
                "state": state,
                "states": [(k, str(v)) for k, v in CASE_STATES],
                "today": today,
                "can_open": request.user.has_canlian_perm(Perm.MATCHING_MANAGE),
            },
        )


class CaseCreateView(_FormPage):
    required_permission = Perm.MATCHING_MANAGE
    template = "matching/case_form.html"
    success_message = gettext_lazy("Household monitored.")

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return MonitoringOpenForm(data, initial={"started_on": timezone.localdate(), "cadence_days": 30})

    def act(self, data: dict[str, Any]) -> MonitoringCase:
        from canlian.core.registry.identity import IdError, parse_resident_id
        from canlian.core.registry.selectors import person_by_id_number

        try:
            number = parse_resident_id(data["id_number"]).number
        except IdError as exc:
            raise ValidationFailed(str(exc), field="id_number") from exc
        person = person_by_id_number(user=self.request.user, id_number=number, action=Perm.MATCHING_MANAGE)
        if person is None:
            raise ValidationFailed(_("No person with this ID number in your region."), field="id_number")
        return monitoring.monitoring_open(
            actor=self.request.user,
            person_id=person.pk,
            monitored_type=data["monitored_type"],
            risk_causes=data["risk_causes"],
            started_on=data["started_on"],
            cadence_days=data["cadence_days"],
            note=data["note"],
        )

    def get_success_url(self, result: Any) -> str:
        return reverse("matching:case-detail", kwargs={"monitoring_case_id": result.pk})


def _measure_form(case: MonitoringCase, data: Any = None) -> MeasureForm:
    from canlian.programs.models import Enrollment

    enrollments = [
        (str(e.pk), f"{e.program.label} #{e.pk} ({e.get_status_display()})")
        for e in Enrollment.objects.filter(person_id=case.person_id).select_related("program").order_by("-id")
    ]
    return MeasureForm(data, enrollments=enrollments, initial={"on": timezone.localdate()})


class CaseDetailView(CanlianView):
    required_permission = Perm.MATCHING_VIEW

    def get(self, request: HttpRequest, monitoring_case_id: int) -> HttpResponse:
        case = MonitoringCase.objects.get_for_user(request.user, Perm.MATCHING_VIEW, pk=monitoring_case_id)
        return _show_case(request, case)


def _show_case(request: HttpRequest, case: MonitoringCase, **forms_given: Any) -> HttpResponse:
    audit_sensitive_read(
        actor=request.user,
        event=MatchingEvent.MONITORING_VIEWED,
        obj=case,
        region_code=case.region_code,
        person=case.person_id,
    )
    _label_townships([case])
    open_ = case.status == "monitored"
    can_record = open_ and may(request.user, Perm.MATCHING_RESOLVE, case.region_code)
    can_exit = open_ and may(request.user, Perm.MATCHING_MANAGE, case.region_code)
    today = timezone.localdate()
    return _page(
        request,
        "matching/case_detail.html",
        {
            "case": case,
            "person": case.person,
            "visits": list(case.visits.all()),
            "measures": list(case.measures.select_related("enrollment__program")),
            "visit_form": forms_given.get("visit_form")
            or (VisitForm(initial={"visited_on": today, "risk_remains": True}) if can_record else None),
            "measure_form": forms_given.get("measure_form") or (_measure_form(case) if can_record else None),
            "exit_form": forms_given.get("exit_form")
            or (ExitForm(initial={"on": today}) if can_exit else None),
            "today": today,
        },
    )


class _CaseWrite(_Form):
    """A form of the case page (visit, measure, exit): refused, the case page again."""

    form_key = ""

    @cached_property
    def case(self) -> MonitoringCase:
        return MonitoringCase.objects.get_for_user(
            self.request.user, self.required_permission, pk=self.kwargs["monitoring_case_id"]
        )

    def get_success_url(self, result: Any) -> str:
        return reverse("matching:case-detail", kwargs={"monitoring_case_id": self.case.pk})

    def render_form(self, form: Any, status: int) -> HttpResponse:
        self.case.refresh_from_db()
        return _show_case(self.request, self.case, **{self.form_key: form})


class CaseVisitView(_CaseWrite):
    required_permission = Perm.MATCHING_RESOLVE
    form_class = VisitForm
    form_key = "visit_form"

    def act(self, data: dict[str, Any]) -> None:
        monitoring.monitoring_visit_record(actor=self.request.user, case_id=self.case.pk, **data)


class CaseMeasureView(_CaseWrite):
    required_permission = Perm.MATCHING_RESOLVE
    form_key = "measure_form"

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return _measure_form(self.case, data)

    def act(self, data: dict[str, Any]) -> None:
        monitoring.monitoring_measure_add(actor=self.request.user, case_id=self.case.pk, **data)


class CaseExitView(_CaseWrite):
    required_permission = Perm.MATCHING_MANAGE
    form_class = ExitForm
    form_key = "exit_form"

    def act(self, data: dict[str, Any]) -> None:
        monitoring.monitoring_exit(actor=self.request.user, case_id=self.case.pk, **data)
