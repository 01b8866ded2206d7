"""API of reporting. ``register(router)`` is called by canlian.config.api."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.permissions import Perm
from canlian.platform.access import region_in_scope
from canlian.platform.api import HasCanlianPermission, region_filter
from canlian.platform.errors import ValidationFailed
from canlian.reporting.rehab_figures import default_period, rehab_figures


class RehabFiguresQuerySerializer(serializers.Serializer):
    region = region_filter()
    # "from" is a keyword: the field is declared under its query name below.
    to = serializers.DateField(required=False, help_text="YYYY-MM-DD (default: 31 December)")

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False, help_text="YYYY-MM-DD (default: 1 January)")
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        first, _last = default_period()
        start = attrs.get("from") or (attrs["to"].replace(month=1, day=1) if attrs.get("to") else first)
        end = attrs.get("to") or dt.date(start.year, 12, 31)
        if end < start:
            raise serializers.ValidationError({"to": _("The period ends before it starts.")}, code="refused")
        if (end - start).days > 366 * 5:
            raise serializers.ValidationError(
                {"to": _("Choose a period of at most five years.")}, code="refused"
            )
        attrs["from"], attrs["to"] = start, end
        return attrs


class RehabFiguresViewSet(viewsets.ViewSet):
    """Children's rehabilitation and supervision figures for a region (blank = the caller's scope)
    and a period of days (default this year), with the report sentence. Definitions:
    canlian.reporting.rehab_figures."""

    permission_classes = [permissions.IsAuthenticated, HasCanlianPermission]
    required_permission = Perm.REHAB_VIEW

    @extend_schema(parameters=[RehabFiguresQuerySerializer], responses=OpenApiTypes.OBJECT)
    def list(self, request: Request) -> Response:
        params = RehabFiguresQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        region = params.validated_data.get("region", "") or ""
        if region and not region_in_scope(request.user, Perm.REHAB_VIEW, region):
            raise ValidationFailed(_("Choose a region inside your scope."), field="region")
        figures = rehab_figures(
            user=request.user,
            region=region,
            first=params.validated_data["from"],
            last=params.validated_data["to"],
        )
        return Response(figures.as_dict())


def register(router: Any) -> None:
    router.register("reports/rehab-figures", RehabFiguresViewSet, basename="rehab-figures")
