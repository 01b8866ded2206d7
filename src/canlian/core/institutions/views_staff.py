"""Pages of institution staff: the staff list (ID numbers and phones masked), a staff member's page
(certificates, exam results, sign-in, leaving), certificates and their revocation, and the list of
staff in certified posts whose certificate is missing, expiring or expired (with an Excel export)."""

from __future__ import annotations

import datetime as dt
import tempfile
from abc import ABC, abstractmethod
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.accounts.http import AuthenticatedHttpRequest
from canlian.core.institutions import actions, selectors
from canlian.core.institutions.exporting import certificate_gaps_export
from canlian.core.institutions.forms import (
    CertificateIssueForm,
    GapFilterForm,
    LeaveForm,
    RevokeForm,
    SignInForm,
    StaffFilterForm,
    StaffForm,
)
from canlian.core.institutions.models import StaffMember, TrainingCourse
from canlian.core.institutions.views import PER_PAGE, label_regions, mask_staff
from canlian.core.permissions import Perm
from canlian.core.registry.identity import mask_id, mask_phone
from canlian.platform.errors import DomainError, NotFound, PermissionDenied
from canlian.platform.views import CanlianView, form_error_from, keyset_page


class StaffListView(CanlianView):
    """Staff the user sees (an institution's staff: their colleagues only), masked."""

    required_permission = Perm.INSTITUTIONS_VIEW

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = StaffFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        current = {"1": True, "0": False, "all": None}.get(data.get("current") or "1", True)
        qs = selectors.staff_visible(
            user=request.user, q=data.get("q") or "", post=data.get("post") or "", current=current
        )
        page = keyset_page(request, qs, PER_PAGE, ordering=("name", "id"))
        mask_staff(page.items)
        return render(request, "institutions/staff_list.html", {"form": form, "page": page})


def _courses_passed(staff: StaffMember) -> list[TrainingCourse]:
    return list(
        TrainingCourse.objects.filter(results__staff=staff, results__passed=True).order_by("-ends_on")
    )


class StaffDetailView(CanlianView):
    required_permission = Perm.INSTITUTIONS_VIEW

    def get(self, request: AuthenticatedHttpRequest, staff_id: int) -> HttpResponse:
        return self.page(request, selectors.staff_get(user=request.user, staff_id=staff_id))

    @staticmethod
    def page(
        request: AuthenticatedHttpRequest, staff: StaffMember, status: int = 200, **forms: Any
    ) -> HttpResponse:
        today = timezone.localdate()
        institution = staff.institution
        rights = selectors.rights(user=request.user, institution=institution)
        annotated = selectors.with_certificate_state(StaffMember.objects.filter(pk=staff.pk), today).get()
        passed = _courses_passed(staff)
        context = {
            "staff": staff,
            "institution": institution,
            "masked_id": mask_id(staff.id_number),
            "masked_phone": mask_phone(staff.phone),
            "today": today,
            "rights": rights,
            "certified_post": staff.post in selectors.CERTIFIED_POSTS,
            "cert_state": selectors.certificate_state(annotated, today),
            "certificates": list(staff.certificates.select_related("course").order_by("-valid_until")),
            "results": list(staff.training_results.select_related("course").order_by("-course__starts_on")),
            "leave_form": forms.get("leave_form") or LeaveForm(initial={"left_on": today}),
            "sign_in_form": forms.get("sign_in_form") or SignInForm(),
            "issue_form": forms.get("issue_form")
            or CertificateIssueForm(courses=passed, initial={"issued_on": today}),
            "revoke_form": RevokeForm(initial={"on": today}),
        }
        return render(request, "institutions/staff_detail.html", context, status=status)


