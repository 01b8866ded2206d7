"""The /api/v1/ viewsets of rehabilitation services (``register(router)`` is called by config/api.py).

- ``services/surveys``: needs surveys with their needs and whether served (list ?year, ?state=served|
  unmet|none; retrieve), create = record a survey (services.record);
- ``services/fittings``: device fittings (list ?status, ?due=1 for due within 90 days; retrieve);
- ``services/modifications``: home modification projects (list ?status, ?year, ?state=overdue;
  retrieve with the checklist and step history);
- ``services/batches``: contractor payment batches (list, retrieve with lines);
- ``services/health-applications``: health service applications (list ?program, ?status; retrieve).
ID numbers are masked; every read goes through the model's ``for_user``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.permissions import Perm
from canlian.domains.rehabservices import actions, selectors
from canlian.domains.rehabservices.choices import NeedKind
from canlian.domains.rehabservices.models import (
    ContractorBatch,
    ContractorPayment,
    DeviceFitting,
    HealthApplication,
    ModificationItem,
    ModificationProject,
    ModificationStep,
    Need,
    NeedsSurvey,
)
from canlian.platform.api import ScopedViewSet

VIEW = Perm.SERVICES_VIEW


class PersonFields(serializers.Serializer):
    person = serializers.IntegerField(source="person_id", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    person_id_number = serializers.CharField(
        source="person.masked_id", read_only=True, help_text="Masked ID number."
    )


class NeedSerializer(serializers.ModelSerializer):
    services = serializers.IntegerField(
        source="n_services", read_only=True, help_text="Services delivered against the need."
    )

    class Meta:
        ref_name = "ServiceNeed"  # a component name of its own (another app has a NeedSerializer)
        model = Need
        fields = ["id", "kind", "device_type", "services"]
        read_only_fields = fields


class SurveySerializer(PersonFields, serializers.ModelSerializer):
    needs = NeedSerializer(many=True, read_only=True)
    served = serializers.BooleanField(read_only=True, help_text="Every need of the survey has a service.")

    class Meta:
        model = NeedsSurvey
        fields = [
            "id",
            "person",
            "person_name",
            "person_id_number",
            "year",
            "region_code",
            "surveyed_on",
            "source",
            "no_needs",
            "needs",
            "served",
        ]
        read_only_fields = fields


class SurveyCreateSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    surveyed_on = serializers.DateField()
    needs = serializers.ListField(
        child=serializers.ChoiceField(choices=NeedKind.choices), required=False, default=list
    )
    no_needs = serializers.BooleanField(required=False, default=False)
    device_type = serializers.IntegerField(required=False, allow_null=True)
    surveyor = serializers.CharField(required=False, allow_blank=True, max_length=50)


class FittingSerializer(PersonFields, serializers.ModelSerializer):
    device = serializers.CharField(source="device_type.name", read_only=True)
    station_name = serializers.CharField(source="station.name", read_only=True)

    class Meta:
        model = DeviceFitting
        fields = [
            "id",
            "person",
            "person_name",
            "person_id_number",
            "region_code",
            "device_type",
            "device",
            "station",
            "station_name",
            "status",
            "assessed_on",
            "fitted_on",
            "price",
            "subsidy",
            "replacement_due",
            "replaces",
        ]
        read_only_fields = fields


class ItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModificationItem
        fields = ["item", "needed", "note", "cost"]
        read_only_fields = fields


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        ref_name = "ServiceProjectStep"  # a component name of its own (another app has a StepSerializer)
        model = ModificationStep
        fields = ["status", "on", "due_on", "note"]
        read_only_fields = fields


class ProjectSerializer(PersonFields, serializers.ModelSerializer):
    class Meta:
        model = ModificationProject
        fields = [
            "id",
            "number",
            "year",
            "person",
            "person_name",
            "person_id_number",
            "region_code",
            "status",
            "applied_on",
            "priorities",
            "step_due_on",
            "assessed_on",
            "budget",
            "notice_from",
            "notice_until",
            "contractor",
            "works_started_on",
            "accepted_on",
            "final_cost",
            "payable",
            "paid_on",
            "archived_on",
        ]
        read_only_fields = fields


class ProjectDetailSerializer(ProjectSerializer):
    items = ItemSerializer(many=True, read_only=True)
    steps = StepSerializer(many=True, read_only=True)
    eligibility = serializers.JSONField(
        read_only=True, help_text="The rules evaluated at application: check, label, passed, detail."
    )

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "eligibility", "items", "steps"]
        read_only_fields = fields


class LineSerializer(serializers.ModelSerializer):
    class Meta:
        ref_name = "ServiceLine"  # a component name of its own (another app has a LineSerializer)
        model = ContractorPayment
        fields = ["project", "region_code", "contractor", "amount"]
        read_only_fields = fields


class BatchSerializer(serializers.ModelSerializer):
    class Meta:
        ref_name = "ServiceBatch"  # a component name of its own (another app has a BatchSerializer)
        model = ContractorBatch
        fields = [
            "id",
            "number",
            "region_code",
            "status",
            "line_count",
            "total_amount",
            "generated_at",
            "approved_at",
            "paid_on",
        ]
        read_only_fields = fields


class BatchDetailSerializer(BatchSerializer):
    lines = LineSerializer(many=True, read_only=True)

    class Meta(BatchSerializer.Meta):
        ref_name = "ServiceBatchDetail"
        fields = [*BatchSerializer.Meta.fields, "lines"]
        read_only_fields = fields


class HealthSerializer(PersonFields, serializers.ModelSerializer):
    class Meta:
        model = HealthApplication
        fields = [
            "id",
            "person",
            "person_name",
            "person_id_number",
            "program",
            "year",
            "region_code",
            "status",
            "applied_on",
            "decided_on",
            "served_on",
            "hospital",
            "cost",
            "amount",
            "payee",
            "paid_on",
        ]
        read_only_fields = fields


class SurveyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Needs surveys (精准康复) with their needs and whether the person is served."""

    required_permission = VIEW
    action_permissions = {"create": Perm.SERVICES_RECORD}
    serializer_class = SurveySerializer
    lookup_url_kwarg = "needs_survey_id"

    def visible(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        year = params.get("year", "")
        return selectors.surveys_for(
            self.request.user,
            year=int(year) if year.isdigit() else None,
            state=params.get("state", "") if self.action == "list" else "",
        )

    @extend_schema(request=SurveyCreateSerializer, responses=SurveySerializer)
    def create(self, request: Request) -> Response:
        data = SurveyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        survey = actions.survey_record(
            actor=request.user,
            person_id=v["person"],
            surveyed_on=v["surveyed_on"],
            needs=v["needs"],
            no_needs=v["no_needs"],
            device_type_id=v.get("device_type"),
            surveyor=v.get("surveyor", ""),
        )
        survey = selectors.surveys_for(request.user).get(pk=survey.pk)
        return Response(SurveySerializer(survey).data, status=status.HTTP_201_CREATED)


class FittingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Assistive-device fittings with price, subsidy and the replacement date."""

    required_permission = VIEW
    serializer_class = FittingSerializer
    lookup_url_kwarg = "device_fitting_id"

    def visible(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        return selectors.fittings_for(
            self.request.user,
            status=params.get("status", ""),
            due_within=90 if params.get("due") == "1" else None,
        )


class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Home accessibility modification projects with their step deadline."""

    required_permission = VIEW
    lookup_url_kwarg = "modification_id"

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return ProjectDetailSerializer if self.action == "retrieve" else ProjectSerializer

    def visible(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        year = params.get("year", "")
        qs = selectors.projects_for(
            self.request.user,
            status=params.get("status", ""),
            year=int(year) if year.isdigit() else None,
            overdue=params.get("state") == "overdue",
        )
        return qs.prefetch_related("items", "steps") if self.action == "retrieve" else qs


class BatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Contractor payment batches (maker-checker)."""

    required_permission = VIEW
    lookup_url_kwarg = "contractor_batch_id"

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return BatchDetailSerializer if self.action == "retrieve" else BatchSerializer

    def visible(self):  # type: ignore[no-untyped-def]
        return selectors.batches_for(self.request.user).prefetch_related("lines")


class HealthViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Health service applications: free health checks, cataract operations, medication aid."""

    required_permission = VIEW
    serializer_class = HealthSerializer
    lookup_url_kwarg = "health_application_id"

    def visible(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        return selectors.health_applications_for(
            self.request.user, program=params.get("program", ""), status=params.get("status", "")
        )


def register(router: Any) -> None:
    """Called by config/api.py."""
    router.register("services/surveys", SurveyViewSet, basename="services-survey")
    router.register("services/fittings", FittingViewSet, basename="services-fitting")
    router.register("services/modifications", ProjectViewSet, basename="services-modification")
    router.register("services/batches", BatchViewSet, basename="services-batch")
    router.register("services/health-applications", HealthViewSet, basename="services-health")
