from __future__ import annotations

from typing import Any

from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.permissions import Perm
from canlian.core.regions.models import Region, RegionQuerySet
from canlian.platform.api import ScopedViewSet, query_int


class RegionSerializer(serializers.ModelSerializer):
    statistical_code = serializers.CharField(read_only=True)
    parent_code = serializers.CharField(source="parent.code", read_only=True, default=None)

    class Meta:
        model = Region
        fields = [
            "code",
            "statistical_code",
            "name",
            "level",
            "parent_code",
            "valid_from",
            "valid_to",
            "source",
        ]


class RegionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Regions in the caller's scope. Filter with ``parent``, ``level``, ``active=1``."""

    scoped_model = Region
    serializer_class = RegionSerializer
    required_permission = Perm.REGIONS_VIEW
    lookup_field = "code"
    lookup_url_kwarg = "code"
    ordering = "code"

    def refine_queryset(self, queryset: RegionQuerySet) -> RegionQuerySet:
        params = self.request.query_params
        if params.get("parent"):
            queryset = queryset.filter(parent__code=params["parent"])
        level = query_int(self.request, "level", low=1, high=5)
        if level is not None:
            queryset = queryset.filter(level=level)
        if params.get("active") == "1":
            queryset = queryset.active()
        return queryset.select_related("parent")

    @action(detail=True, methods=["get"])
    def children(self, request: Request, code: str | None = None) -> Response:
        region = self.get_object()
        children = self.get_queryset().filter(parent=region).active().order_by("code")
        return Response(RegionSerializer(children, many=True).data)


def register(router: Any) -> None:
    router.register("regions", RegionViewSet, basename="region")
