"""Pages of applications and their review chain: the list (filters, keyset pages), the overdue
list, the application form, an application's page (the person masked, the eligibility verdict rule
by rule, the steps with comments, files and due dates, and the forms of the steps the user may take
now) and the POST-only step views.

Views read through ``enrollment_selectors`` (scoped) and write through ``enrollments`` actions. A
POST first fetches the enrollment in the scope of the view's permission (out of scope: 404)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from django import forms as dj_forms
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.permissions import Perm
from canlian.core.registry import selectors as registry_selectors
from canlian.core.registry.identity import IdError, parse_resident_id
from canlian.core.registry.models import Person
from canlian.platform.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from canlian.platform.views import CanlianView, form_errors_from, keyset_page
from canlian.programs import eligibility
from canlian.programs import enrollments as actions
from canlian.programs.choices import EnrollmentStatus, StepKind
from canlian.programs.enrollments import forms, selectors
from canlian.programs.models import Enrollment

PER_PAGE = 50


def _region_labels(codes: list[str]) -> dict[str, str]:
    """Township and village names (the deepest two known) of each residence code, one query."""
    wanted = {c[:n] for c in codes for n in (6, 9, 12) if len(c) >= n}
    names = registry_selectors.region_names(wanted)
    labels = {}
    for code in codes:
        parts = [names[code[:n]] for n in (6, 9, 12) if len(code) >= n and code[:n] in names]
        labels[code] = " ".join(parts[-2:]) if parts else code
    return labels


def _decorate(enrollments: list[Enrollment], today: Any) -> list[Enrollment]:
    labels = _region_labels([e.region_code for e in enrollments])
    for e in enrollments:
        e.region_label = labels.get(e.region_code, e.region_code)
        e.is_overdue = bool(e.status in actions.STEP_WAITING and e.step_due_on and e.step_due_on < today)
    return enrollments


# --- lists -----------------------------------------------------------------------------------------


class EnrollmentListView(CanlianView):
    required_permission = Perm.ENROLLMENTS_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        form = forms.EnrollmentFilterForm(request.GET, request=request)
        qs = selectors.enrollments_for_user(user=request.user, filters=form.filters())
        page = keyset_page(request, qs, PER_PAGE)
        _decorate(page.items, timezone.localdate())
        return render(
            request,
            "programs/enrollments/list.html",
            {
                "form": form,
                "page": page,
                "title": _("Applications and enrollments"),
                "can_apply": request.user.has_canlian_perm(Perm.ENROLLMENTS_APPLY),
            },
        )


class EnrollmentOverdueView(CanlianView):
    """Applications whose current step is past its time limit (working days), most overdue first."""

    required_permission = Perm.ENROLLMENTS_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        qs = selectors.overdue_steps(request.user, today)
        page = keyset_page(request, qs, PER_PAGE, ordering=("step_due_on", "id"))
        _decorate(page.items, today)
        return render(
            request,
            "programs/enrollments/list.html",
            {"page": page, "title": _("Overdue review steps"), "overdue": True, "today": today},
        )


# --- the application -------------------------------------------------------------------------------


def _person_summary(person: Person) -> dict[str, Any]:
    cert = registry_selectors.current_certificate_of(person=person)
    return {
        "person": person,
        "cert": cert,
        "cert_status": cert.status_on() if cert else "",
        "region_label": _region_labels([person.region_code]).get(person.region_code, person.region_code),
    }


class EnrollmentApplyView(CanlianView):
    """Record an application. ``?person=<id>`` (from the person page) fixes the person and
    ``?program=<code>`` preselects the program; otherwise the person is found by ID number."""

    required_permission = Perm.ENROLLMENTS_APPLY

    def _person(self, request: HttpRequest, raw: Any) -> Person | None:
        if not raw:
            return None
        try:
            pk = int(raw)
        except (TypeError, ValueError) as exc:
            raise NotFound() from exc
        return Person.objects.get_for_user(request.user, Perm.ENROLLMENTS_APPLY, pk=pk)

    def _render(
        self, request: HttpRequest, form: forms.ApplicationForm, person: Person | None
    ) -> HttpResponse:
        return render(
            request,
            "programs/enrollments/apply.html",
            {"form": form, **(_person_summary(person) if person else {})},
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        person = self._person(request, request.GET.get("person"))
        initial: dict[str, Any] = {"program": request.GET.get("program", "")}
        if person:
            initial.update(person=person.pk, account_holder="")
        form = forms.ApplicationForm(initial=initial)
        if person:
            form.fields["id_number"].widget = dj_forms.HiddenInput()
        return self._render(request, form, person)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = forms.ApplicationForm(request.POST, request.FILES)
        person = self._person(request, request.POST.get("person")) if request.POST.get("person") else None
        if person:
            form.fields["id_number"].widget = dj_forms.HiddenInput()
        if form.is_valid():
            try:
                if person is None:
                    person = self._by_id_number(request, form.cleaned_data["id_number"])
                enrollment = actions.enrollment_apply(
                    actor=request.user, person_id=person.pk, **form.action_kwargs()
                )
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                form_errors_from(form, exc, {"person_id": "id_number"})
            else:
                messages.success(request, _("The application was recorded."))
                return redirect("programs:enrollment-detail", enrollment_id=enrollment.pk)
        return self._render(request, form, person)

    def _by_id_number(self, request: HttpRequest, raw: str) -> Person:
        try:
            number = parse_resident_id(raw).number
        except IdError as exc:
            raise ValidationFailed(str(exc), field="id_number") from exc
        person = registry_selectors.person_by_id_number(
            user=request.user, id_number=number, action=Perm.ENROLLMENTS_APPLY
        )
        if person is None:
            raise ValidationFailed(
                _("No registered person with this ID number in your region."), field="id_number"
            )
        return person


# --- an application's page -------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    """One POST-only transition: the URL name, its form, the permission and the statuses it applies to."""

    url_name: str
    label: Any
    form: type[dj_forms.Form]
    permission: str
    statuses: tuple[str, ...]


OPS: dict[str, Op] = {
    "first-check": Op(
        "programs:enrollment-first-check",
        StepKind.FIRST_CHECK.label,
        forms.StepForm,
        Perm.ENROLLMENTS_FIRST_CHECK,
        (EnrollmentStatus.APPLIED,),
    ),
    "review": Op(
        "programs:enrollment-review",
        StepKind.REVIEW.label,
        forms.StepForm,
        Perm.ENROLLMENTS_REVIEW,
        (EnrollmentStatus.FIRST_CHECKED,),
    ),
    "decide": Op(
        "programs:enrollment-decide",
        StepKind.DECIDE.label,
        forms.StepForm,
        Perm.ENROLLMENTS_DECIDE,
        (EnrollmentStatus.REVIEWED,),
    ),
    "notice-end": Op(
        "programs:enrollment-notice-end",
        StepKind.NOTICE_END.label,
        forms.StepForm,
        Perm.ENROLLMENTS_DECIDE,
        (EnrollmentStatus.NOTICE,),
    ),
    "object": Op(
        "programs:enrollment-object",
        gettext_lazy("Record the applicant's objection"),
        forms.ObjectionForm,
        Perm.ENROLLMENTS_APPLY,
        (EnrollmentStatus.REJECTED,),
    ),
    "stop": Op(
        "programs:enrollment-stop",
        gettext_lazy("Stop payments"),
        forms.StopForm,
        Perm.ENROLLMENTS_STOP,
        (EnrollmentStatus.ACTIVE,),
    ),
    "resume": Op(
        "programs:enrollment-resume",
        gettext_lazy("Resume (undo the stop)"),
        forms.ResumeForm,
        Perm.ENROLLMENTS_STOP,
        (EnrollmentStatus.STOPPED,),
    ),
}


def enrollment_page(
    request: HttpRequest, enrollment: Enrollment, *, bound: dict[str, dj_forms.Form] | None = None
) -> HttpResponse:
    user = request.user
    bound = bound or {}
    today = timezone.localdate()
    step_forms = {}
    for op, spec in OPS.items():
        if enrollment.status in spec.statuses and selectors.may(user, spec.permission, enrollment):
            step_forms[op] = {
                "form": bound.get(op) or spec.form(auto_id=f"id_{op}_%s"),
                "label": spec.label,
                "url_name": spec.url_name,
            }
    person = enrollment.person
    verdict = eligibility.explain(enrollment.program, person, today, enrollment=enrollment)
    for result in verdict.results:
        # Explanations quote the certificate number, which begins with the ID number: mask it.
        result.reason = str(result.reason).replace(person.id_number, person.masked_id)
    _decorate([enrollment], today)
    return render(
        request,
        "programs/enrollments/detail.html",
        {
            "enrollment": enrollment,
            **_person_summary(enrollment.person),
            "verdict": verdict,
            "steps": selectors.enrollment_history(enrollment=enrollment),
            "step_forms": step_forms,
            "today": today,
        },
    )


class EnrollmentDetailView(CanlianView):
    required_permission = Perm.ENROLLMENTS_VIEW

    def get(self, request: HttpRequest, enrollment_id: int) -> HttpResponse:
        return enrollment_page(request, selectors.enrollment_for_page(user=request.user, pk=enrollment_id))


class EnrollmentAttachmentView(CanlianView):
    """The files of an application's steps: ``?step=<id>`` downloads one, otherwise a list."""

    required_permission = Perm.ENROLLMENTS_VIEW

    def get(self, request: HttpRequest, enrollment_id: int) -> HttpResponse:
        enrollment = selectors.enrollment_for_page(user=request.user, pk=enrollment_id)
        steps = selectors.enrollment_history(enrollment=enrollment).exclude(attachment="")
        raw = request.GET.get("step")
        if raw:
            step = steps.filter(pk=raw).first() if raw.isdigit() else None
            if step is None:
                raise NotFound()
            return FileResponse(
                step.attachment.open("rb"),
                as_attachment=True,
                filename=step.attachment.name.rsplit("/", 1)[-1],
            )
        return render(
            request, "programs/enrollments/attachments.html", {"enrollment": enrollment, "steps": steps}
        )


