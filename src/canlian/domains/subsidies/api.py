"""API of the two subsidies. ``register(router)`` is called by canlian.config.api."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.permissions import Perm
from canlian.domains.subsidies.forms import default_months
from canlian.domains.subsidies.statistics import subsidy_statistics
from canlian.platform.access import region_in_scope
from canlian.platform.api import HasCanlianPermission, month_filter, region_filter
from canlian.platform.errors import ValidationFailed


class StatisticsQuerySerializer(serializers.Serializer):
    region = region_filter()
    start = month_filter("YYYY-MM (default: January)")
    end = month_filter("YYYY-MM (default: this month)")

    def _month(self, value: str | None) -> dt.date | None:
        if not value:
            return None
        try:
            return dt.datetime.strptime(value, "%Y-%m").date()
        except ValueError as exc:
            raise serializers.ValidationError("YYYY-MM") from exc

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        first, last = default_months()
        start = self._month(attrs.get("start")) or first
        end = self._month(attrs.get("end")) or max(start, last)
        if end < start:
            raise serializers.ValidationError(
                {"end": _("The last month comes before the first.")}, code="refused"
            )
        attrs["start"], attrs["end"] = start, end
        return attrs


class SubsidyStatisticsViewSet(viewsets.ViewSet):
    """People, person-times and amounts of the two subsidies for a region (blank = the caller's
    scope) and a range of cycle months, per subsidy and per township, with the report sentence.
    Counts lines that did not fail in cycles approved or later."""

    permission_classes = [permissions.IsAuthenticated, HasCanlianPermission]
    required_permission = Perm.ENROLLMENTS_VIEW

    @extend_schema(parameters=[StatisticsQuerySerializer])
    def list(self, request: Request) -> Response:
        params = StatisticsQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        region = params.validated_data.get("region", "") or ""
        if region and not region_in_scope(request.user, Perm.ENROLLMENTS_VIEW, region):
            raise ValidationFailed(_("Choose a region inside your scope."), field="region")
        stats = subsidy_statistics(
            user=request.user,
            region=region,
            first=params.validated_data["start"],
            last=params.validated_data["end"],
        )
        return Response(stats.as_dict())


def register(router: Any) -> None:
    router.register("subsidies/statistics", SubsidyStatisticsViewSet, basename="subsidy-statistics")
