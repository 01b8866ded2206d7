"""API of recovery items (追缴). ``register(router)`` is called by canlian.config.api.

``recoveries``: list/retrieve (payments.view; filters ``program`` (code), ``status``), ``resolve``
(payments.generate for "recovered", payments.approve for "waived" with a reason). Identities masked."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.permissions import Perm
from canlian.platform.api import ScopedViewSet
from canlian.platform.errors import MalformedInput
from canlian.programs.choices import RecoveryStatus
from canlian.programs.models import RecoveryItem, RecoveryLine
from canlian.programs.recoveries.actions import recovery_resolve


class RecoveryLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecoveryLine
        fields = ["line", "period", "paid", "due", "amount"]


class RecoveryItemSerializer(serializers.ModelSerializer):
    program = serializers.CharField(source="program.code", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    id_number = serializers.CharField(source="person.masked_id", read_only=True)
    lines = RecoveryLineSerializer(many=True, read_only=True)

    class Meta:
        model = RecoveryItem
        fields = [
            "id",
            "program",
            "enrollment",
            "person",
            "person_name",
            "id_number",
            "region_code",
            "months",
            "amount",
            "reason",
            "status",
            "detected_on",
            "resolved_on",
            "resolution_note",
            "lines",
        ]


class ResolveSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[RecoveryStatus.RECOVERED, RecoveryStatus.WAIVED])
    on = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)

    class Meta:
        ref_name = "RecoveryResolve"  # another app has a ResolveSerializer


class RecoveryItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Recovery items in the caller's scope, newest first."""

    scoped_model = RecoveryItem
    serializer_class = RecoveryItemSerializer
    required_permission = Perm.PAYMENTS_VIEW
    action_permissions = {"resolve": Perm.PAYMENTS_GENERATE}
    lookup_url_kwarg = "item_id"

    def refine_queryset(self, queryset):  # type: ignore[no-untyped-def]
        queryset = queryset.select_related("program", "person").prefetch_related("lines")
        params = self.request.query_params
        if params.get("program"):
            queryset = queryset.filter(program__code=params["program"])
        if params.get("status"):
            if params["status"] not in RecoveryStatus.values:
                raise MalformedInput("Unknown status.", field="status")
            queryset = queryset.filter(status=params["status"])
        return queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("program", OpenApiTypes.STR),
            OpenApiParameter("status", OpenApiTypes.STR, enum=list(RecoveryStatus.values)),
        ]
    )
    def list(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ResolveSerializer, responses=RecoveryItemSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, item_id: str | None = None) -> Response:
        item = self.get_object()
        payload = ResolveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        item = recovery_resolve(
            actor=request.user,
            item_id=item.pk,
            status=data["status"],
            on=data.get("on"),
            note=data.get("note", ""),
        )
        return Response(RecoveryItemSerializer(item).data)


def register(router: Any) -> None:
    router.register("recoveries", RecoveryItemViewSet, basename="recovery")
