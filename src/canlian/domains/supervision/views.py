"""Pages of supervision: plans, inspections (list, detail, the scoring form for a tablet), notices
(open / overdue / closed / all, detail with timeline, printable notice), institutions by rating."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.institutions.models import Institution
from canlian.core.permissions import Perm
from canlian.core.registry.selectors import region_names
from canlian.domains.supervision import actions, selectors
from canlian.domains.supervision.choices import NoticeStatus, PlanStatus
from canlian.domains.supervision.forms import (
    CloseForm,
    EscalateForm,
    InspectionForm,
    NoticeForm,
    PlanForm,
    ReinspectForm,
    RespondForm,
)
from canlian.domains.supervision.models import InspectionPlan
from canlian.platform.access import may
from canlian.platform.errors import DomainError, NotFound, ValidationFailed
from canlian.platform.scoping import institutions_of
from canlian.platform.views import CanlianView, flash_error, form_error_from, int_param, keyset_page

PER_PAGE = 50


def _year(request: HttpRequest) -> int | None:
    year = int_param(request.GET.get("year"))
    return year if year and 2000 <= year <= 2100 else None


# --- plans -----------------------------------------------------------------------------------------


class PlanListView(CanlianView):
    required_permission = Perm.SUPERVISION_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        year = _year(request)
        status = request.GET.get("status", "")
        status = status if status in PlanStatus.values else ""
        qs = selectors.plans_visible(user=request.user, year=year, status=status).prefetch_related(
            "institutions"
        )
        page = keyset_page(request, qs, PER_PAGE, ordering=("-year", "-id"))
        names = region_names({p.region_code for p in page})
        for p in page:
            p.region_label = names.get(p.region_code, p.region_code)
        return render(
            request,
            "supervision/plan_list.html",
            {
                "page": page,
                "year": year or "",
                "status": status,
                "statuses": PlanStatus.choices,
                "can_inspect": request.user.has_canlian_perm(Perm.SUPERVISION_INSPECT),
            },
        )


def _plan_form_choices(user: Any) -> tuple[list[tuple[str, str]], list[Institution]]:
    institutions = list(
        Institution.objects.for_user(user, Perm.SUPERVISION_INSPECT).order_by("region_code", "name")
    )
    codes = set(user.scope_for(Perm.SUPERVISION_INSPECT).prefixes) | {i.region_code[:6] for i in institutions}
    codes = {c for c in codes if may(user, Perm.SUPERVISION_INSPECT, c)}
    names = region_names(codes)
    regions = [(c, f"{names.get(c, c)} ({c})") for c in sorted(codes)]
    return regions, institutions


class PlanCreateView(CanlianView):
    required_permission = Perm.SUPERVISION_INSPECT

    def get(self, request: HttpRequest) -> HttpResponse:
        regions, institutions = _plan_form_choices(request.user)
        form = PlanForm(regions=regions, institutions=institutions)
        return render(request, "supervision/plan_form.html", {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        regions, institutions = _plan_form_choices(request.user)
        form = PlanForm(request.POST, regions=regions, institutions=institutions)
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan = actions.inspection_plan_create(
                    actor=request.user,
                    title=data["title"],
                    year=data["year"],
                    quarter=data["quarter"],
                    region_code=data["region_code"],
                    kind=data["kind"],
                    institution_ids=data["institutions"],
                    note=data["note"],
                )
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                form_error_from(form, exc)
            else:
                messages.success(request, _("Plan saved."))
                return redirect("supervision:plan-detail", inspection_plan_id=plan.pk)
        return render(request, "supervision/plan_form.html", {"form": form}, status=400)


class PlanDetailView(CanlianView):
    required_permission = Perm.SUPERVISION_VIEW

    def get(self, request: HttpRequest, inspection_plan_id: int) -> HttpResponse:
        plan = selectors.plan_get(user=request.user, plan_id=inspection_plan_id)
        inspections = list(plan.inspections.select_related("institution").order_by("inspected_on", "pk"))
        inspected = {i.institution_id for i in inspections}
        institutions = list(plan.institutions.order_by("region_code", "name"))
        for inst in institutions:
            inst.inspected = inst.pk in inspected
        can_inspect = may(request.user, Perm.SUPERVISION_INSPECT, plan.region_code)
        return render(
            request,
            "supervision/plan_detail.html",
            {
                "plan": plan,
                "institutions": institutions,
                "inspections": inspections,
                "can_inspect": can_inspect,
                "region_label": region_names({plan.region_code}).get(plan.region_code, plan.region_code),
            },
        )


class PlanDoneView(CanlianView):
    required_permission = Perm.SUPERVISION_INSPECT
    http_method_names = ["post"]

    def post(self, request: HttpRequest, inspection_plan_id: int) -> HttpResponse:
        plan = selectors.plan_get(user=request.user, plan_id=inspection_plan_id)
        try:
            actions.inspection_plan_mark_done(actor=request.user, plan_id=plan.pk)
        except DomainError as exc:
            flash_error(request, exc)
        else:
            messages.success(request, _("Plan marked done."))
        return redirect("supervision:plan-detail", inspection_plan_id=plan.pk)


# --- inspections -----------------------------------------------------------------------------------


class InspectionListView(CanlianView):
    required_permission = Perm.SUPERVISION_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        year = _year(request)
        institution = int_param(request.GET.get("institution"))
        qs = selectors.inspections_visible(user=request.user, institution_id=institution, year=year)
        page = keyset_page(request, qs, PER_PAGE, ordering=("-inspected_on", "-id"))
        return render(
            request,
            "supervision/inspection_list.html",
            {
                "page": page,
                "year": year or "",
                "institution": institution or "",
                "institutions": Institution.objects.for_user(request.user, Perm.SUPERVISION_VIEW).order_by(
                    "name"
                ),
                "can_inspect": request.user.has_canlian_perm(Perm.SUPERVISION_INSPECT),
            },
        )


class InspectionCreateView(CanlianView):
    """Record an inspection: the head, then the checklist as a scoring table (one row per item: score,
    finding, photo), laid out for a tablet. ?institution=<id>&plan=<id> preselect."""

    required_permission = Perm.SUPERVISION_INSPECT

    def _choices(self, request: HttpRequest) -> tuple[list[Institution], list[InspectionPlan]]:
        institutions = list(
            Institution.objects.for_user(request.user, Perm.SUPERVISION_INSPECT).order_by(
                "region_code", "name"
            )
        )
        plans = list(
            InspectionPlan.objects.for_user(request.user, Perm.SUPERVISION_INSPECT).filter(
                status=PlanStatus.PLANNED
            )
        )
        return institutions, plans

    def _render(
        self,
        request: HttpRequest,
        form: InspectionForm,
        rows: list[dict[str, Any]],
        errors: list,
        status: int,
    ) -> HttpResponse:
        template = actions.default_template()
        return render(
            request,
            "supervision/inspection_form.html",
            {"form": form, "rows": rows, "template": template, "row_errors": errors},
            status=status,
        )

    def _rows(self, data: Any = None, files: Any = None, errors: list | None = None) -> list[dict[str, Any]]:
        template = actions.default_template()
        by_row: dict[int, list[str]] = {}
        for e in errors or []:
            if e.row is not None:
                by_row.setdefault(e.row, []).append(e.message)
        rows = []
        for item in template.items.all():
            rows.append(
                {
                    "item": item,
                    "score": (data or {}).get(f"score_{item.pk}", ""),
                    "finding": (data or {}).get(f"finding_{item.pk}", ""),
                    "errors": by_row.get(item.number, []),
                }
            )
        return rows

    def get(self, request: HttpRequest) -> HttpResponse:
        institutions, plans = self._choices(request)
        initial = {}
        if request.GET.get("institution"):
            initial["institution"] = request.GET["institution"]
        if request.GET.get("plan"):
            initial["plan"] = request.GET["plan"]
            plan = next((p for p in plans if str(p.pk) == request.GET["plan"]), None)
            if plan is not None:
                initial["unannounced"] = plan.kind == "unannounced"
        form = InspectionForm(institutions=institutions, plans=plans, initial=initial)
        return self._render(request, form, self._rows(), [], 200)

    def post(self, request: HttpRequest) -> HttpResponse:
        institutions, plans = self._choices(request)
        form = InspectionForm(request.POST, institutions=institutions, plans=plans)
        template = actions.default_template()
        items = [
            {
                "item": item.pk,
                "score": request.POST.get(f"score_{item.pk}", ""),
                "finding": request.POST.get(f"finding_{item.pk}", ""),
                "photo": request.FILES.get(f"photo_{item.pk}"),
            }
            for item in template.items.all()
        ]
        errors: list = []
        if form.is_valid():
            data = form.cleaned_data
            try:
                inspection = actions.inspection_record(
                    actor=request.user,
                    institution_id=data["institution"],
                    inspected_on=data["inspected_on"],
                    items=items,
                    inspectors=data["inspectors"],
                    summary=data["summary"],
                    plan_id=data["plan"] or None,
                    unannounced=data["unannounced"],
                    template_id=template.pk,
                )
            except ValidationFailed as exc:
                errors = [e for e in exc.errors if e.row is not None]
                if not errors:
                    form_error_from(form, exc)
                else:
                    form.add_error(None, exc.message)
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    form.add_error("institution", _("Choose an institution of your region."))
                else:
                    form_error_from(form, exc)
            else:
                messages.success(
                    request, _("Inspection recorded: %(score)s points.") % {"score": inspection.score}
                )
                return redirect("supervision:inspection-detail", inspection_id=inspection.pk)
        return self._render(request, form, self._rows(request.POST, request.FILES, errors), errors, 400)


class InspectionDetailView(CanlianView):
    required_permission = Perm.SUPERVISION_VIEW

    def get(self, request: HttpRequest, inspection_id: int) -> HttpResponse:
        inspection = selectors.inspection_get(user=request.user, inspection_id=inspection_id)
        items = list(inspection.items.select_related("checklist_item").order_by("checklist_item__number"))
        can_inspect = may(request.user, Perm.SUPERVISION_INSPECT, inspection.region_code)
        lost = [i for i in items if i.lost]
        initial = "\n".join(
            f"{n}. {i.checklist_item.text}" + (f" — {i.finding}" if i.finding else "")
            for n, i in enumerate(lost, start=1)
        )
        return render(
            request,
            "supervision/inspection_detail.html",
            {
                "inspection": inspection,
                "items": items,
                "notices": inspection.notices.order_by("issued_on", "pk"),
                "can_inspect": can_inspect,
                "notice_form": NoticeForm(initial={"problems": initial}) if can_inspect else None,
            },
        )


class InspectionPhotoView(CanlianView):
    """The photo of a checklist item, read through the inspection's scope (never a public media URL)."""

    required_permission = Perm.SUPERVISION_VIEW

    def get(self, request: HttpRequest, inspection_item_id: int) -> HttpResponse:
        item = selectors.inspection_item_get(user=request.user, inspection_item_id=inspection_item_id)
        if not item.photo:
            raise NotFound()
        try:
            handle = item.photo.open("rb")
        except OSError as exc:
            raise NotFound() from exc
        return FileResponse(handle, filename=Path(item.photo.name).name)


