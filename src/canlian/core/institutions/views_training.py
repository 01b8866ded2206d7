"""Pages of training: courses, a course's exam results entered as one table for all participants
(all or nothing; errors name the row, the staff member and the field), and certificates issued to
those who passed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.accounts.http import AuthenticatedHttpRequest
from canlian.core.institutions import actions, selectors
from canlian.core.institutions.choices import StaffPost
from canlian.core.institutions.forms import CourseForm
from canlian.core.institutions.models import TrainingCourse
from canlian.core.institutions.views import PER_PAGE
from canlian.core.permissions import Perm
from canlian.platform.access import may
from canlian.platform.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from canlian.platform.views import CanlianView, form_error_from, keyset_page


class CourseListView(CanlianView):
    """Training courses: the federation's in its region; an institution's staff those their colleagues
    took part in."""

    required_permission = Perm.INSTITUTIONS_VIEW

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        q = request.GET.get("q", "").strip()[:50]
        page = keyset_page(
            request,
            selectors.courses_visible(user=request.user, q=q),
            PER_PAGE,
            ordering=("-starts_on", "-id"),
        )
        return render(
            request,
            "institutions/course_list.html",
            {"page": page, "q": q, "can_create": request.user.has_canlian_perm(Perm.TRAINING_MANAGE)},
        )


class CourseCreateView(CanlianView):
    required_permission = Perm.TRAINING_MANAGE

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        return render(request, "institutions/course_form.html", {"form": CourseForm(request=request)})

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = CourseForm(request.POST, request=request)
        if form.is_valid():
            try:
                course = actions.training_course_create(actor=request.user, **form.action_kwargs())
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                messages.success(request, _("Course created."))
                return redirect("institutions:course-detail", course_id=course.pk)
        return render(request, "institutions/course_form.html", {"form": form}, status=400)


def _can_train(user: Any, course: TrainingCourse) -> bool:
    return may(user, Perm.TRAINING_MANAGE, course.region_code)


class CourseDetailView(CanlianView):
    """A course with its results; with training.manage, the results table for every candidate."""

    required_permission = Perm.INSTITUTIONS_VIEW

    def get(self, request: AuthenticatedHttpRequest, course_id: int) -> HttpResponse:
        return self.page(request, selectors.course_get(user=request.user, course_id=course_id))

    @staticmethod
    def page(
        request: AuthenticatedHttpRequest,
        course: TrainingCourse,
        *,
        status: int = 200,
        entered: dict[int, tuple[str, str]] | None = None,
        errors: list[Any] | None = None,
    ) -> HttpResponse:
        results = list(selectors.course_results(user=request.user, course=course))
        by_staff = {r.staff_id: r for r in results}
        can_train = _can_train(request.user, course)
        table = []
        if can_train:
            error_rows = {e.get("staff_id") for e in errors or []}
            for staff in selectors.course_candidates(user=request.user, course=course):
                result = by_staff.get(staff.pk)
                written, practical = (entered or {}).get(
                    staff.pk,
                    (
                        "" if result is None or result.written_score is None else str(result.written_score),
                        ""
                        if result is None or result.practical_score is None
                        else str(result.practical_score),
                    ),
                )
                table.append(
                    {
                        "staff": staff,
                        "written": written,
                        "practical": practical,
                        "result": result,
                        "error": staff.pk in error_rows,
                    }
                )
        certified = set(course.certificates.values_list("staff_id", flat=True))
        return render(
            request,
            "institutions/course_detail.html",
            {
                "course": course,
                "results": results,
                "table": table,
                "can_train": can_train,
                "errors": errors or [],
                "certified": certified,
                "posts": ", ".join(
                    str(dict(StaffPost.choices).get(p, p)) for p in course.posts.split(",") if p
                ),
                "today": timezone.localdate(),
            },
            status=status,
        )


class ResultsRecordView(CanlianView):
    """POST the results table: ``staff`` (every row's staff id), ``written_<id>``, ``practical_<id>``.
    Rows left empty in both columns are not participants and are skipped."""

    required_permission = Perm.TRAINING_MANAGE
    http_method_names = ["post"]

    def post(self, request: AuthenticatedHttpRequest, course_id: int) -> HttpResponse:
        course = selectors.course_get(user=request.user, course_id=course_id)
        rows: list[dict[str, Any]] = []
        entered: dict[int, tuple[str, str]] = {}
        for raw in request.POST.getlist("staff"):
            try:
                staff_id = int(raw)
            except ValueError:
                continue
            written = request.POST.get(f"written_{staff_id}", "").strip()
            practical = request.POST.get(f"practical_{staff_id}", "").strip()
            entered[staff_id] = (written, practical)
            if written or practical:
                rows.append({"staff_id": staff_id, "written_score": written, "practical_score": practical})
        try:
            saved = actions.training_results_record(actor=request.user, course_id=course.pk, results=rows)
        except ValidationFailed as exc:
            errors = []
            for e in exc.errors or []:
                row_staff = rows[e.row - 1]["staff_id"] if e.row and e.row <= len(rows) else None
                errors.append({"text": str(e), "staff_id": row_staff})
            if not errors:
                errors.append({"text": exc.message, "staff_id": None})
            return CourseDetailView.page(request, course, status=400, entered=entered, errors=errors)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("institutions:course-detail", course_id=course.pk)
        messages.success(
            request,
            _("%(n)s results recorded, %(passed)s passed.")
            % {"n": len(saved), "passed": sum(1 for r in saved if r.passed)},
        )
        return redirect("institutions:course-detail", course_id=course.pk)


class CourseCertificatesView(CanlianView):
    """Issue certificates to everyone who passed the course and has none from it yet (numbers
    generated); all or nothing."""

    required_permission = Perm.TRAINING_MANAGE
    http_method_names = ["post"]

    def post(self, request: AuthenticatedHttpRequest, course_id: int) -> HttpResponse:
        course = selectors.course_get(user=request.user, course_id=course_id)
        try:
            issued = actions.staff_certificates_issue_passed(actor=request.user, course_id=course.pk)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(n)s certificates issued.") % {"n": len(issued)})
        return redirect("institutions:course-detail", course_id=course.pk)
