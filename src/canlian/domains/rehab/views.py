"""Pages of children's rehabilitation: the applications list (hardship first), plans (list, detail,
create from an active enrollment, edit, end, transfer to another institution), devices and surgery
referrals, and the federation's training days per child. The attendance pages (tablet sign-in, upload) are in views_attendance."""

from __future__ import annotations

import datetime as dt
import tempfile
from typing import IO, Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from canlian.core.audit.actions import audit_sensitive_read
from canlian.core.audit.events import EventType
from canlian.core.institutions.choices import ServiceCategory
from canlian.core.institutions.models import StaffMember
from canlian.core.permissions import Perm
from canlian.core.registry.choices import Category
from canlian.core.registry.models import Person
from canlian.domains.rehab import actions, selectors
from canlian.domains.rehab.choices import PROGRAM_CODE, PlanStatus, SurgeryStatus
from canlian.domains.rehab.forms import (
    DeviceForm,
    PlanEditForm,
    PlanEndForm,
    PlanForm,
    PlanTransferForm,
    SurgeryForm,
    SurgeryUpdateForm,
)
from canlian.domains.rehab.models import DeviceKind, RehabPlan, SurgeryReferral
from canlian.platform.access import may
from canlian.platform.errors import DomainError, NotFound, PermissionDenied
from canlian.platform.exports import SafeSheet
from canlian.platform.views import CanlianView, flash_error, form_error_from, int_param
from canlian.programs.choices import EnrollmentStatus
from canlian.programs.models import Enrollment

PER_PAGE = 50


def _year(request: HttpRequest) -> int:
    year = int_param(request.GET.get("year"))
    return year if year and 2000 <= year <= 2100 else timezone.localdate().year


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _categories() -> list[tuple[str, str]]:
    return [(str(k), str(v)) for k, v in ServiceCategory.choices]


def _plan(request: HttpRequest, plan_id: int) -> RehabPlan:
    return RehabPlan.objects.select_related(
        "person", "institution", "therapist", "enrollment", "transferred_from__institution"
    ).get_for_user(request.user, Perm.REHAB_VIEW, pk=plan_id)