class NoticeIssueView(CanlianView):
    """Issue a rectification notice from an inspection (the form is on the inspection page)."""

    required_permission = Perm.SUPERVISION_INSPECT

    def get(self, request: HttpRequest, inspection_id: int) -> HttpResponse:
        inspection = selectors.inspection_get(user=request.user, inspection_id=inspection_id)
        if not may(request.user, Perm.SUPERVISION_INSPECT, inspection.region_code):
            raise NotFound()
        return render(
            request, "supervision/notice_form.html", {"inspection": inspection, "form": NoticeForm()}
        )

    def post(self, request: HttpRequest, inspection_id: int) -> HttpResponse:
        inspection = selectors.inspection_get(user=request.user, inspection_id=inspection_id)
        form = NoticeForm(request.POST)
        if form.is_valid():
            try:
                notice = actions.notice_issue(
                    actor=request.user,
                    inspection_id=inspection.pk,
                    problems=form.cleaned_data["problems"],
                    working_days=form.cleaned_data["working_days"],
                    issued_on=form.cleaned_data["issued_on"],
                )
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                form_error_from(form, exc)
            else:
                messages.success(request, _("Notice %(number)s issued.") % {"number": notice.number})
                return redirect("supervision:notice-detail", notice_id=notice.pk)
        return render(
            request, "supervision/notice_form.html", {"inspection": inspection, "form": form}, status=400
        )


