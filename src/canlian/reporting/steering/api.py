"""API of the steering layer, under /api/v1/ (``register(router)`` is called by canlian.config.api):

- ``indicators``: the indicators the caller may see (code, name, area, unit, period);
- ``indicator-values`` (?indicator=&region=&year=&month=): the figures of a region and of its
  sub-regions (value, numerator, denominator, target, progress, status, as of);
- ``targets``: list (?year=&region=&indicator=), retrieve, create, update, partial update, delete,
  through the actions (a rate target is sent as a percentage, "98" or "98%", and returned both as the
  stored fraction ``value`` and as ``display``);
- ``bulletins`` (?kind=&year=&period=&region=&scheme=): the ranking and the sentences.

Scope like the pages: a county reads its own and its townships' figures and targets, never a sibling
county's (another region is a 404).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.permissions import Perm
from canlian.core.regions.models import Region
from canlian.platform.api import HasCanlianPermission, ScopedViewSet, region_filter
from canlian.platform.errors import NotFound
from canlian.platform.indicators import get_indicator
from canlian.reporting.models import BulletinKind, Target
from canlian.reporting.steering import targets as actions
from canlian.reporting.steering.bulletins import bulletin
from canlian.reporting.steering.selectors import (
    Figure,
    check_region,
    child_regions,
    current_month,
    default_region,
    figures,
    indicators_visible,
)


def _number(value: Any) -> str | None:
    return None if value is None else str(value)


class IndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    area = serializers.CharField()
    unit = serializers.CharField()
    period = serializers.CharField()
    lower_is_better = serializers.BooleanField()
    description = serializers.CharField()


class IndicatorViewSet(viewsets.ViewSet):
    """The indicators the caller may see (steering.view and each indicator's own permission)."""

    permission_classes = [permissions.IsAuthenticated, HasCanlianPermission]
    required_permission = Perm.STEERING_VIEW

    @extend_schema(responses=IndicatorSerializer(many=True))
    def list(self, request: Request) -> Response:
        rows = [
            {
                "code": i.code,
                "name": str(i.name),
                "area": str(i.area),
                "unit": str(i.unit),
                "period": str(i.period),
                "lower_is_better": i.lower_is_better,
                "description": str(i.description),
            }
            for i in indicators_visible(user=request.user)
        ]
        return Response(IndicatorSerializer(rows, many=True).data)


class ValuesQuerySerializer(serializers.Serializer):
    indicator = serializers.CharField(required=False, allow_blank=True, help_text="codes, comma separated")
    region = region_filter()
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    month = serializers.IntegerField(required=False, min_value=1, max_value=12)


def figure_dict(figure: Figure, region_name: str) -> dict[str, Any]:
    return {
        "indicator": figure.indicator.code,
        "region": figure.region_code,
        "region_name": region_name,
        "year": figure.year,
        "month": figure.month,
        "value": _number(figure.value),
        "numerator": _number(figure.numerator),
        "denominator": _number(figure.denominator),
        "previous": _number(figure.previous),
        "target": _number(figure.target),
        "progress": _number(figure.progress),
        "elapsed": _number(figure.elapsed),
        "status": str(figure.status),
        "as_of": figure.as_of.isoformat() if figure.as_of else None,
    }


class IndicatorValueViewSet(viewsets.ViewSet):
    """Figures of a region (default: the top of the caller's scope) and of its sub-regions for a
    year (default: this year) up to a month (default: this month, or December of a past year)."""

    permission_classes = [permissions.IsAuthenticated, HasCanlianPermission]
    required_permission = Perm.STEERING_VIEW

    @extend_schema(parameters=[ValuesQuerySerializer], responses=OpenApiTypes.OBJECT)
    def list(self, request: Request) -> Response:
        params = ValuesQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        user = request.user
        today = timezone.localdate()
        region_code = data.get("region") or default_region(user=user)
        check_region(user=user, region_code=region_code)
        year = data.get("year") or today.year
        month = data.get("month") or current_month(year, today)
        wanted = [c.strip() for c in (data.get("indicator") or "").split(",") if c.strip()]
        indicators = indicators_visible(user=user)
        if wanted:
            known = {i.code for i in indicators}
            if any(code not in known for code in wanted):
                raise NotFound()
            indicators = [i for i in indicators if i.code in wanted]
        children = child_regions(region_code, today)
        names = {c.code: c.name for c in children}
        if region_code:
            names[region_code] = (
                Region.objects.filter(code=region_code).values_list("name", flat=True).first() or region_code
            )
        codes = [region_code, *[c.code for c in children]]
        found = figures(user=user, regions=codes, year=year, month=month, indicators=indicators, today=today)
        return Response(
            {
                "region": region_code,
                "year": year,
                "month": month,
                "results": [
                    figure_dict(found[(i.code, code)], names.get(code, ""))
                    for i in indicators
                    for code in codes
                ],
            }
        )


class TargetSerializer(serializers.ModelSerializer):
    display = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()
    set_by = serializers.SerializerMethodField()

    class Meta:
        model = Target
        fields = [
            "id",
            "indicator",
            "unit",
            "region_code",
            "year",
            "value",
            "display",
            "note",
            "set_by",
            "set_at",
        ]
        read_only_fields = fields

    def get_display(self, obj: Target) -> str:
        try:
            return actions.display_value(get_indicator(obj.indicator), obj.value)
        except LookupError:
            return str(obj.value)

    def get_unit(self, obj: Target) -> str:
        try:
            return str(get_indicator(obj.indicator).unit)
        except LookupError:
            return ""

    def get_set_by(self, obj: Target) -> str:
        return obj.set_by.username if obj.set_by is not None else "system"


class TargetCreateSerializer(serializers.Serializer):
    indicator = serializers.CharField(max_length=60)
    region_code = serializers.CharField(max_length=12, allow_blank=True)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    value = serializers.CharField(max_length=30, help_text="a rate as a percentage: 98 or 98%; yuan; a count")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class TargetUpdateSerializer(serializers.Serializer):
    value = serializers.CharField(max_length=30, required=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class TargetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Yearly targets of the caller's regions (?year=, ?region= a subtree, ?indicator=); writes
    need steering.targets over the target's region."""

    serializer_class = TargetSerializer
    scoped_model = Target
    required_permission = Perm.STEERING_VIEW
    lookup_url_kwarg = "target_id"
    action_permissions = {
        "create": Perm.STEERING_TARGETS,
        "update": Perm.STEERING_TARGETS,
        "partial_update": Perm.STEERING_TARGETS,
        "destroy": Perm.STEERING_TARGETS,
    }

    def visible(self):  # type: ignore[no-untyped-def]
        user = self.request.user
        rows = Target.objects.for_user(user, self.action_permission() or Perm.STEERING_VIEW).filter(
            indicator__in=[i.code for i in indicators_visible(user=user)]
        )
        if self.action != "list":
            return rows
        params = self.request.query_params
        if params.get("year", "").isdigit():
            rows = rows.filter(year=int(params["year"]))
        if params.get("region"):
            rows = rows.filter(region_code__startswith=params["region"])
        if params.get("indicator"):
            rows = rows.filter(indicator=params["indicator"])
        return rows

    def refine_queryset(self, queryset):  # type: ignore[no-untyped-def]
        return queryset.select_related("set_by")

    @extend_schema(request=TargetCreateSerializer, responses=TargetSerializer)
    def create(self, request: Request) -> Response:
        data = TargetCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = actions.target_set(actor=request.user, **data.validated_data)
        return Response(TargetSerializer(target).data, status=status.HTTP_201_CREATED)

    def _change(self, request: Request, *, partial: bool) -> Response:
        target = self.get_object()
        data = TargetUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if not partial and "value" not in values:
            raise serializers.ValidationError({"value": ["This field is required."]})
        try:
            current = actions.display_value(get_indicator(target.indicator), target.value)
        except LookupError:
            raise NotFound() from None
        target = actions.target_set(
            actor=request.user,
            indicator=target.indicator,
            region_code=target.region_code,
            year=target.year,
            value=values.get("value", current),
            note=values.get("note", target.note if partial else ""),
        )
        return Response(TargetSerializer(target).data)

    @extend_schema(request=TargetUpdateSerializer, responses=TargetSerializer)
    def update(self, request: Request, target_id: Any = None) -> Response:
        return self._change(request, partial=False)

    @extend_schema(request=TargetUpdateSerializer, responses=TargetSerializer)
    def partial_update(self, request: Request, target_id: Any = None) -> Response:
        return self._change(request, partial=True)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, target_id: Any = None) -> Response:
        target = self.get_object()
        actions.target_remove(actor=request.user, target_id=target.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BulletinQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=BulletinKind.choices, required=False, default=BulletinKind.QUARTERLY
    )
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    period = serializers.IntegerField(required=False, min_value=1, max_value=12, help_text="month or quarter")
    region = region_filter()
    scheme = serializers.IntegerField(required=False)


class BulletinViewSet(viewsets.ViewSet):
    """A bulletin of a region (default: the top of the caller's scope): the sentences by area, the
    sub-regions ranked by the scheme's weighted score, the lagging ones."""

    permission_classes = [permissions.IsAuthenticated, HasCanlianPermission]
    required_permission = Perm.STEERING_VIEW

    @extend_schema(parameters=[BulletinQuerySerializer], responses=OpenApiTypes.OBJECT)
    def list(self, request: Request) -> Response:
        params = BulletinQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        result = bulletin(
            user=request.user,
            region_code=data.get("region") or default_region(user=request.user),
            year=data.get("year") or timezone.localdate().year,
            period_kind=data["kind"],
            period=data.get("period"),
            scheme_id=data.get("scheme"),
        )
        return Response(result.as_dict())


def register(router: Any) -> None:
    """Register the steering viewsets on the /api/v1/ router."""
    router.register("indicators", IndicatorViewSet, basename="indicator")
    router.register("indicator-values", IndicatorValueViewSet, basename="indicator-value")
    router.register("targets", TargetViewSet, basename="target")
    router.register("bulletins", BulletinViewSet, basename="bulletin")
