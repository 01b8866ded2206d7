"""Pages of institutions: the registry list with filters, the institution page (profile,
qualifications, agreements, staff, dynamic-management history) and its forms. Staff, certificates
and training pages are in views_staff.py and views_training.py."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.accounts.http import AuthenticatedHttpRequest
from canlian.core.institutions import actions, selectors
from canlian.core.institutions.choices import InstitutionStatus, ServiceCategory
from canlian.core.institutions.forms import (
    AgreementForm,
    InstitutionFilterForm,
    InstitutionForm,
    QualificationForm,
    StaffForm,
    StatusForm,
)
from canlian.core.institutions.models import Institution
from canlian.core.permissions import Perm
from canlian.core.registry.identity import mask_id, mask_phone
from canlian.core.registry.selectors import region_names
from canlian.platform.errors import DomainError, NotFound, PermissionDenied
from canlian.platform.views import CanlianView, form_error_from, keyset_page

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PER_PAGE = 50


def region_label(code: str, names: dict[str, str]) -> str:
    parts = [names[code[:n]] for n in (6, 9) if len(code) >= n and code[:n] in names]
    return " ".join(parts) if parts else code


def label_regions(rows: list[Any], attr: str = "region_code") -> None:
    codes = [getattr(r, attr) for r in rows]
    names = region_names({c[:n] for c in codes for n in (6, 9) if len(c) >= n})
    for r, code in zip(rows, codes, strict=True):
        r.region_label = region_label(code, names)


def category_labels(codes: str) -> str:
    labels = dict(ServiceCategory.choices)
    return "、".join(str(labels[c]) for c in codes if c in labels) if codes else _("All categories")


def mask_staff(rows: list[Any]) -> None:
    for s in rows:
        s.masked_id = mask_id(s.id_number)
        s.masked_phone = mask_phone(s.phone)


class InstitutionListView(CanlianView):
    """The registry of institutions, with filters (kind, status, region, category, expiry)."""

    required_permission = Perm.INSTITUTIONS_VIEW

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = InstitutionFilterForm(request.GET or None, request=request)
        data = form.cleaned_data if form.is_valid() else {}
        today = timezone.localdate()
        qs = selectors.institutions_visible(
            user=request.user,
            q=data.get("q") or "",
            kind=data.get("kind") or "",
            status=data.get("status") or "",
            region_code=data["region"].code if data.get("region") else "",
            category=data.get("category") or "",
            expiry=data.get("expiry") or "",
            on=today,
        )
        page = keyset_page(
            request,
            qs.order_by("region_code", "name", "id"),
            PER_PAGE,
            ordering=("region_code", "name", "id"),
        )
        label_regions(page.items)
        for inst in page.items:
            inst.category_text = category_labels(inst.categories)
        return render(
            request,
            "institutions/institution_list.html",
            {
                "form": form,
                "page": page,
                "today": today,
                "can_create": request.user.has_canlian_perm(Perm.INSTITUTIONS_MANAGE),
            },
        )


class InstitutionCreateView(CanlianView):
    required_permission = Perm.INSTITUTIONS_MANAGE

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = InstitutionForm(request=request)
        return render(request, "institutions/institution_form.html", {"form": form})

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = InstitutionForm(request.POST, request=request)
        if form.is_valid():
            try:
                institution = actions.institution_create(actor=request.user, **form.action_kwargs())
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                messages.success(request, _("Institution registered."))
                return redirect("institutions:institution-detail", institution_id=institution.pk)
        return render(request, "institutions/institution_form.html", {"form": form}, status=400)


class InstitutionEditView(CanlianView):
    """Edit the profile: the federation everything, the institution's own staff their contact, address
    and bank fields."""

    required_permission = Perm.INSTITUTIONS_STAFF

    def _load(self, request: AuthenticatedHttpRequest, institution_id: int) -> tuple[Institution, bool]:
        institution = selectors.institution_get(user=request.user, institution_id=institution_id)
        rights = selectors.rights(user=request.user, institution=institution)
        if not rights.staff:
            raise PermissionDenied()
        return institution, rights.manage

    def get(self, request: AuthenticatedHttpRequest, institution_id: int) -> HttpResponse:
        institution, federation = self._load(request, institution_id)
        initial = {f: getattr(institution, f) for f in actions.INSTITUTION_FIELDS}
        initial["categories"] = list(institution.categories)
        form = InstitutionForm(initial=initial, request=request, federation=federation)
        return render(
            request, "institutions/institution_form.html", {"form": form, "institution": institution}
        )

    def post(self, request: AuthenticatedHttpRequest, institution_id: int) -> HttpResponse:
        institution, federation = self._load(request, institution_id)
        form = InstitutionForm(request.POST, request=request, federation=federation)
        if form.is_valid():
            try:
                actions.institution_update(
                    actor=request.user, institution_id=institution.pk, **form.action_kwargs()
                )
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                form_error_from(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("institutions:institution-detail", institution_id=institution.pk)
        return render(
            request,
            "institutions/institution_form.html",
            {"form": form, "institution": institution},
            status=400,
        )


class InstitutionDetailView(CanlianView):
    """One institution: profile, qualifications, agreements, staff, dynamic-management history."""

    required_permission = Perm.INSTITUTIONS_VIEW

    def get(self, request: AuthenticatedHttpRequest, institution_id: int) -> HttpResponse:
        institution = selectors.institution_get(user=request.user, institution_id=institution_id)
        return self.page(request, institution)

    @staticmethod
    def page(
        request: AuthenticatedHttpRequest, institution: Institution, status: int = 200, **forms: Any
    ) -> HttpResponse:
        today = timezone.localdate()
        rights = selectors.rights(user=request.user, institution=institution)
        staff = list(
            selectors.with_certificate_state(
                selectors.staff_visible(user=request.user, institution_id=institution.pk, current=None), today
            ).order_by("left_on", "name")
        )
        mask_staff(staff)
        for s in staff:
            s.cert_state = selectors.certificate_state(s, today)
        label_regions([institution])
        agreement = institution.agreements.order_by("-valid_until").first()
        context = {
            "institution": institution,
            "today": today,
            "rights": rights,
            "categories": category_labels(institution.categories),
            "qualifications": list(institution.qualifications.order_by("kind", "-valid_until")),
            "expiring_qualifications": set(
                selectors.qualifications_expiring(institution=institution, on=today)
            ),
            "agreements": list(institution.agreements.order_by("-valid_until")),
            "agreement": agreement,
            "agreement_valid": agreement is not None and agreement.valid_on(today),
            "staff": staff,
            "history": list(selectors.status_history(institution=institution)),
            "status_form": forms.get("status_form") or StatusForm(initial={"on": today}),
            "qualification_form": forms.get("qualification_form") or QualificationForm(),
            "agreement_form": forms.get("agreement_form") or AgreementForm(),
            "certified_states": selectors.CERTIFICATE_STATES,
            "statuses": InstitutionStatus,
        }
        return render(request, "institutions/institution_detail.html", context, status=status)


class _InstitutionPost(CanlianView, ABC):
    """A POST-only form of the institution page; errors re-render the page with the form."""

    form_class: Any = None
    form_name = ""
    success_message: StrOrPromise = ""
    http_method_names = ["post"]

    @abstractmethod
    def act(self, request: AuthenticatedHttpRequest, institution: Institution, data: dict[str, Any]) -> None:
        """What the subclass does with the valid form data."""

    def post(self, request: AuthenticatedHttpRequest, institution_id: int) -> HttpResponse:
        institution = selectors.institution_get(user=request.user, institution_id=institution_id)
        form = self.form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                self.act(request, institution, form.cleaned_data)
            except DomainError as exc:
                if isinstance(exc, NotFound | PermissionDenied):
                    raise
                form_error_from(form, exc)
            else:
                messages.success(request, self.success_message)
                return redirect("institutions:institution-detail", institution_id=institution.pk)
        institution.refresh_from_db()
        return InstitutionDetailView.page(request, institution, status=400, **{self.form_name: form})


class InstitutionStatusView(_InstitutionPost):
    required_permission = Perm.INSTITUTIONS_MANAGE
    form_class = StatusForm
    form_name = "status_form"
    success_message = gettext_lazy("Status changed.")

    def act(self, request: AuthenticatedHttpRequest, institution: Institution, data: dict[str, Any]) -> None:
        actions.institution_set_status(
            actor=request.user,
            institution_id=institution.pk,
            status=data["status"],
            reason=data["reason"],
            on=data.get("on"),
        )


class QualificationAddView(_InstitutionPost):
    required_permission = Perm.INSTITUTIONS_MANAGE
    form_class = QualificationForm
    form_name = "qualification_form"
    success_message = gettext_lazy("Qualification recorded.")

    def act(self, request: AuthenticatedHttpRequest, institution: Institution, data: dict[str, Any]) -> None:
        actions.qualification_add(actor=request.user, institution_id=institution.pk, **data)


class AgreementAddView(_InstitutionPost):
    required_permission = Perm.INSTITUTIONS_MANAGE
    form_class = AgreementForm
    form_name = "agreement_form"
    success_message = gettext_lazy("Service agreement recorded.")

    def act(self, request: AuthenticatedHttpRequest, institution: Institution, data: dict[str, Any]) -> None:
        actions.agreement_add(actor=request.user, institution_id=institution.pk, **data)


class StaffAddView(CanlianView):
    """Add a staff member to an institution (the federation, or the institution's own staff)."""

    required_permission = Perm.INSTITUTIONS_STAFF

    def _institution(self, request: AuthenticatedHttpRequest, institution_id: int) -> Institution:
        institution = selectors.institution_get(user=request.user, institution_id=institution_id)
        if not selectors.rights(user=request.user, institution=institution).staff:
            raise PermissionDenied()
        return institution

    def get(self, request: AuthenticatedHttpRequest, institution_id: int) -> HttpResponse:
        institution = self._institution(request, institution_id)
        return render(
            request, "institutions/staff_form.html", {"form": StaffForm(), "institution": institution}
        )

    def post(self, request: AuthenticatedHttpRequest, institution_id: int) -> HttpResponse:
        institution = self._institution(request, institution_id)
        form = StaffForm(request.POST)
        if form.is_valid():
            try:
                staff = actions.staff_add(
                    actor=request.user, institution_id=institution.pk, **form.action_kwargs()
                )
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                form_error_from(form, exc)
            else:
                messages.success(request, _("Staff member added."))
                return redirect("institutions:staff-detail", staff_id=staff.pk)
        return render(
            request, "institutions/staff_form.html", {"form": form, "institution": institution}, status=400
        )