def _person(request: HttpRequest, person_id: int, permission: str) -> Person:
    try:
        return Person.objects.get_for_user(request.user, permission, pk=person_id)
    except (Person.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def _age(person: Person) -> int:
    return person.age_on(timezone.localdate())


# --- applications ----------------------------------------------------------------------------------


class ApplicationListView(CanlianView):
    """Child-rehab applications in the user's region, hardship families flagged and first; the review
    steps are the engine's enrollment pages."""

    required_permission = Perm.REHAB_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        status = request.GET.get("status", "")
        if status not in EnrollmentStatus.values:
            status = ""
        q = request.GET.get("q", "").strip()[:40]
        qs = selectors.applications_visible(user=request.user, status=status, q=q)
        page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
        for e in page:
            e.age = _age(e.person)
            e.category_label = Category(e.category).label if e.category in Category.values else ""
        return render(
            request,
            "rehab/application_list.html",
            {
                "page": page,
                "status": status,
                "q": q,
                "statuses": EnrollmentStatus.choices,
                "query": _query(request),
                "program_code": PROGRAM_CODE,
                "can_apply": request.user.has_canlian_perm(Perm.ENROLLMENTS_APPLY),
                "can_plan": request.user.has_canlian_perm(Perm.REHAB_MANAGE),
                "year": timezone.localdate().year,
            },
        )


# --- plans -----------------------------------------------------------------------------------------


class PlanListView(CanlianView):
    """Plans in scope, by year, institution and category. An institution's staff see their own
    institution's children only."""

    required_permission = Perm.REHAB_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        year = _year(request)
        institution_id = int_param(request.GET.get("institution"))
        category = request.GET.get("category", "")
        if category not in ServiceCategory.values:
            category = ""
        q = request.GET.get("q", "").strip()[:40]
        qs = selectors.plans_visible(
            user=request.user, year=year, institution_id=institution_id, category=category, q=q
        ).order_by("institution__name", "person__name", "id")
        page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
        institutions = selectors.plan_institutions(user=request.user, year=year)
        return render(
            request,
            "rehab/plan_list.html",
            {
                "page": page,
                "year": year,
                "institution_id": institution_id,
                "category": category,
                "q": q,
                "institutions": institutions,
                "categories": _categories(),
                "query": _query(request),
                "can_manage": request.user.has_canlian_perm(Perm.REHAB_MANAGE),
            },
        )


class PlanDetailView(CanlianView):
    required_permission = Perm.REHAB_VIEW

    def get(self, request: HttpRequest, plan_id: int) -> HttpResponse:
        plan = _plan(request, plan_id)
        return self.page(request, plan)

    def page(
        self,
        request: HttpRequest,
        plan: RehabPlan,
        end_form: Any = None,
        status: int = 200,
        transfer_form: Any = None,
    ) -> HttpResponse:
        user = request.user
        months = selectors.month_summary(plan=plan)
        can_manage = may(user, Perm.REHAB_MANAGE, plan.region_code) and plan.status == PlanStatus.ACTIVE
        can_record = may(user, Perm.REHAB_ATTENDANCE, plan.institution.region_code, plan.institution_id)
        return render(
            request,
            "rehab/plan_detail.html",
            {
                "plan": plan,
                "months": months,
                "total_days": sum(n for _m, n in months),
                "devices": list(selectors.devices_visible(user=user, person_id=plan.person_id)[:50]),
                "surgeries": list(selectors.surgeries_visible(user=user, person_id=plan.person_id)[:50]),
                "age": _age(plan.person),
                "can_manage": can_manage,
                "can_record": can_record,
                "end_form": end_form
                or PlanEndForm(initial={"ended_on": min(timezone.localdate(), plan.ends_on)}),
                "transfer_form": (transfer_form or _transfer_form(request, plan)) if can_manage else None,
                "year_plans": selectors.year_plans(user=user, plan=plan),
                "holiday_days": selectors.holiday_days(plan=plan),
            },
            status=status,
        )


def _transfer_form(request: HttpRequest, plan: RehabPlan, data: Any = None) -> PlanTransferForm:
    """The transfer form: the institutions the user may choose that serve the plan's category."""
    institutions = [
        i
        for i in selectors.institutions_for_choice(user=request.user).order_by("name")[:500]
        if i.pk != plan.institution_id and i.serves(plan.category)
    ]
    return PlanTransferForm(
        data,
        initial={"on": min(max(timezone.localdate(), plan.starts_on + dt.timedelta(days=1)), plan.ends_on)},
        institutions=institutions,
        therapists=_therapists([i.pk for i in institutions]),
    )


def _therapists(institution_ids: list[int]) -> Any:
    return (
        StaffMember.objects.filter(institution_id__in=institution_ids, post__in=["therapist", "teacher"])
        .current()
        .select_related("institution")
        .order_by("institution__name", "name")
    )


class PlanCreateView(CanlianView):
    """Record the guardian's choice of institution for an active application (``?enrollment=``);
    without one, the active applications of the region still without a plan this year to pick from."""

    required_permission = Perm.REHAB_MANAGE

    def _enrollment(self, request: HttpRequest, raw: Any) -> Enrollment | None:
        if raw in (None, ""):
            return None
        try:
            return (
                Enrollment.objects.for_user(request.user, Perm.REHAB_MANAGE)
                .filter(program__code=PROGRAM_CODE)
                .select_related("person")
                .get(pk=int(raw))
            )
        except (Enrollment.DoesNotExist, ValueError, TypeError) as exc:
            raise NotFound() from exc

    def _form(self, request: HttpRequest, data: Any = None, initial: Any = None) -> PlanForm:
        institutions = list(selectors.institutions_for_choice(user=request.user).order_by("name")[:500])
        return PlanForm(
            data,
            initial=initial,
            institutions=institutions,
            therapists=_therapists([i.pk for i in institutions]),
        )

    def _render(
        self, request: HttpRequest, form: PlanForm | None, enrollment: Enrollment | None
    ) -> HttpResponse:
        context: dict[str, Any] = {"form": form, "enrollment": enrollment}
        if enrollment is None:
            year = timezone.localdate().year
            context["candidates"] = [
                e
                for e in selectors.applications_visible(
                    user=request.user, status=EnrollmentStatus.ACTIVE
                ).for_user(request.user, Perm.REHAB_MANAGE)[:200]
                if not e.planned
            ]
            context["year"] = year
        else:
            context["age"] = _age(enrollment.person)
        return render(request, "rehab/plan_form.html", context)

    def get(self, request: HttpRequest) -> HttpResponse:
        enrollment = self._enrollment(request, request.GET.get("enrollment"))
        form = None
        if enrollment is not None:
            today = timezone.localdate()
            form = self._form(
                request,
                initial={
                    "year": today.year,
                    "starts_on": today,
                    "ends_on": today.replace(month=12, day=31),
                    "guardian_name": enrollment.applicant_name,
                },
            )
        return self._render(request, form, enrollment)

    def post(self, request: HttpRequest) -> HttpResponse:
        enrollment = self._enrollment(
            request, request.POST.get("enrollment") or request.GET.get("enrollment")
        )
        if enrollment is None:
            messages.error(request, _("Choose an application first."))
            return self._render(request, None, None)
        form = self._form(request, request.POST)
        if form.is_valid():
            try:
                plan = actions.rehab_plan_create(
                    actor=request.user, enrollment_id=enrollment.pk, **form.action_kwargs()
                )
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                messages.success(request, _("The plan was recorded."))
                return redirect("rehab:plan-detail", plan_id=plan.pk)
        return self._render(request, form, enrollment)


class PlanEditView(CanlianView):
    required_permission = Perm.REHAB_MANAGE

    def _plan(self, request: HttpRequest, plan_id: int) -> RehabPlan:
        return RehabPlan.objects.select_related("person", "institution").get_for_user(
            request.user, Perm.REHAB_MANAGE, pk=plan_id
        )

    def _render(self, request: HttpRequest, plan: RehabPlan, form: PlanEditForm) -> HttpResponse:
        return render(request, "rehab/plan_edit.html", {"plan": plan, "form": form})

    def get(self, request: HttpRequest, plan_id: int) -> HttpResponse:
        plan = self._plan(request, plan_id)
        form = PlanEditForm(
            initial={
                "mode": plan.mode,
                "starts_on": plan.starts_on,
                "ends_on": plan.ends_on,
                "planned_days": plan.planned_days,
                "hours": plan.hours,
                "therapist": plan.therapist_id,
                "goals": plan.goals,
                "guardian_name": plan.guardian_name,
                "guardian_phone": plan.guardian_phone,
            },
            therapists=_therapists([plan.institution_id]),
        )
        return self._render(request, plan, form)

    def post(self, request: HttpRequest, plan_id: int) -> HttpResponse:
        plan = self._plan(request, plan_id)
        form = PlanEditForm(request.POST, therapists=_therapists([plan.institution_id]))
        if form.is_valid():
            try:
                actions.rehab_plan_update(actor=request.user, plan_id=plan.pk, **form.action_kwargs())
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                messages.success(request, _("The plan was saved."))
                return redirect("rehab:plan-detail", plan_id=plan.pk)
        return self._render(request, plan, form)


class PlanEndView(PlanDetailView):
    required_permission = Perm.REHAB_MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, plan_id: int) -> HttpResponse:
        plan = RehabPlan.objects.select_related("person", "institution").get_for_user(
            request.user, Perm.REHAB_MANAGE, pk=plan_id
        )
        form = PlanEndForm(request.POST)
        if form.is_valid():
            try:
                actions.rehab_plan_end(
                    actor=request.user,
                    plan_id=plan.pk,
                    ended_on=form.cleaned_data["ended_on"],
                    reason=form.cleaned_data["reason"],
                    end_reason=form.cleaned_data["end_reason"],
                )
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                messages.success(request, _("The plan was ended."))
                return redirect("rehab:plan-detail", plan_id=plan.pk)
        return self.page(request, _plan(request, plan.pk), end_form=form, status=400)


