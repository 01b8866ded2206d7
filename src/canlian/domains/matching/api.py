"""The /api/v1/ viewsets of data comparison. ``register(router)`` is called by config/api.py.

- ``matching/findings``: list (?status, ?rule, ?list, ?overdue=1), retrieve (audited), ``resolve``
  (matching.resolve; the engine's and the registry's own permissions apply to what it calls);
- ``matching/lists``: list, retrieve (matching.lists), create = upload a list (multipart: file,
  region_code, department, list_kind, as_of, mapping as JSON, retention_days, run: 202 with the job
  that loads it), ``rows`` (the snapshot's rows, ID numbers masked), ``run`` (matching.manage: 202
  with the job), ``runs``;
- ``matching/jobs``: those jobs, with progress and result (matching.lists);
- ``matching/rules``: the comparison rules in force or defined for one's region (list).
"""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.audit.actions import audit_sensitive_read
from canlian.core.jobs.api import JobSerializer
from canlian.core.jobs.models import Job
from canlian.core.permissions import Perm
from canlian.domains.matching import actions, selectors
from canlian.domains.matching.choices import Department, FindingStatus, ListKind, Outcome
from canlian.domains.matching.events import MatchingEvent
from canlian.domains.matching.models import ComparisonRule, ComparisonRun, Finding, ListRow, ListUpload
from canlian.platform.api import ScopedViewSet, UploadField, query_int
from canlian.platform.errors import ValidationFailed


class FindingSerializer(serializers.ModelSerializer):
    """A finding with the evidence of both sides; the person's ID number masked."""

    rule_code = serializers.CharField(source="rule.code", read_only=True)
    rule_name = serializers.CharField(source="rule.label", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    person_id_number = serializers.CharField(source="person.masked_id", read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "rule",
            "rule_code",
            "rule_name",
            "person",
            "person_name",
            "person_id_number",
            "region_code",
            "enrollment",
            "upload",
            "list_row_no",
            "list_name",
            "list_birth_date",
            "list_event_date",
            "list_status",
            "registry_name",
            "registry_birth_date",
            "registry_life_status",
            "registry_category",
            "registry_grade",
            "enrollment_status",
            "last_paid",
            "months",
            "amount",
            "stop_from",
            "status",
            "found_on",
            "due_on",
            "outcome",
            "outcome_note",
            "resolved_on",
            "result_enrollment",
            "recovery",
        ]
        read_only_fields = fields


class ResolveSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)
    on = serializers.DateField(required=False)
    record_in_registry = serializers.BooleanField(required=False, default=True)
    monitored_type = serializers.CharField(required=False, allow_blank=True)
    risk_cause = serializers.CharField(required=False, allow_blank=True)
    applicant_kind = serializers.CharField(required=False, allow_blank=True)
    applicant_name = serializers.CharField(required=False, allow_blank=True)
    bank_name = serializers.CharField(required=False, allow_blank=True)
    bank_account = serializers.CharField(required=False, allow_blank=True)
    account_holder = serializers.CharField(required=False, allow_blank=True)


class UploadSerializer(serializers.ModelSerializer):
    source_name = serializers.CharField(source="source.__str__", read_only=True)
    department = serializers.CharField(source="source.department", read_only=True)

    class Meta:
        model = ListUpload
        fields = [
            "id",
            "source",
            "source_name",
            "department",
            "region_code",
            "list_kind",
            "as_of",
            "filename",
            "mapping",
            "row_count",
            "rejected_count",
            "errors",
            "expires_on",
            "status",
            "uploaded_at",
        ]
        read_only_fields = fields


class UploadCreateSerializer(serializers.Serializer):
    file = UploadField()
    region_code = serializers.CharField(max_length=12)
    department = serializers.ChoiceField(choices=Department.choices)
    list_kind = serializers.ChoiceField(choices=ListKind.choices)
    as_of = serializers.DateField()
    mapping = serializers.CharField(
        required=False, allow_blank=True, help_text="JSON: {field: column header}"
    )
    retention_days = serializers.IntegerField(required=False, min_value=1, max_value=3650)
    run = serializers.BooleanField(required=False, default=True)


class ListRowSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="masked_id", read_only=True)

    class Meta:
        model = ListRow
        fields = ["row_no", "id_number", "name", "birth_date", "event_date", "stop_from", "status"]
        read_only_fields = fields


class RunSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComparisonRun
        fields = ["id", "upload", "region_code", "ran_on", "counts", "seconds"]
        read_only_fields = fields


class RuleSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    list_kind = serializers.ChoiceField(
        choices=ListKind.choices, allow_blank=True, read_only=True, help_text="Blank: a rule for any list"
    )

    class Meta:
        model = ComparisonRule
        fields = [
            "id",
            "code",
            "name",
            "label",
            "list_kind",
            "shape",
            "action",
            "program_code",
            "grades",
            "categories",
            "age_min",
            "age_max",
            "stop_reason",
            "deadline_days",
            "region_code",
            "valid_from",
            "valid_to",
            "active",
        ]
        read_only_fields = fields


class FindingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    required_permission = Perm.MATCHING_VIEW
    action_permissions = {"resolve": Perm.MATCHING_RESOLVE}
    lookup_url_kwarg = "finding_id"
    serializer_class = FindingSerializer

    def visible(self):  # type: ignore[no-untyped-def]
        if self.action == "resolve":
            return Finding.objects.for_user(self.request.user, Perm.MATCHING_RESOLVE)
        params = self.request.query_params
        state = params.get("status", "")
        return selectors.findings_visible(
            user=self.request.user,
            status=state if state in FindingStatus.values else "",
            rule_id=query_int(self.request, "rule", low=1),
            upload_id=query_int(self.request, "list", low=1),
            overdue=params.get("overdue") == "1",
            today=timezone.localdate(),
        ).order_by("-id")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        finding = self.get_object()
        audit_sensitive_read(
            actor=request.user,
            event=MatchingEvent.FINDING_VIEWED,
            obj=finding,
            region_code=finding.region_code,
            surface="api",
            person=finding.person_id,
        )
        return Response(FindingSerializer(finding).data)

    @extend_schema(request=ResolveSerializer, responses=FindingSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, finding_id: Any = None) -> Response:
        finding = self.get_object()
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        finding = actions.finding_resolve(actor=request.user, finding_id=finding.pk, **data.validated_data)
        return Response(FindingSerializer(finding).data)


class UploadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    required_permission = Perm.MATCHING_LISTS
    action_permissions = {"run": Perm.MATCHING_MANAGE}
    lookup_url_kwarg = "list_upload_id"
    serializer_class = UploadSerializer

    def visible(self):  # type: ignore[no-untyped-def]
        return selectors.uploads_visible(user=self.request.user).order_by("-id")

    @extend_schema(request={"multipart/form-data": UploadCreateSerializer}, responses={202: JobSerializer})
    def create(self, request: Request) -> Response:
        data = UploadCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        mapping = None
        if v.get("mapping"):
            try:
                mapping = json.loads(v["mapping"])
            except ValueError as exc:
                raise ValidationFailed("The mapping is not JSON.", field="mapping") from exc
            if not isinstance(mapping, dict):
                raise ValidationFailed("The mapping is not a JSON object.", field="mapping")
        job = actions.list_upload_submit(
            actor=request.user,
            region_code=v["region_code"],
            department=v["department"],
            list_kind=v["list_kind"],
            as_of=v["as_of"],
            upload=v["file"],
            mapping=mapping,
            retention_days=v.get("retention_days"),
            run=v.get("run", True),
        )
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=ListRowSerializer(many=True))
    @action(detail=True, methods=["get"])
    def rows(self, request: Request, list_upload_id: Any = None) -> Response:
        upload = self.get_object()
        rows = selectors.list_rows_visible(user=request.user, upload_id=upload.pk).order_by("row_no", "id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ListRowSerializer(page, many=True).data)

    @extend_schema(request=None, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def run(self, request: Request, list_upload_id: Any = None) -> Response:
        upload = self.get_object()
        job = actions.comparison_run_submit(actor=request.user, upload_id=upload.pk)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=RunSerializer(many=True))
    @action(detail=True, methods=["get"])
    def runs(self, request: Request, list_upload_id: Any = None) -> Response:
        upload = self.get_object()
        return Response(RunSerializer(upload.runs.order_by("-id")[:50], many=True).data)


class ListJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The jobs loading lists and running comparisons, with their progress and result (``upload_id``,
    rows kept and rejected; a refused file's rows by row and field in ``result.errors``)."""

    required_permission = Perm.MATCHING_LISTS
    lookup_url_kwarg = "list_job_id"
    serializer_class = JobSerializer

    def visible(self):  # type: ignore[no-untyped-def]
        return (
            Job.objects.for_user(self.request.user, Perm.MATCHING_LISTS)
            .filter(kind__in=(actions.UPLOAD_JOB, actions.RUN_JOB))
            .order_by("-id")
        )


class RuleViewSet(mixins.ListModelMixin, ScopedViewSet):
    required_permission = Perm.MATCHING_VIEW
    serializer_class = RuleSerializer

    def visible(self):  # type: ignore[no-untyped-def]
        return selectors.rules_visible(user=self.request.user).order_by(
            "code", "region_code", "-valid_from", "id"
        )


def register(router: Any) -> None:
    """Called by config/api.py."""
    router.register("matching/findings", FindingViewSet, basename="matching-finding")
    router.register("matching/lists", UploadViewSet, basename="matching-list")
    router.register("matching/jobs", ListJobViewSet, basename="matching-job")
    router.register("matching/rules", RuleViewSet, basename="matching-rule")