# --- notices ---------------------------------------------------------------------------------------


class NoticeListView(CanlianView):
    """Notices: open (default), overdue, closed, all; filtered by institution and year."""

    required_permission = Perm.SUPERVISION_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        state = request.GET.get("state", "open")
        state = state if state in selectors.NOTICE_STATES else "open"
        institution = int_param(request.GET.get("institution"))
        year = _year(request)
        qs = selectors.notices_visible(
            user=request.user, state=state, on=today, institution_id=institution, year=year
        )
        page = keyset_page(request, qs, PER_PAGE, ordering=("-issued_on", "-id"))
        return render(
            request,
            "supervision/notice_list.html",
            {
                "page": page,
                "state": state,
                "states": [
                    ("open", _("Open")),
                    ("overdue", _("Overdue")),
                    ("closed", _("Closed")),
                    ("all", _("All")),
                ],
                "institution": institution or "",
                "institutions": Institution.objects.for_user(request.user, Perm.SUPERVISION_VIEW).order_by(
                    "name"
                ),
                "year": year or "",
                "today": today,
            },
        )


class NoticeDetailView(CanlianView):
    required_permission = Perm.SUPERVISION_VIEW

    def get(self, request: HttpRequest, notice_id: int) -> HttpResponse:
        notice = selectors.notice_get(user=request.user, notice_id=notice_id)
        today = timezone.localdate()
        running = notice.status != NoticeStatus.CLOSED
        can_inspect = running and may(request.user, Perm.SUPERVISION_INSPECT, notice.region_code)
        can_respond = running and notice.institution_id in institutions_of(
            request.user, Perm.SUPERVISION_RESPOND
        )
        return render(
            request,
            "supervision/notice_detail.html",
            {
                "notice": notice,
                "events": notice.events.select_related("actor").order_by("on", "pk"),
                "overdue": notice.is_overdue(today),
                "next_status": actions.next_escalation(notice.institution.status),
                "can_inspect": can_inspect,
                "can_respond": can_respond,
                "respond_form": RespondForm() if can_respond else None,
                "reinspect_form": ReinspectForm() if can_inspect else None,
                "close_form": CloseForm() if can_inspect else None,
                "escalate_form": EscalateForm() if can_inspect else None,
            },
        )