class PlanTransferView(PlanDetailView):
    """The child changes institution mid-year: the plan ends the day before, a new plan at the new
    institution continues it (same category)."""

    required_permission = Perm.REHAB_MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, plan_id: int) -> HttpResponse:
        plan = RehabPlan.objects.select_related("person", "institution").get_for_user(
            request.user, Perm.REHAB_MANAGE, pk=plan_id
        )
        form = _transfer_form(request, plan, request.POST)
        if form.is_valid():
            try:
                new = actions.rehab_plan_transfer(actor=request.user, plan_id=plan.pk, **form.action_kwargs())
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                messages.success(
                    request,
                    _("The plan continues at %(institution)s from %(day)s.")
                    % {"institution": new.institution.name, "day": new.starts_on},
                )
                return redirect("rehab:plan-detail", plan_id=new.pk)
        return self.page(request, _plan(request, plan.pk), transfer_form=form, status=400)


# --- devices and surgery ---------------------------------------------------------------------------


class DeviceListView(CanlianView):
    required_permission = Perm.REHAB_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        qs = selectors.devices_visible(user=request.user)
        kind = int_param(request.GET.get("kind"))
        if kind:
            qs = qs.filter(kind_id=kind)
        page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
        return render(
            request,
            "rehab/device_list.html",
            {
                "page": page,
                "kinds": DeviceKind.objects.all(),
                "kind": kind,
                "query": _query(request),
            },
        )


