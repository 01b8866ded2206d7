"""API of settlement rules and batches. ``register(router)`` is called by rehab.api.

- ``rehab/settlement-rules``: list (?family, ?current=1), retrieve (rehab.view), create = save a rule
  from a month (rehab.manage; the open rule with the same keys is closed the month before);
- ``rehab/settlement-batches``: list (?status, ?institution, ?year), retrieve (rehab.view; institution
  staff their own institution's), create = generate (settlements.generate), ``approve``
  (settlements.approve, not the generator), ``paid`` (settlements.generate), ``lines`` (rehab.view;
  each with its explanation).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.permissions import Perm
from canlian.domains.rehab.choices import BelowThreshold, RuleFamily, TrainingMode
from canlian.domains.rehab.models import SettlementBatch, SettlementLine, SettlementRule
from canlian.domains.rehab.settlement import actions, selectors
from canlian.domains.rehab.settlement.rules import explain
from canlian.platform.api import ScopedViewSet


class RuleSerializer(serializers.ModelSerializer):
    class Meta:
        ref_name = "SettlementRule"  # a component name of its own (another app has a RuleSerializer)
        model = SettlementRule
        fields = [
            "id",
            "region_code",
            "valid_from",
            "valid_to",
            "family",
            "age_min",
            "age_max",
            "categories",
            "mode",
            "amount",
            "transport_amount",
            "min_days",
            "below_threshold",
            "max_months",
            "max_years",
            "note",
        ]
        read_only_fields = fields


class RuleCreateSerializer(serializers.Serializer):
    region_code = serializers.CharField(required=False, allow_blank=True, max_length=12)
    valid_from = serializers.CharField(max_length=10, help_text="YYYY-MM (or a date in the month)")
    valid_to = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=10)
    family = serializers.ChoiceField(choices=RuleFamily.choices)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    transport_amount = serializers.DecimalField(max_digits=10, decimal_places=2, required=False)
    min_days = serializers.IntegerField(required=False, min_value=0, max_value=366)
    below_threshold = serializers.ChoiceField(choices=BelowThreshold.choices, required=False)
    max_months = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=12)
    max_years = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=18)
    age_min = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=18)
    age_max = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=18)
    categories = serializers.CharField(required=False, allow_blank=True, max_length=10)
    mode = serializers.ChoiceField(choices=TrainingMode.choices, required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class BatchSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)

    class Meta:
        model = SettlementBatch
        fields = [
            "id",
            "institution",
            "institution_name",
            "region_code",
            "period_start",
            "period_end",
            "status",
            "line_count",
            "total_amount",
            "generated_by",
            "generated_at",
            "approved_by",
            "approved_at",
            "paid_on",
        ]
        read_only_fields = fields


class BatchGenerateSerializer(serializers.Serializer):
    institution = serializers.IntegerField()
    period_start = serializers.CharField(max_length=10, help_text="YYYY-MM")
    period_end = serializers.CharField(max_length=10, help_text="YYYY-MM")


class BatchPaidSerializer(serializers.Serializer):
    paid_on = serializers.DateField(required=False)


class LineSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    person_id_masked = serializers.CharField(source="person.masked_id", read_only=True)
    explanation = serializers.SerializerMethodField()

    class Meta:
        model = SettlementLine
        fields = [
            "id",
            "plan",
            "person",
            "person_name",
            "person_id_masked",
            "rule",
            "family",
            "days",
            "year_days",
            "months",
            "training_amount",
            "transport_amount",
            "already_paid",
            "amount",
            "detail",
            "explanation",
        ]
        read_only_fields = fields

    def get_explanation(self, obj: SettlementLine) -> str:
        return explain(obj.detail)


class SettlementRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Settlement rules applying in the caller's regions (their own and the wider ones above)."""

    required_permission = Perm.REHAB_VIEW
    serializer_class = RuleSerializer
    lookup_url_kwarg = "rule_id"
    action_permissions = {"create": Perm.REHAB_MANAGE}

    def visible(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        family = params.get("family", "") if self.action == "list" else ""
        return selectors.rules_visible(
            user=self.request.user,
            family=family if family in RuleFamily.values else "",
            current_only=self.action == "list" and params.get("current") == "1",
            on=timezone.localdate(),
        ).order_by("-id")

    @extend_schema(request=RuleCreateSerializer, responses=RuleSerializer)
    def create(self, request: Request) -> Response:
        data = RuleCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule = actions.settlement_rule_save(actor=request.user, **data.validated_data)
        return Response(RuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class SettlementBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Settlement batches the caller may see (institution staff: their own institution's)."""

    required_permission = Perm.REHAB_VIEW
    serializer_class = BatchSerializer
    lookup_url_kwarg = "batch_id"
    action_permissions = {
        "create": Perm.SETTLEMENTS_GENERATE,
        "approve": Perm.SETTLEMENTS_APPROVE,
        "paid": Perm.SETTLEMENTS_GENERATE,
    }

    def visible(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params if self.action == "list" else {}
        return selectors.batches_visible(
            user=self.request.user,
            status=params.get("status", ""),
            institution_id=params.get("institution"),
            year=params.get("year"),
            action=self.action_permission() or Perm.REHAB_VIEW,
        ).order_by("-id")

    @extend_schema(request=BatchGenerateSerializer, responses=BatchSerializer)
    def create(self, request: Request) -> Response:
        data = BatchGenerateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = actions.batch_generate(
            actor=request.user,
            institution_id=data.validated_data["institution"],
            period_start=data.validated_data["period_start"],
            period_end=data.validated_data["period_end"],
        )
        return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=BatchSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, batch_id: Any = None) -> Response:
        batch = self.get_object()
        batch = actions.batch_approve(actor=request.user, batch_id=batch.pk)
        return Response(BatchSerializer(batch).data)

    @extend_schema(request=BatchPaidSerializer, responses=BatchSerializer)
    @action(detail=True, methods=["post"])
    def paid(self, request: Request, batch_id: Any = None) -> Response:
        batch = self.get_object()
        data = BatchPaidSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = actions.batch_mark_paid(
            actor=request.user, batch_id=batch.pk, paid_on=data.validated_data.get("paid_on")
        )
        return Response(BatchSerializer(batch).data)

    @extend_schema(responses=LineSerializer(many=True))
    @action(detail=True, methods=["get"])
    def lines(self, request: Request, batch_id: Any = None) -> Response:
        batch = self.get_object()
        qs = SettlementLine.objects.filter(batch=batch).select_related("person").order_by("id")
        page = self.paginate_queryset(qs)
        if page is not None:
            return self.get_paginated_response(LineSerializer(page, many=True).data)
        return Response(LineSerializer(qs, many=True).data)


def register(router: Any) -> None:
    router.register("rehab/settlement-rules", SettlementRuleViewSet, basename="rehab-settlement-rule")
    router.register("rehab/settlement-batches", SettlementBatchViewSet, basename="rehab-settlement-batch")
