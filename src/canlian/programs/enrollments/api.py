"""API of the program engine: applications and enrollments with their review chain
(``/api/v1/enrollments/``). ``register(router)`` is called by canlian.config.api.

Reads start from ``for_user`` with the permission of the action; every transition is a POST on the
enrollment (``first-check``, ``review``, ``decide``, ``notice-end``, ``reject``, ``object``,
``stop``, ``resume``) that calls the action of the same name; ``create`` records an application.
ID numbers and bank accounts are masked."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.permissions import Perm
from canlian.platform.api import ScopedViewSet, UploadField, region_filter, required_permission_for
from canlian.programs import enrollments as actions
from canlian.programs.choices import IN_REVIEW, ApplicantKind, EnrollmentStatus, StopReason
from canlian.programs.enrollments import selectors
from canlian.programs.models import Enrollment, EnrollmentStep


class EnrollmentStepSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)
    has_attachment = serializers.SerializerMethodField()

    class Meta:
        model = EnrollmentStep
        fields = [
            "id",
            "kind",
            "from_status",
            "to_status",
            "on",
            "comment",
            "due_on",
            "actor",
            "has_attachment",
            "created_at",
        ]

    def get_has_attachment(self, step: EnrollmentStep) -> bool:
        return bool(step.attachment)


class EnrollmentSerializer(serializers.ModelSerializer):
    program = serializers.CharField(source="program.code", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    person_id_number = serializers.CharField(source="person.masked_id", read_only=True)
    bank_account = serializers.CharField(source="masked_account", read_only=True)

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "program",
            "person",
            "person_name",
            "person_id_number",
            "region_code",
            "status",
            "applicant_kind",
            "applicant_name",
            "applied_on",
            "application_month",
            "needs_long_term_care",
            "work_injury_nursing",
            "diagnosis_confirmed",
            "grade",
            "category",
            "hardship_basis",
            "care_tier",
            "bank_name",
            "bank_account",
            "account_holder",
            "step_due_on",
            "notice_from",
            "notice_until",
            "decided_on",
            "activated_on",
            "rejected_reason",
            "stopped_from",
            "stop_reason",
            "stop_note",
            "created_at",
            "updated_at",
        ]


class EnrollmentDetailSerializer(EnrollmentSerializer):
    steps = EnrollmentStepSerializer(many=True, read_only=True)

    class Meta(EnrollmentSerializer.Meta):
        fields = [*EnrollmentSerializer.Meta.fields, "steps"]


class EnrollmentFilterSerializer(serializers.Serializer):
    program = serializers.CharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(
        choices=[*EnrollmentStatus.values, *selectors.STATUS_GROUPS], required=False, allow_blank=True
    )
    region = region_filter()
    q = serializers.CharField(required=False, allow_blank=True)
    overdue = serializers.BooleanField(required=False, default=False)

    def filters(self) -> selectors.EnrollmentFilters:
        d = self.validated_data
        return selectors.EnrollmentFilters(
            program=d.get("program", ""),
            status=d.get("status", ""),
            region=d.get("region", ""),
            q=d.get("q", ""),
        )


class ApplySerializer(serializers.Serializer):
    program = serializers.CharField()
    person_id = serializers.IntegerField()
    applied_on = serializers.DateField()
    applicant_kind = serializers.ChoiceField(choices=ApplicantKind.choices, default=ApplicantKind.SELF)
    applicant_name = serializers.CharField(required=False, allow_blank=True, default="")
    needs_long_term_care = serializers.BooleanField(default=False)
    work_injury_nursing = serializers.BooleanField(default=False)
    diagnosis_confirmed = serializers.BooleanField(default=False)
    bank_name = serializers.CharField(required=False, allow_blank=True, default="")
    bank_account = serializers.CharField()
    account_holder = serializers.CharField(required=False, allow_blank=True, default="")
    care_tier = serializers.CharField(required=False, allow_blank=True, default="")
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    attachment = UploadField(required=False, allow_null=True, default=None)


class StepSerializer(serializers.Serializer):
    approve = serializers.BooleanField(default=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    attachment = UploadField(required=False, allow_null=True, default=None)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField()
    attachment = UploadField(required=False, allow_null=True, default=None)


class ObjectionSerializer(serializers.Serializer):
    comment = serializers.CharField()
    attachment = UploadField(required=False, allow_null=True, default=None)


class StopSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=StopReason.choices)
    stopped_from = serializers.DateField(help_text="First day of the first month not paid.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ResumeSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class EnrollmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Applications and enrollments in the caller's scope, newest first. Filters: ``program``
    (code), ``status`` (a status, ``in_review`` or ``open``), ``region``, ``q`` (name, pinyin or ID
    number), ``overdue=true`` (steps past their time limit)."""

    scoped_model = Enrollment
    serializer_class = EnrollmentSerializer
    required_permission = Perm.ENROLLMENTS_VIEW
    action_permissions = {
        "create": Perm.ENROLLMENTS_APPLY,
        "first_check": Perm.ENROLLMENTS_FIRST_CHECK,
        "review": Perm.ENROLLMENTS_REVIEW,
        "decide": Perm.ENROLLMENTS_DECIDE,
        "notice_end": Perm.ENROLLMENTS_DECIDE,
        # reject: the action checks the permission of the step the application waits for
        "reject": Perm.ENROLLMENTS_VIEW,
        "objection": Perm.ENROLLMENTS_APPLY,
        "stop": Perm.ENROLLMENTS_STOP,
        "resume": Perm.ENROLLMENTS_STOP,
    }
    lookup_url_kwarg = "enrollment_id"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "action", None) != "list":
            return super().get_queryset()
        params = EnrollmentFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        perm = required_permission_for(self, "list")
        qs = selectors.enrollments_for_user(user=self.request.user, filters=params.filters(), action=perm)
        if params.validated_data.get("overdue"):
            qs = qs.filter(status__in=IN_REVIEW, step_due_on__lt=timezone.localdate())
        return qs

    def refine_queryset(self, queryset):  # type: ignore[no-untyped-def]
        qs = queryset.select_related("program", "person")
        if getattr(self, "action", None) == "retrieve":
            qs = qs.prefetch_related("steps__actor")
        return qs

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return EnrollmentDetailSerializer if self.action != "list" else EnrollmentSerializer

    @extend_schema(parameters=[EnrollmentFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def _done(self, enrollment: Enrollment, code: int = status.HTTP_200_OK) -> Response:
        enrollment = (
            Enrollment.objects.select_related("program", "person")
            .prefetch_related("steps__actor")
            .get(pk=enrollment.pk)
        )
        return Response(EnrollmentDetailSerializer(enrollment).data, status=code)

    @extend_schema(request=ApplySerializer, responses={201: EnrollmentDetailSerializer})
    def create(self, request: Request) -> Response:
        payload = ApplySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        enrollment = actions.enrollment_apply(actor=request.user, program_code=data.pop("program"), **data)
        return self._done(enrollment, status.HTTP_201_CREATED)

    def _step(self, request: Request, run: Any) -> Response:
        enrollment = self.get_object()  # scope first: another region's enrollment is a 404
        payload = StepSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._done(run(actor=request.user, enrollment_id=enrollment.pk, **payload.validated_data))

    @extend_schema(request=StepSerializer, responses=EnrollmentDetailSerializer)
    @action(detail=True, methods=["post"], url_path="first-check", url_name="first-check")
    def first_check(self, request: Request, enrollment_id: str | None = None) -> Response:
        return self._step(request, actions.enrollment_first_check)

    @extend_schema(request=StepSerializer, responses=EnrollmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, enrollment_id: str | None = None) -> Response:
        return self._step(request, actions.enrollment_review)

    @extend_schema(request=StepSerializer, responses=EnrollmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, enrollment_id: str | None = None) -> Response:
        return self._step(request, actions.enrollment_decide)

    @extend_schema(request=StepSerializer, responses=EnrollmentDetailSerializer)
    @action(detail=True, methods=["post"], url_path="notice-end", url_name="notice-end")
    def notice_end(self, request: Request, enrollment_id: str | None = None) -> Response:
        return self._step(request, actions.enrollment_notice_end)

    @extend_schema(request=RejectSerializer, responses=EnrollmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, enrollment_id: str | None = None) -> Response:
        enrollment = self.get_object()
        payload = RejectSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._done(
            actions.enrollment_reject(
                actor=request.user, enrollment_id=enrollment.pk, **payload.validated_data
            )
        )

    @extend_schema(request=ObjectionSerializer, responses=EnrollmentDetailSerializer)
    @action(detail=True, methods=["post"], url_path="object", url_name="object")
    def objection(self, request: Request, enrollment_id: str | None = None) -> Response:
        enrollment = self.get_object()
        payload = ObjectionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._done(
            actions.enrollment_object(
                actor=request.user, enrollment_id=enrollment.pk, **payload.validated_data
            )
        )

    @extend_schema(request=StopSerializer, responses=EnrollmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def stop(self, request: Request, enrollment_id: str | None = None) -> Response:
        enrollment = self.get_object()
        payload = StopSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._done(
            actions.enrollment_stop(actor=request.user, enrollment_id=enrollment.pk, **payload.validated_data)
        )

    @extend_schema(request=ResumeSerializer, responses=EnrollmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, enrollment_id: str | None = None) -> Response:
        enrollment = self.get_object()
        payload = ResumeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._done(
            actions.enrollment_resume(
                actor=request.user, enrollment_id=enrollment.pk, **payload.validated_data
            )
        )


def register(router: Any) -> None:
    router.register("enrollments", EnrollmentViewSet, basename="enrollment")