class _TransitionView(CanlianView, ABC):
    """POST-only: one transition of the enrollment named in the URL."""

    http_method_names = ["post"]
    op = ""
    field_map: dict[str, str] = {}

    @abstractmethod
    def run(self, request: HttpRequest, enrollment: Enrollment, data: dict[str, Any]) -> Enrollment:
        """What the subclass does with the valid form data."""

    def post(self, request: HttpRequest, enrollment_id: int) -> HttpResponse:
        enrollment = Enrollment.objects.select_related("program", "person").get_for_user(
            request.user, self.required_permission, pk=enrollment_id
        )
        form_class = OPS[self.op].form if self.op in OPS else forms.RejectForm
        form = form_class(request.POST, request.FILES, auto_id=f"id_{self.op}_%s")
        if form.is_valid():
            try:
                self.run(
                    request,
                    enrollment,
                    form.cleaned_data | (form.action_kwargs() if hasattr(form, "action_kwargs") else {}),
                )
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                form_errors_from(form, exc, self.field_map)
                enrollment.refresh_from_db()
                if self.op not in OPS or enrollment.status not in OPS[self.op].statuses:
                    # The page shows no form for this transition (any more): say why on top.
                    messages.error(request, exc.message)
            else:
                messages.success(request, _("Saved."))
                return redirect("programs:enrollment-detail", enrollment_id=enrollment.pk)
        enrollment.refresh_from_db()
        return enrollment_page(request, enrollment, bound={self.op: form})


