from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django_htmx.middleware import HtmxDetails

from canlian.core.jobs.actions import job_cancel, job_retry
from canlian.core.jobs.choices import JobStatus
from canlian.core.jobs.models import Job
from canlian.core.permissions import Perm
from canlian.platform.errors import DomainError, NotFound
from canlian.platform.views import CanlianView, paginate


class _HtmxRequest(HttpRequest):
    """For the type checker: django-htmx's middleware sets ``request.htmx``."""

    htmx: HtmxDetails


class JobListView(CanlianView):
    required_permission = Perm.JOBS_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        jobs = Job.objects.for_user(request.user, Perm.JOBS_VIEW).select_related("actor")
        status = request.GET.get("status", "")
        if status:
            jobs = jobs.filter(status=status)
        return render(
            request,
            "jobs/list.html",
            {"page": paginate(request, jobs), "status": status, "statuses": JobStatus.choices},
        )


class JobDetailView(CanlianView):
    required_permission = Perm.JOBS_VIEW

    def get(self, request: _HtmxRequest, job_id: int) -> HttpResponse:
        job = Job.objects.get_for_user(request.user, Perm.JOBS_VIEW, pk=job_id)
        assert request.user.is_authenticated  # CanlianView lets only a signed-in user in
        context = {
            "job": job,
            "log": job.log_lines.order_by("-id")[:200][::-1],
            "can_manage": request.user.has_canlian_perm(Perm.JOBS_MANAGE)
            and Job.objects.for_user(request.user, Perm.JOBS_MANAGE).filter(pk=job.pk).exists(),
        }
        template = "jobs/detail.html#progress" if request.htmx else "jobs/detail.html"
        return render(request, template, context)


class JobActionView(CanlianView):
    required_permission = Perm.JOBS_MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, job_id: int, op: str) -> HttpResponse:
        job = Job.objects.get_for_user(request.user, Perm.JOBS_MANAGE, pk=job_id)
        try:
            if op == "retry":
                job_retry(actor=request.user, job_id=job.pk)
                messages.success(request, _("The job was queued again."))
            elif op == "cancel":
                job_cancel(actor=request.user, job_id=job.pk)
                messages.success(request, _("The job was cancelled."))
            else:
                raise NotFound()
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("jobs:detail", job_id=job.pk)