class NoticePrintView(CanlianView):
    """The notice as a clean printable page (A4, the federation's heading, signature lines)."""

    required_permission = Perm.SUPERVISION_VIEW

    def get(self, request: HttpRequest, notice_id: int) -> HttpResponse:
        notice = selectors.notice_get(user=request.user, notice_id=notice_id)
        code = notice.institution.region_code
        names = region_names({code[:4], code[:6]})
        issuer = names.get(code[:6]) or names.get(code[:4]) or ""
        return render(
            request,
            "supervision/notice_print.html",
            {
                "notice": notice,
                "issuer": issuer,
                "problems": [line for line in notice.problems.splitlines() if line.strip()],
            },
        )


class _NoticeActionView(CanlianView, ABC):
    http_method_names = ["post"]
    form_class: Any = None
    done_message = ""

    @abstractmethod
    def act(self, request: HttpRequest, notice_id: int, data: dict[str, Any]) -> Any:
        """What the subclass does with the valid form data."""

    def post(self, request: HttpRequest, notice_id: int) -> HttpResponse:
        form = self.form_class(request.POST)
        if not form.is_valid():
            errors = "; ".join(
                f"{form.fields[f].label if f in form.fields else ''}: {' '.join(e)}"
                for f, e in form.errors.items()
            )
            selectors.notice_get(user=request.user, notice_id=notice_id)  # out of reach stays a 404
            messages.error(request, errors)
            return redirect("supervision:notice-detail", notice_id=notice_id)
        try:
            self.act(request, notice_id, form.cleaned_data)
        except DomainError as exc:
            flash_error(request, exc)
        else:
            messages.success(request, self.done_message)
        return redirect("supervision:notice-detail", notice_id=notice_id)