class _ReviewStepView(_TransitionView):
    action: Any = None

    def run(self, request: HttpRequest, enrollment: Enrollment, data: dict[str, Any]) -> Enrollment:
        return type(self).action(
            actor=request.user,
            enrollment_id=enrollment.pk,
            approve=data["approve"],
            comment=data["comment"],
            attachment=data["attachment"],
        )


class EnrollmentFirstCheckView(_ReviewStepView):
    required_permission = Perm.ENROLLMENTS_FIRST_CHECK
    op = "first-check"
    action = actions.enrollment_first_check


class EnrollmentReviewView(_ReviewStepView):
    required_permission = Perm.ENROLLMENTS_REVIEW
    op = "review"
    action = actions.enrollment_review


class EnrollmentDecideView(_ReviewStepView):
    required_permission = Perm.ENROLLMENTS_DECIDE
    op = "decide"
    action = actions.enrollment_decide


class EnrollmentNoticeEndView(_ReviewStepView):
    required_permission = Perm.ENROLLMENTS_DECIDE
    op = "notice-end"
    action = actions.enrollment_notice_end


class EnrollmentRejectView(_TransitionView):
    """Reject with a reason; the action checks the permission of the step the application waits for."""

    required_permission = Perm.ENROLLMENTS_VIEW
    op = "reject"
    field_map = {"comment": "reason"}

    def run(self, request: HttpRequest, enrollment: Enrollment, data: dict[str, Any]) -> Enrollment:
        return actions.enrollment_reject(
            actor=request.user,
            enrollment_id=enrollment.pk,
            reason=data["reason"],
            attachment=data.get("attachment"),
        )


class EnrollmentObjectView(_TransitionView):
    required_permission = Perm.ENROLLMENTS_APPLY
    op = "object"

    def run(self, request: HttpRequest, enrollment: Enrollment, data: dict[str, Any]) -> Enrollment:
        return actions.enrollment_object(
            actor=request.user,
            enrollment_id=enrollment.pk,
            comment=data["comment"],
            attachment=data.get("attachment"),
        )


class EnrollmentStopView(_TransitionView):
    required_permission = Perm.ENROLLMENTS_STOP
    op = "stop"

    def run(self, request: HttpRequest, enrollment: Enrollment, data: dict[str, Any]) -> Enrollment:
        return actions.enrollment_stop(
            actor=request.user,
            enrollment_id=enrollment.pk,
            reason=data["reason"],
            stopped_from=data["stopped_from"],
            note=data["note"],
        )


class EnrollmentResumeView(_TransitionView):
    required_permission = Perm.ENROLLMENTS_STOP
    op = "resume"

    def run(self, request: HttpRequest, enrollment: Enrollment, data: dict[str, Any]) -> Enrollment:
        return actions.enrollment_resume(actor=request.user, enrollment_id=enrollment.pk, note=data["note"])
