"""API of the program engine: payment cycles and lines. ``register(router)`` is called by
canlian.config.api.

``payment-cycles``: list/retrieve (payments.view); create = generate (payments.generate; one
set-based transaction, a re-run adds only missing lines); ``approve`` (payments.approve, not by the
generator); ``export`` (payments.export; the bank file, audited); ``results`` (payments.generate;
the bank's result file, all or nothing). ``payment-lines``: list/retrieve, filters ``cycle``,
``person``, ``period`` (YYYY-MM), ``status``, ``kind``. Identities are masked."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.permissions import Perm
from canlian.core.registry.identity import mask_id
from canlian.platform.api import (
    MONTH_PATTERN,
    REGION_CODE_PATTERN,
    ScopedViewSet,
    UploadField,
    choice_filter,
    id_filter,
    month_filter,
    read_query,
    text_filter,
)
from canlian.platform.errors import ValidationFailed
from canlian.platform.inputs import as_month
from canlian.platform.tabular import read_table
from canlian.programs.choices import CycleStatus, LineKind, LineStatus
from canlian.programs.cycles import actions, selectors
from canlian.programs.models import PaymentCycle, PaymentLine


class PaymentCycleSerializer(serializers.ModelSerializer):
    program = serializers.CharField(source="program.code", read_only=True)
    generated_by = serializers.CharField(source="generated_by.username", read_only=True, default=None)
    approved_by = serializers.CharField(source="approved_by.username", read_only=True, default=None)

    class Meta:
        model = PaymentCycle
        fields = [
            "id",
            "program",
            "region_code",
            "month",
            "status",
            "line_count",
            "total_amount",
            "generated_by",
            "generated_at",
            "approved_by",
            "approved_at",
            "exported_at",
            "closed_at",
            "note",
        ]


class PaymentCycleDetailSerializer(PaymentCycleSerializer):
    totals = serializers.SerializerMethodField()

    class Meta(PaymentCycleSerializer.Meta):
        fields = [*PaymentCycleSerializer.Meta.fields, "totals"]

    def get_totals(self, cycle: PaymentCycle) -> list[dict[str, Any]]:
        return [
            {"kind": r["kind"], "status": r["status"], "count": r["count"], "amount": str(r["amount"])}
            for r in selectors.cycle_totals(cycle=cycle).rows
        ]


class CycleFilters(serializers.Serializer):
    program = text_filter("Program code", max_length=40)
    month = month_filter()
    status = choice_filter(CycleStatus.choices)


class LineFilters(serializers.Serializer):
    cycle = id_filter()
    person = id_filter()
    period = month_filter()
    status = choice_filter(LineStatus.choices)
    kind = choice_filter(LineKind.choices)


class GenerateSerializer(serializers.Serializer):
    program = serializers.CharField()
    region_code = serializers.RegexField(REGION_CODE_PATTERN)
    month = serializers.RegexField(MONTH_PATTERN, help_text="YYYY-MM")


class GenerateResultSerializer(serializers.Serializer):
    cycle = PaymentCycleSerializer()
    written = serializers.IntegerField()
    no_standard = serializers.IntegerField()
    by_kind = serializers.DictField(child=serializers.IntegerField())


class ResultsUploadSerializer(serializers.Serializer):
    file = UploadField()


class PaymentLineSerializer(serializers.ModelSerializer):
    program = serializers.CharField(source="program.code", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    id_number = serializers.SerializerMethodField()

    class Meta:
        model = PaymentLine
        fields = [
            "id",
            "cycle",
            "program",
            "enrollment",
            "person",
            "person_name",
            "id_number",
            "region_code",
            "period",
            "amount",
            "standard",
            "kind",
            "status",
            "reissue_of",
            "paid_on",
            "failure_reason",
        ]

    def get_id_number(self, line: PaymentLine) -> str:
        return mask_id(line.person.id_number)


class PaymentCycleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Payment cycles in the caller's scope; filters ``program`` (code), ``month`` (YYYY-MM), ``status``."""

    scoped_model = PaymentCycle
    serializer_class = PaymentCycleSerializer
    required_permission = Perm.PAYMENTS_VIEW
    action_permissions = {
        "create": Perm.PAYMENTS_GENERATE,
        "approve": Perm.PAYMENTS_APPROVE,
        "export": Perm.PAYMENTS_EXPORT,
        "results": Perm.PAYMENTS_GENERATE,
    }
    lookup_url_kwarg = "cycle_id"
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return PaymentCycleDetailSerializer if self.action == "retrieve" else PaymentCycleSerializer

    def refine_queryset(self, queryset):  # type: ignore[no-untyped-def]
        queryset = queryset.select_related("program", "generated_by", "approved_by")
        if self.action != "list":
            return queryset
        params = read_query(self.request, CycleFilters)
        if "program" in params:
            queryset = queryset.filter(program__code=params["program"])
        if "month" in params:
            queryset = queryset.filter(month=as_month(params["month"], "month"))
        if "status" in params:
            queryset = queryset.filter(status=params["status"])
        return queryset

    @extend_schema(parameters=[CycleFilters])
    def list(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        return super().list(request, *args, **kwargs)

    @extend_schema(request=GenerateSerializer, responses={201: GenerateResultSerializer})
    def create(self, request: Request) -> Response:
        payload = GenerateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        result = actions.cycle_generate(
            actor=request.user,
            program_code=data["program"],
            region_code=data["region_code"],
            month=as_month(data["month"], "month"),
        )
        body = {
            "cycle": PaymentCycleSerializer(result.cycle).data,
            "written": result.created,
            "no_standard": result.no_standard,
            "by_kind": result.by_kind,
        }
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=PaymentCycleSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, cycle_id: str | None = None) -> Response:
        cycle = self.get_object()
        cycle = actions.cycle_approve(actor=request.user, cycle_id=cycle.pk)
        return Response(PaymentCycleSerializer(cycle).data)

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("fmt", OpenApiTypes.STR, enum=["xlsx", "csv"])],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["post"])
    def export(self, request: Request, cycle_id: str | None = None) -> HttpResponse:
        cycle = self.get_object()
        fmt = request.query_params.get("fmt") or (
            request.data.get("fmt") if hasattr(request.data, "get") else None
        )
        data, name = actions.cycle_export(actor=request.user, cycle_id=cycle.pk, fmt=fmt or "xlsx")
        content_type = (
            "text/csv; charset=utf-8"
            if name.endswith(".csv")
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @extend_schema(request={"multipart/form-data": ResultsUploadSerializer}, responses=PaymentCycleSerializer)
    @action(detail=True, methods=["post"])
    def results(self, request: Request, cycle_id: str | None = None) -> Response:
        cycle = self.get_object()
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed("Upload the bank's result file as 'file'.", field="file")
        suffix = Path(upload.name).suffix.lower()
        with tempfile.NamedTemporaryFile(suffix=suffix) as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
            fh.flush()
            table = read_table(fh.name, name=upload.name)
            outcome = actions.cycle_record_results(actor=request.user, cycle_id=cycle.pk, table=table)
        body = dict(PaymentCycleSerializer(outcome.cycle).data)
        body.update(paid=outcome.paid, failed=outcome.failed, pending=outcome.pending)
        return Response(body)


class PaymentLineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Payment lines in the caller's scope (by the line's region), IDs masked."""

    scoped_model = PaymentLine
    serializer_class = PaymentLineSerializer
    required_permission = Perm.PAYMENTS_VIEW
    lookup_url_kwarg = "line_id"

    def refine_queryset(self, queryset):  # type: ignore[no-untyped-def]
        queryset = queryset.select_related("person", "program")
        params = read_query(self.request, LineFilters)
        if "cycle" in params:
            queryset = queryset.filter(cycle_id=params["cycle"])
        if "person" in params:
            queryset = queryset.filter(person_id=params["person"])
        if "period" in params:
            queryset = queryset.filter(period=as_month(params["period"], "period"))
        for name in ("status", "kind"):
            if name in params:
                queryset = queryset.filter(**{name: params[name]})
        return queryset

    @extend_schema(parameters=[LineFilters])
    def list(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        return super().list(request, *args, **kwargs)


def register(router: Any) -> None:
    router.register("payment-cycles", PaymentCycleViewSet, basename="payment-cycle")
    router.register("payment-lines", PaymentLineViewSet, basename="payment-line")
