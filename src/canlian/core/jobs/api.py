from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.jobs.actions import job_retry
from canlian.core.jobs.models import Job
from canlian.core.permissions import Perm
from canlian.platform.api import ScopedViewSet


class JobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    kind_label = serializers.CharField(read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "kind_label",
            "status",
            "stage",
            "progress_done",
            "progress_total",
            "percent",
            "counts",
            "result",
            "error_code",
            "error",
            "region_code",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
        ]


class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Jobs in the caller's scope, with progress; failed jobs can be retried."""

    scoped_model = Job
    serializer_class = JobSerializer
    required_permission = Perm.JOBS_VIEW
    action_permissions = {"retry": Perm.JOBS_MANAGE}
    lookup_url_kwarg = "job_id"

    @extend_schema(request=None, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, job_id: str | None = None) -> Response:
        job = self.get_object()
        return Response(JobSerializer(job_retry(actor=request.user, job_id=job.pk)).data)


def register(router: Any) -> None:
    router.register("jobs", JobViewSet, basename="job")