class DeviceCreateView(CanlianView):
    required_permission = Perm.REHAB_MANAGE

    def _form(self, request: HttpRequest, data: Any = None) -> DeviceForm:
        return DeviceForm(
            data,
            initial={"provided_on": timezone.localdate()},
            kinds=DeviceKind.objects.filter(active=True),
            institutions=selectors.institutions_for_choice(user=request.user).order_by("name")[:500],
        )

    def _render(self, request: HttpRequest, person: Person, form: DeviceForm) -> HttpResponse:
        devices = list(selectors.devices_visible(user=request.user, person_id=person.pk)[:50])
        return render(request, "rehab/device_form.html", {"person": person, "form": form, "devices": devices})

    def get(self, request: HttpRequest, person_id: int) -> HttpResponse:
        person = _person(request, person_id, Perm.REHAB_MANAGE)
        return self._render(request, person, self._form(request))

    def post(self, request: HttpRequest, person_id: int) -> HttpResponse:
        person = _person(request, person_id, Perm.REHAB_MANAGE)
        form = self._form(request, request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                actions.device_provide(
                    actor=request.user,
                    person_id=person.pk,
                    kind_id=d["kind"],
                    provided_on=d["provided_on"],
                    institution_id=d["institution"],
                    amount=d["amount"],
                    note=d["note"],
                )
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                messages.success(request, _("The device was recorded."))
                return redirect("registry:person-detail", person_id=person.pk)
        return self._render(request, person, form)


class SurgeryListView(CanlianView):
    required_permission = Perm.REHAB_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        status = request.GET.get("status", "")
        if status not in SurgeryStatus.values:
            status = ""
        page = Paginator(selectors.surgeries_visible(user=request.user, status=status), PER_PAGE).get_page(
            request.GET.get("page")
        )
        return render(
            request,
            "rehab/surgery_list.html",
            {"page": page, "status": status, "statuses": SurgeryStatus.choices, "query": _query(request)},
        )


class SurgeryCreateView(CanlianView):
    required_permission = Perm.REHAB_MANAGE

    def get(self, request: HttpRequest, person_id: int) -> HttpResponse:
        person = _person(request, person_id, Perm.REHAB_MANAGE)
        form = SurgeryForm(initial={"referred_on": timezone.localdate()})
        return render(request, "rehab/surgery_form.html", {"person": person, "form": form})

    def post(self, request: HttpRequest, person_id: int) -> HttpResponse:
        person = _person(request, person_id, Perm.REHAB_MANAGE)
        form = SurgeryForm(request.POST)
        if form.is_valid():
            try:
                referral = actions.surgery_refer(actor=request.user, person_id=person.pk, **form.cleaned_data)
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                messages.success(request, _("The referral was recorded."))
                return redirect("rehab:surgery-detail", surgery_id=referral.pk)
        return render(request, "rehab/surgery_form.html", {"person": person, "form": form})


class SurgeryDetailView(CanlianView):
    required_permission = Perm.REHAB_VIEW

    def _referral(self, request: HttpRequest, surgery_id: int) -> SurgeryReferral:
        return SurgeryReferral.objects.select_related("person").get_for_user(
            request.user, Perm.REHAB_VIEW, pk=surgery_id
        )

    def page(
        self, request: HttpRequest, referral: SurgeryReferral, form: Any = None, status: int = 200
    ) -> HttpResponse:
        can_update = referral.status == SurgeryStatus.REFERRED and may(
            request.user, Perm.REHAB_MANAGE, referral.region_code
        )
        return render(
            request,
            "rehab/surgery_detail.html",
            {
                "referral": referral,
                "form": form or SurgeryUpdateForm(initial={"amount": referral.amount}),
                "can_update": can_update,
            },
            status=status,
        )

    def get(self, request: HttpRequest, surgery_id: int) -> HttpResponse:
        return self.page(request, self._referral(request, surgery_id))


class SurgeryUpdateView(SurgeryDetailView):
    required_permission = Perm.REHAB_MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, surgery_id: int) -> HttpResponse:
        referral = SurgeryReferral.objects.get_for_user(request.user, Perm.REHAB_MANAGE, pk=surgery_id)
        form = SurgeryUpdateForm(request.POST)
        if form.is_valid():
            try:
                actions.surgery_update(actor=request.user, surgery_id=referral.pk, **form.cleaned_data)
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                messages.success(request, _("The referral was updated."))
                return redirect("rehab:surgery-detail", surgery_id=referral.pk)
        return self.page(request, self._referral(request, referral.pk), form=form, status=400)


