"""API of the working-day calendar. ``register(router)`` is called by canlian.config.api.

- ``calendar/years/``: list the known years (calendar.view); retrieve one with its listed days
  (``calendar/years/{calendar_year}/``);
- ``calendar/days/``: list listed days (?year, calendar.view); create = set a day (date, kind, name;
  calendar.manage: adds it or changes its kind/name); ``remove`` (POST {date}, calendar.manage);
  ``import`` (POST multipart: file, optional year; calendar.manage; all or nothing, 400 with every bad
  row in ``details``);
- ``calendar/deadlines/``: the provisional deadlines of the caller's region (?status=open (default),
  recomputed, superseded or all).

The years and days are national reference data; the deadlines are read through ``for_user``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.calendar import actions, selectors
from canlian.core.calendar.choices import DayKind, DeadlineStatus
from canlian.core.calendar.importing import NAME_MAX, YEARS
from canlian.core.calendar.models import CalendarDay, CalendarYear, ProvisionalDeadline
from canlian.core.permissions import Perm
from canlian.platform.api import HasCanlianPermission, ScopedViewSet, UploadField
from canlian.platform.errors import MalformedInput
from canlian.platform.pagination import KeysetPagination

# --- serializers -----------------------------------------------------------------------------------


class CalendarDaySerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="year_id", read_only=True)

    class Meta:
        model = CalendarDay
        fields = ["date", "year", "kind", "name"]
        read_only_fields = fields


class CalendarYearSerializer(serializers.ModelSerializer):
    holidays = serializers.IntegerField(read_only=True)
    workdays = serializers.IntegerField(read_only=True)
    loaded_by = serializers.CharField(
        source="loaded_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = CalendarYear
        fields = ["year", "source", "loaded_at", "loaded_by", "updated_at", "holidays", "workdays"]
        read_only_fields = fields


class CalendarYearDetailSerializer(CalendarYearSerializer):
    days = CalendarDaySerializer(many=True, read_only=True)

    class Meta(CalendarYearSerializer.Meta):
        fields = [*CalendarYearSerializer.Meta.fields, "days"]
        read_only_fields = fields


class DaySetSerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=DayKind.choices)
    name = serializers.CharField(max_length=NAME_MAX, required=False, allow_blank=True, default="")


class DayRemoveSerializer(serializers.Serializer):
    date = serializers.DateField()


class ImportSerializer(serializers.Serializer):
    file = UploadField()
    year = serializers.IntegerField(min_value=YEARS[0], max_value=YEARS[1], required=False)


class ImportResultSerializer(serializers.Serializer):
    years = serializers.ListField(child=serializers.IntegerField())
    holidays = serializers.IntegerField()
    workdays = serializers.IntegerField()
    recomputed = serializers.IntegerField()


class ProvisionalDeadlineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProvisionalDeadline
        fields = [
            "id",
            "target_type",
            "target_id",
            "field",
            "object_repr",
            "region_code",
            "start",
            "days",
            "not_before",
            "computed_on",
            "missing_years",
            "status",
            "final_on",
            "created_at",
            "resolved_at",
        ]
        read_only_fields = fields


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- viewsets --------------------------------------------------------------------------------------


class _ReferenceViewSet(viewsets.GenericViewSet):
    """National reference data: the permission decides, there is no region scope."""

    permission_classes = [permissions.IsAuthenticated, HasCanlianPermission]
    required_permission = Perm.CALENDAR_VIEW


class CalendarYearViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _ReferenceViewSet):
    """The known years, newest first; one year with its listed days."""

    lookup_field = "year"
    lookup_url_kwarg = "calendar_year"
    lookup_value_regex = "[0-9]{4}"
    pagination_class = None

    def get_queryset(self) -> QuerySet[CalendarYear]:
        queryset = selectors.calendar_years()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("days")
        return queryset

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return CalendarYearDetailSerializer if self.action == "retrieve" else CalendarYearSerializer


class CalendarDayViewSet(mixins.ListModelMixin, _ReferenceViewSet):
    """Listed days (holidays and make-up working days); set, remove, import."""

    serializer_class = CalendarDaySerializer
    pagination_class = None
    action_permissions = {
        "create": Perm.CALENDAR_MANAGE,
        "remove": Perm.CALENDAR_MANAGE,
        "import_schedule": Perm.CALENDAR_MANAGE,
    }

    def get_queryset(self) -> QuerySet[CalendarDay]:
        queryset = CalendarDay.objects.order_by("date")
        year = self.request.query_params.get("year")
        if year:
            if not year.isdigit() or not 1 <= int(year) <= 9999:
                raise MalformedInput(_("Give the year as four digits."), field="year")
            queryset = queryset.filter(year_id=int(year))
        return queryset

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "year", {"type": "integer", "minimum": 1, "maximum": 9999}, description="only this year"
            )
        ],
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=DaySetSerializer, responses={201: CalendarDaySerializer})
    def create(self, request: Request) -> Response:
        """Set a day of a known year: a holiday (any weekday) or a make-up working day (a weekend)."""
        data = _valid(DaySetSerializer, request.data)
        day = actions.calendar_day_set(actor=request.user, **data)
        return Response(CalendarDaySerializer(day).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DayRemoveSerializer, responses={204: None})
    @action(detail=False, methods=["post"])
    def remove(self, request: Request) -> Response:
        """Remove a listed day: it becomes an ordinary day again."""
        data = _valid(DayRemoveSerializer, request.data)
        actions.calendar_day_remove(actor=request.user, date=data["date"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request={"multipart/form-data": ImportSerializer}, responses=ImportResultSerializer)
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def import_schedule(self, request: Request) -> Response:
        """Import a schedule file (.xlsx/.xls/.csv: date, kind 休/班, name). Each year in the file (or
        ``year``) is replaced wholly; all or nothing."""
        data = _valid(ImportSerializer, request.data)
        upload = data["file"]
        with tempfile.NamedTemporaryFile(suffix=Path(upload.name).suffix.lower()) as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
            fh.flush()
            result = actions.calendar_import(
                actor=request.user, path=fh.name, name=upload.name, year=data.get("year")
            )
        return Response(
            ImportResultSerializer(
                {
                    "years": result.years,
                    "holidays": result.holidays,
                    "workdays": result.workdays,
                    "recomputed": result.recomputed,
                }
            ).data
        )


class ProvisionalDeadlineViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Provisional deadlines of your region, the earliest first."""

    scoped_model = ProvisionalDeadline
    serializer_class = ProvisionalDeadlineSerializer
    required_permission = Perm.CALENDAR_VIEW
    pagination_class = KeysetPagination

    def refine_queryset(self, queryset: QuerySet[ProvisionalDeadline]) -> QuerySet[ProvisionalDeadline]:
        wanted = self.request.query_params.get("status", DeadlineStatus.OPEN)
        if wanted == "all":
            return queryset
        if wanted not in DeadlineStatus.values:
            raise MalformedInput(_("Unknown status."), field="status")
        return queryset.filter(status=wanted)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=[*DeadlineStatus.values, "all"],
                description="open (default), recomputed, superseded or all",
            )
        ],
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


def register(router: Any) -> None:
    router.register("calendar/years", CalendarYearViewSet, basename="calendar-year")
    router.register("calendar/days", CalendarDayViewSet, basename="calendar-day")
    router.register("calendar/deadlines", ProvisionalDeadlineViewSet, basename="calendar-deadline")