class NoticeRespondView(_NoticeActionView):
    required_permission = Perm.SUPERVISION_RESPOND
    form_class = RespondForm

    def post(self, request: HttpRequest, notice_id: int) -> HttpResponse:
        # The institution's own staff only: others get a 404 before the form is read.
        if (
            not selectors.notices_visible(user=request.user)
            .filter(pk=notice_id)
            .filter(institution_id__in=institutions_of(request.user, Perm.SUPERVISION_RESPOND))
            .exists()
        ):
            raise NotFound()
        self.done_message = _("Response sent.")
        return super().post(request, notice_id)

    def act(self, request: HttpRequest, notice_id: int, data: dict[str, Any]) -> Any:
        return actions.notice_respond(
            actor=request.user, notice_id=notice_id, response=data["response"], on=data["on"]
        )


class _InspectActionView(_NoticeActionView):
    required_permission = Perm.SUPERVISION_INSPECT

    def post(self, request: HttpRequest, notice_id: int) -> HttpResponse:
        notice = selectors.notice_get(user=request.user, notice_id=notice_id)
        if not may(request.user, Perm.SUPERVISION_INSPECT, notice.region_code):
            raise NotFound()
        return super().post(request, notice_id)


class NoticeReinspectView(_InspectActionView):
    form_class = ReinspectForm

    def act(self, request: HttpRequest, notice_id: int, data: dict[str, Any]) -> Any:
        notice = actions.notice_reinspect(
            actor=request.user, notice_id=notice_id, passed=data["passed"], note=data["note"], on=data["on"]
        )
        self.done_message = (
            _("Re-inspection passed; the notice is closed.")
            if notice.status == NoticeStatus.CLOSED
            else _("Re-inspection failed; the notice stays open.")
        )
        return notice


class NoticeCloseView(_InspectActionView):
    form_class = CloseForm

    def act(self, request: HttpRequest, notice_id: int, data: dict[str, Any]) -> Any:
        self.done_message = _("Notice closed.")
        return actions.notice_close(actor=request.user, notice_id=notice_id, note=data["note"], on=data["on"])


class NoticeEscalateView(_InspectActionView):
    form_class = EscalateForm

    def act(self, request: HttpRequest, notice_id: int, data: dict[str, Any]) -> Any:
        notice = actions.notice_escalate(
            actor=request.user, notice_id=notice_id, reason=data["reason"], on=data["on"]
        )
        self.done_message = _("Escalated: the institution is now %(status)s.") % {
            "status": notice.get_escalated_to_display()
        }
        return notice


# --- ratings ---------------------------------------------------------------------------------------


class RatingListView(CanlianView):
    """Institutions by rating: latest score, band (A ≥90, B ≥75, C ≥60, D), open notices."""

    required_permission = Perm.SUPERVISION_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        rows = selectors.institutions_by_rating(user=request.user)
        band = request.GET.get("band", "")
        if band in ("A", "B", "C", "D"):
            rows = [r for r in rows if r.band == band]
        elif band == "none":
            rows = [r for r in rows if not r.band]
        names = region_names({r.region_code for r in rows})
        for r in rows:
            r.region_label = names.get(r.region_code, r.region_code)
        return render(
            request,
            "supervision/rating_list.html",
            {"rows": rows, "band": band, "bands": ["A", "B", "C", "D"]},
        )