class StaffEditView(CanlianView):
    required_permission = Perm.INSTITUTIONS_STAFF

    def _load(self, request: AuthenticatedHttpRequest, staff_id: int) -> StaffMember:
        staff = selectors.staff_get(user=request.user, staff_id=staff_id)
        if not selectors.rights(user=request.user, institution=staff.institution).staff:
            raise PermissionDenied()
        return staff

    def _form(self, staff: StaffMember, *args: Any, **kwargs: Any) -> StaffForm:
        return StaffForm(
            *args,
            masked_id=mask_id(staff.id_number),
            masked_phone=mask_phone(staff.phone),
            editing=True,
            **kwargs,
        )

    def get(self, request: AuthenticatedHttpRequest, staff_id: int) -> HttpResponse:
        staff = self._load(request, staff_id)
        form = self._form(
            staff, initial={f: getattr(staff, f) for f in ("name", "post", "title", "hired_on")}
        )
        return render(
            request,
            "institutions/staff_form.html",
            {"form": form, "institution": staff.institution, "staff": staff},
        )

    def post(self, request: AuthenticatedHttpRequest, staff_id: int) -> HttpResponse:
        staff = self._load(request, staff_id)
        form = self._form(staff, request.POST)
        if form.is_valid():
            try:
                actions.staff_update(actor=request.user, staff_id=staff.pk, **form.action_kwargs())
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                form_error_from(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("institutions:staff-detail", staff_id=staff.pk)
        return render(
            request,
            "institutions/staff_form.html",
            {"form": form, "institution": staff.institution, "staff": staff},
            status=400,
        )


class _StaffPost(CanlianView, ABC):
    """A POST-only form of the staff page; errors re-render the page with the form."""

    form_class: Any = None
    form_name = ""
    http_method_names = ["post"]

    def make_form(self, request: AuthenticatedHttpRequest, staff: StaffMember) -> Any:
        return self.form_class(request.POST)

    @abstractmethod
    def act(self, request: AuthenticatedHttpRequest, staff: StaffMember, data: dict[str, Any]) -> str:
        """What the subclass does with the valid form data."""

    def post(self, request: AuthenticatedHttpRequest, staff_id: int) -> HttpResponse:
        staff = selectors.staff_get(user=request.user, staff_id=staff_id)
        form = self.make_form(request, staff)
        if form.is_valid():
            try:
                message = self.act(request, staff, form.cleaned_data)
            except DomainError as exc:
                if isinstance(exc, NotFound | PermissionDenied):
                    raise
                form_error_from(form, exc)
            else:
                messages.success(request, message)
                return redirect("institutions:staff-detail", staff_id=staff.pk)
        staff.refresh_from_db()
        return StaffDetailView.page(request, staff, status=400, **{self.form_name: form})


class StaffLeaveView(_StaffPost):
    required_permission = Perm.INSTITUTIONS_STAFF
    form_class = LeaveForm
    form_name = "leave_form"

    def act(self, request: AuthenticatedHttpRequest, staff: StaffMember, data: dict[str, Any]) -> str:
        actions.staff_leave(actor=request.user, staff_id=staff.pk, left_on=data.get("left_on"))
        return _("Leaving recorded.")


class StaffSignInView(_StaffPost):
    required_permission = Perm.INSTITUTIONS_MANAGE
    form_class = SignInForm
    form_name = "sign_in_form"

    def act(self, request: AuthenticatedHttpRequest, staff: StaffMember, data: dict[str, Any]) -> str:
        user = actions.staff_create_sign_in(
            actor=request.user, staff_id=staff.pk, username=data["username"], password=data["password"]
        )
        return _("Sign-in %(name)s created; it reaches this institution only.") % {"name": user.username}


class CertificateIssueView(_StaffPost):
    required_permission = Perm.TRAINING_MANAGE
    form_name = "issue_form"

    def make_form(self, request: AuthenticatedHttpRequest, staff: StaffMember) -> Any:
        return CertificateIssueForm(request.POST, courses=_courses_passed(staff))

    def act(self, request: AuthenticatedHttpRequest, staff: StaffMember, data: dict[str, Any]) -> str:
        certificate = actions.staff_certificate_issue(
            actor=request.user,
            staff_id=staff.pk,
            number=data.get("number") or None,
            issued_on=data.get("issued_on"),
            course_id=data.get("course") or None,
        )
        return _("Certificate %(number)s issued, valid until %(day)s.") % {
            "number": certificate.number,
            "day": certificate.valid_until,
        }


class CertificateListView(CanlianView):
    """Staff certificates the user sees, by number or holder."""

    required_permission = Perm.INSTITUTIONS_VIEW

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        q = request.GET.get("q", "").strip()[:50]
        qs = selectors.certificates_visible(user=request.user, q=q)
        page = keyset_page(request, qs, PER_PAGE, ordering=("-valid_until", "-id"))
        return render(
            request,
            "institutions/certificate_list.html",
            {"page": page, "q": q, "today": timezone.localdate()},
        )


class CertificateRevokeView(CanlianView):
    required_permission = Perm.TRAINING_MANAGE
    http_method_names = ["post"]

    def post(self, request: AuthenticatedHttpRequest, staff_certificate_id: int) -> HttpResponse:
        certificate = selectors.certificate_get(user=request.user, certificate_id=staff_certificate_id)
        form = RevokeForm(request.POST)
        if form.is_valid():
            try:
                actions.staff_certificate_revoke(
                    actor=request.user,
                    certificate_id=certificate.pk,
                    on=form.cleaned_data.get("on"),
                    reason=form.cleaned_data.get("reason") or "",
                )
            except DomainError as exc:
                if isinstance(exc, NotFound | PermissionDenied):
                    raise
                messages.error(request, exc.message)
            else:
                messages.success(
                    request, _("Certificate %(number)s revoked.") % {"number": certificate.number}
                )
        else:
            messages.error(request, _("Enter the date as YYYY-MM-DD."))
        return redirect("institutions:staff-detail", staff_id=certificate.staff_id)


def _gap_params(request: AuthenticatedHttpRequest) -> tuple[GapFilterForm, dict[str, Any]]:
    form = GapFilterForm(request.GET or None, request=request)
    data = form.cleaned_data if form.is_valid() else {}
    return form, {
        "state": data.get("state") or "",
        "days": data.get("days") or selectors.EXPIRING_DAYS,
        "region_code": data["region"].code if data.get("region") else "",
        "on": timezone.localdate(),
    }


class CertificateGapsView(CanlianView):
    """ "No certificate, no duty": current staff in certified posts whose certificate is missing,
    expiring within N days (default 60) or expired/revoked."""

    required_permission = Perm.INSTITUTIONS_VIEW

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form, params = _gap_params(request)
        qs = selectors.certificate_gaps(user=request.user, **params)
        rows = list(qs[:500])
        more = qs[500:501].exists()
        mask_staff(rows)
        label_regions([r.institution for r in rows])
        for r in rows:
            r.cert_state = selectors.certificate_state(r, params["on"], params["days"])
            r.state_label = selectors.CERTIFICATE_STATES.get(r.cert_state, "")
        return render(
            request,
            "institutions/certificate_gaps.html",
            {
                "form": form,
                "rows": rows,
                "more": more,
                "days": params["days"],
                "query": request.GET.urlencode(),
            },
        )


class CertificateGapsExportView(CanlianView):
    required_permission = Perm.INSTITUTIONS_VIEW

    def get(self, request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
        _form, params = _gap_params(request)
        stream = tempfile.TemporaryFile()
        certificate_gaps_export(user=request.user, stream=stream, **params)
        stream.seek(0)
        day: dt.date = params["on"]
        return FileResponse(stream, as_attachment=True, filename=f"staff-certificates-{day:%Y%m%d}.xlsx")
