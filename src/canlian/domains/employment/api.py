"""The /api/v1/ viewsets of employment. ``register(router)`` is called by config/api.py.

- ``employment/employers``: list (?q), retrieve;
- ``employment/declarations``: list (?year, ?status, ?source), retrieve (the employees with masked ID
  numbers and their verdicts, and every step of the fund), ``review`` (employment.manage): verify
  against the registry and compute the fund due;
- ``employment/statuses``: employment statuses by real name, list (?person, ?status, ?current=1),
  retrieve, create (employment.manage);
- ``employment/trainings``: training records, list (?person, ?year), retrieve, create.
Person ID numbers are masked.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.permissions import Perm
from canlian.domains.employment import actions, selectors
from canlian.domains.employment.choices import DeclarationSource, DeclarationStatus, WorkStatus
from canlian.domains.employment.models import (
    Declaration,
    DeclaredEmployee,
    Employer,
    EmploymentStatus,
    TrainingRecord,
)
from canlian.platform.api import ScopedViewSet, query_int


class EmployerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Employer
        fields = ["id", "uscc", "name", "kind", "region_code", "staff_known", "wage_known"]
        read_only_fields = fields


class DeclarationSerializer(serializers.ModelSerializer):
    employer_name = serializers.CharField(source="employer.name", read_only=True)
    uscc = serializers.CharField(source="employer.uscc", read_only=True)

    class Meta:
        model = Declaration
        fields = [
            "id",
            "employer",
            "employer_name",
            "uscc",
            "year",
            "region_code",
            "source",
            "status",
            "staff",
            "average_wage",
            "counted",
            "required",
            "shortfall",
            "wage_base",
            "gross",
            "share",
            "exempt",
            "fund_due",
        ]
        read_only_fields = fields


class DeclaredEmployeeSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="masked_id", read_only=True, help_text="Masked ID number.")

    class Meta:
        model = DeclaredEmployee
        fields = [
            "id",
            "name",
            "id_number",
            "contract_start",
            "contract_end",
            "monthly_wage",
            "insurance_paid",
            "grade",
            "weight",
            "verdict",
            "reason",
            "reason_note",
        ]
        read_only_fields = fields


class StepSerializer(serializers.Serializer):
    label = serializers.CharField()
    formula = serializers.CharField()
    value = serializers.CharField()


class DeclarationDetailSerializer(DeclarationSerializer):
    employees = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()

    class Meta(DeclarationSerializer.Meta):
        fields = [*DeclarationSerializer.Meta.fields, "employees", "steps"]
        read_only_fields = fields

    @extend_schema_field(DeclaredEmployeeSerializer(many=True))
    def get_employees(self, obj: Declaration) -> list[dict[str, Any]]:
        return DeclaredEmployeeSerializer(selectors.declaration_employees(obj), many=True).data

    @extend_schema_field(StepSerializer(many=True))
    def get_steps(self, obj: Declaration) -> list[dict[str, Any]]:
        fund = selectors.declaration_steps(obj)
        return [] if fund is None else StepSerializer(fund.steps, many=True).data


class EmployerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    required_permission = Perm.EMPLOYMENT_VIEW
    serializer_class = EmployerSerializer
    lookup_url_kwarg = "employer_id"

    def visible(self):  # type: ignore[no-untyped-def]
        q = self.request.query_params.get("q", "")[:60] if self.action == "list" else ""
        return selectors.employers_visible(user=self.request.user, q=q)


class DeclarationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    required_permission = Perm.EMPLOYMENT_VIEW
    lookup_url_kwarg = "declaration_id"
    action_permissions = {"review": Perm.EMPLOYMENT_MANAGE}

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return DeclarationSerializer if self.action == "list" else DeclarationDetailSerializer

    def visible(self):  # type: ignore[no-untyped-def]
        if self.action != "list":
            return selectors.declarations_visible(user=self.request.user).select_related("rule", "wage")
        params = self.request.query_params
        year = query_int(self.request, "year", low=2000, high=2100)
        st = params.get("status", "")
        src = params.get("source", "")
        return selectors.declarations_visible(
            user=self.request.user,
            year=year,
            status=st if st in DeclarationStatus.values else "",
            source=src if src in DeclarationSource.values else "",
        )

    @extend_schema(request=None, responses=DeclarationDetailSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, declaration_id: Any = None) -> Response:
        declaration = self.get_object()
        reviewed = actions.declaration_review(actor=request.user, declaration_id=declaration.pk)
        return Response(
            DeclarationDetailSerializer(
                selectors.declaration_get(user=request.user, declaration_id=reviewed.pk)
            ).data
        )


class EmploymentStatusSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    id_number = serializers.CharField(
        source="person.masked_id", read_only=True, help_text="Masked ID number."
    )

    class Meta:
        model = EmploymentStatus
        fields = [
            "id",
            "person",
            "person_name",
            "id_number",
            "status",
            "employer",
            "employer_name",
            "post",
            "started_on",
            "ended_on",
            "source",
            "note",
        ]
        read_only_fields = fields


class StatusWriteSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    status = serializers.ChoiceField(choices=WorkStatus.choices)
    started_on = serializers.DateField()
    employer = serializers.IntegerField(required=False, allow_null=True)
    employer_name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    post = serializers.CharField(required=False, allow_blank=True, max_length=60)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class TrainingRecordSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    id_number = serializers.CharField(
        source="person.masked_id", read_only=True, help_text="Masked ID number."
    )

    class Meta:
        model = TrainingRecord
        fields = [
            "id",
            "person",
            "person_name",
            "id_number",
            "course",
            "provider",
            "hours",
            "started_on",
            "ended_on",
            "certificate_obtained",
            "certificate_name",
            "funding",
            "source",
        ]
        read_only_fields = fields


class TrainingWriteSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    course = serializers.CharField(max_length=100)
    provider = serializers.CharField(required=False, allow_blank=True, max_length=100)
    hours = serializers.DecimalField(max_digits=6, decimal_places=1)
    started_on = serializers.DateField()
    ended_on = serializers.DateField(required=False, allow_null=True)
    certificate_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    funding = serializers.CharField(required=False, allow_blank=True, max_length=100)


class EmploymentStatusViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Employment statuses by real name: list (?person, ?status, ?current=1), retrieve, create
    (employment.manage; the person's open status ends the day before)."""

    required_permission = Perm.EMPLOYMENT_VIEW
    action_permissions = {"create": Perm.EMPLOYMENT_MANAGE}
    lookup_url_kwarg = "status_id"
    serializer_class = EmploymentStatusSerializer

    def visible(self):  # type: ignore[no-untyped-def]
        qs = selectors.statuses_visible(user=self.request.user).order_by("-started_on", "-id")
        if self.action == "list":
            person = query_int(self.request, "person", low=1)
            if person:
                qs = qs.filter(person_id=person)
            st = self.request.query_params.get("status", "")
            if st in WorkStatus.values:
                qs = qs.filter(status=st)
            if self.request.query_params.get("current") == "1":
                qs = qs.filter(ended_on__isnull=True)
        return qs

    @extend_schema(request=StatusWriteSerializer, responses={201: EmploymentStatusSerializer})
    def create(self, request: Request) -> Response:
        data = StatusWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        row = actions.employment_status_record(
            actor=request.user,
            person_id=values.pop("person"),
            employer_id=values.pop("employer", None),
            **values,
        )
        return Response(EmploymentStatusSerializer(row).data, status=201)


class TrainingRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Training records: list (?person, ?year), retrieve, create (employment.manage)."""

    required_permission = Perm.EMPLOYMENT_VIEW
    action_permissions = {"create": Perm.EMPLOYMENT_MANAGE}
    lookup_url_kwarg = "training_id"
    serializer_class = TrainingRecordSerializer

    def visible(self):  # type: ignore[no-untyped-def]
        qs = selectors.trainings_visible(user=self.request.user).order_by("-started_on", "-id")
        if self.action == "list":
            person = query_int(self.request, "person", low=1)
            if person:
                qs = qs.filter(person_id=person)
            year = query_int(self.request, "year", low=2000, high=2100)
            if year:
                qs = qs.filter(started_on__year=year)
        return qs

    @extend_schema(request=TrainingWriteSerializer, responses={201: TrainingRecordSerializer})
    def create(self, request: Request) -> Response:
        data = TrainingWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        row = actions.training_record(actor=request.user, person_id=values.pop("person"), **values)
        return Response(TrainingRecordSerializer(row).data, status=201)


def register(router: Any) -> None:
    """Called by config/api.py."""
    router.register("employment/employers", EmployerViewSet, basename="employment-employer")
    router.register("employment/declarations", DeclarationViewSet, basename="employment-declaration")
    router.register("employment/statuses", EmploymentStatusViewSet, basename="employment-status")
    router.register("employment/trainings", TrainingRecordViewSet, basename="employment-training")