# --- training days ---------------------------------------------------------------------------------


def _training_filters(request: HttpRequest) -> dict[str, Any]:
    category = request.GET.get("category", "")
    region = request.GET.get("region", "").strip()
    if not region.isdigit() or len(region) > 12:
        region = ""
    return {
        "year": _year(request),
        "institution_id": int_param(request.GET.get("institution")),
        "category": category if category in ServiceCategory.values else "",
        "region": region,
    }


class TrainingDaysView(CanlianView):
    """Training days per child and month of a year (the federation's view of attendance)."""

    required_permission = Perm.REHAB_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        filters = _training_filters(request)
        rows = selectors.training_days(user=request.user, **filters)
        page = Paginator(rows, 100).get_page(request.GET.get("page"))
        return render(
            request,
            "rehab/training_days.html",
            {
                **filters,
                "page": page,
                "count": len(rows),
                "total": sum(r.total for r in rows),
                "holiday_total": sum(len(r.holidays) for r in rows),
                "month_totals": [sum(r.months[m] for r in rows) for m in range(12)],
                "months": range(1, 13),
                "institutions": selectors.plan_institutions(user=request.user, year=filters["year"]),
                "categories": _categories(),
                "query": _query(request),
                "export_url": reverse("rehab:training-days-export") + "?" + request.GET.urlencode(),
            },
        )


class TrainingDaysExportView(CanlianView):
    """The training-days table as .xlsx (recorded in the audit log with its filters)."""

    required_permission = Perm.REHAB_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        filters = _training_filters(request)
        rows = selectors.training_days(user=request.user, **filters)
        stream = tempfile.TemporaryFile()  # closed by the FileResponse
        try:
            training_days_export(user=request.user, rows=rows, filters=filters, stream=stream)
        except DomainError as exc:
            stream.close()
            flash_error(request, exc)
            return redirect("rehab:training-days")
        stream.seek(0)
        return FileResponse(
            stream,
            as_attachment=True,
            filename=f"training-days-{filters['year']}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )


def training_days_export(*, user: Any, rows: list[Any], filters: dict[str, Any], stream: IO[bytes]) -> int:
    """Write the training-days table to ``stream`` as .xlsx (ID numbers masked) and record the export;
    returns the rows written."""
    workbook = Workbook(write_only=True)
    sheet = SafeSheet(workbook.create_sheet("康复训练天数"))
    sheet.append(["康复训练天数", str(filters["year"])])
    sheet.append(
        [
            "姓名",
            "身份证号",
            "机构",
            "训练类别",
            "开始",
            "结束",
            "节假日签到（已确认）",
            *[f"{m}月" for m in range(1, 13)],
            "合计",
        ]
    )
    for r in rows:
        p = r.plan
        sheet.append(
            [
                p.person.name,
                p.person.masked_id,
                p.institution.name,
                str(p.get_category_display()),
                p.starts_on,
                p.ends_on,
                "、".join(f"{d:%Y-%m-%d}" for d in r.holidays),
                *r.months,
                r.total,
            ]
        )
    sheet.append(
        [
            "合计",
            "",
            "",
            "",
            "",
            "",
            sum(len(r.holidays) for r in rows),
            *[sum(r.months[m] for r in rows) for m in range(12)],
            sum(r.total for r in rows),
        ]
    )
    workbook.save(stream)
    audit_sensitive_read(
        actor=user,
        event=EventType.RECORDS_EXPORTED,
        region_code=filters.get("region") or None,
        filters={"report": "rehab.training_days", **{k: str(v or "") for k, v in filters.items()}},
        rows=len(rows),
    )
    return len(rows)
