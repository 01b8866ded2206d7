"""The /api/v1/ viewsets of education. ``register(router)`` is called by config/api.py.

- ``education/schools``: list (with the number of pupils placed), retrieve, create (education.manage);
- ``education/placements``: list (?school_year, ?placement; children's ID numbers masked), retrieve,
  create (education.manage: records the child's placement of the year, replacing an earlier one), and
  ``import`` (education.manage, multipart: the education department's student list with an optional
  column mapping; unmatched rows listed masked, a bad row refuses the file naming row and field);
- ``education/not-enrolled``: list (?school_year): the school-age certified children without a
  compulsory placement, the township worker's to-do (ID numbers masked).

Every read goes through the app's selectors (which start from ``for_user``); writes go through
``actions`` (authorised and scoped inside their transaction); errors have the API's one shape.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.permissions import Perm
from canlian.domains.education import actions, selectors
from canlian.domains.education.choices import NotEnrolledReason, Placement, SchoolKind
from canlian.domains.education.models import PlacementRecord, School
from canlian.domains.education.rules import school_year_of
from canlian.platform.api import (
    REGION_CODE_PATTERN,
    ScopedViewSet,
    UploadField,
    choice_filter,
    read_query,
    year_filter,
)
from canlian.platform.errors import DomainError
from canlian.platform.tabular import read_table


class PlacementFilters(serializers.Serializer):
    school_year = year_filter("School year (2025 = 2025–2026)")
    placement = choice_filter(Placement.choices)


class NotEnrolledFilters(serializers.Serializer):
    school_year = year_filter("School year (2025 = 2025–2026); default the current one")


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class SchoolSerializer(serializers.ModelSerializer):
    pupils = serializers.IntegerField(read_only=True, help_text="Children placed at the school (any year).")

    class Meta:
        model = School
        fields = ["id", "name", "kind", "region_code", "resource_room", "pupils"]
        read_only_fields = fields


class SchoolCreateSerializer(serializers.Serializer):
    # Text is checked by the action (a blank name is a refusal naming the field, 422).
    name = serializers.CharField(max_length=120, min_length=1, trim_whitespace=False)
    kind = serializers.ChoiceField(choices=SchoolKind.choices, required=False, default=SchoolKind.REGULAR)
    region_code = serializers.RegexField(REGION_CODE_PATTERN, help_text="Region code, 2–12 digits")
    resource_room = serializers.BooleanField(required=False, default=False)


class PlacementSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    person_id_number = serializers.CharField(
        source="person.masked_id", read_only=True, help_text="Masked ID number."
    )
    school_name = serializers.CharField(source="school.name", read_only=True, default="")

    class Meta:
        model = PlacementRecord
        fields = [
            "id",
            "person",
            "person_name",
            "person_id_number",
            "school_year",
            "region_code",
            "placement",
            "school",
            "school_name",
            "reason",
            "source",
            "note",
        ]
        read_only_fields = fields


class PlacementCreateSerializer(serializers.Serializer):
    person = serializers.IntegerField(min_value=1)
    school_year = serializers.IntegerField(min_value=2000, max_value=2100)
    placement = serializers.ChoiceField(choices=Placement.choices)
    school = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    reason = serializers.ChoiceField(
        choices=NotEnrolledReason.choices, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", trim_whitespace=False
    )


class PlacementImportSerializer(serializers.Serializer):
    file = UploadField(help_text="The student list (.xlsx, .xls or .csv).")
    school_year = serializers.IntegerField(min_value=2000, max_value=2100)
    col_id_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    col_name = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    col_placement = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    col_school = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    col_reason = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class UnmatchedSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    id_number = serializers.CharField(help_text="Masked ID number.")
    name = serializers.CharField()
    why = serializers.CharField()


class PlacementImportResultSerializer(serializers.Serializer):
    imported = serializers.IntegerField()
    updated = serializers.IntegerField()
    unmatched = UnmatchedSerializer(many=True)


class NotEnrolledSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    id_number = serializers.CharField(source="masked_id", help_text="Masked ID number.")
    birth_date = serializers.DateField()
    region_code = serializers.CharField()
    recorded_placement = serializers.CharField(allow_null=True, help_text="Recorded placement, if any.")
    recorded_reason = serializers.CharField(allow_null=True)


class SchoolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    required_permission = Perm.EDUCATION_VIEW
    action_permissions = {"create": Perm.EDUCATION_MANAGE}
    serializer_class = SchoolSerializer
    lookup_url_kwarg = "school_id"

    def visible(self):  # type: ignore[no-untyped-def]
        return selectors.schools_visible(user=self.request.user)

    @extend_schema(request=SchoolCreateSerializer, responses={201: SchoolSerializer})
    def create(self, request: Request) -> Response:
        school = actions.school_create(actor=request.user, **_valid(SchoolCreateSerializer, request.data))
        shown = selectors.schools_visible(user=request.user).get(pk=school.pk)
        return Response(SchoolSerializer(shown).data, status=status.HTTP_201_CREATED)


class PlacementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    required_permission = Perm.EDUCATION_VIEW
    action_permissions = {"create": Perm.EDUCATION_MANAGE, "import_list": Perm.EDUCATION_MANAGE}
    serializer_class = PlacementSerializer
    lookup_url_kwarg = "placement_id"

    def visible(self):  # type: ignore[no-untyped-def]
        if self.action != "list":
            return selectors.placements_visible(user=self.request.user)
        query = read_query(self.request, PlacementFilters)
        return selectors.placements_visible(
            user=self.request.user,
            school_year=query.get("school_year"),
            placement=query.get("placement", ""),
        )

    @extend_schema(parameters=[PlacementFilters])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=PlacementCreateSerializer, responses={201: PlacementSerializer})
    def create(self, request: Request) -> Response:
        data = _valid(PlacementCreateSerializer, request.data)
        try:
            record = actions.placement_record(
                actor=request.user,
                person_id=data["person"],
                school_year=data["school_year"],
                placement=data["placement"],
                school_id=data["school"],
                reason=data["reason"],
                note=data["note"],
            )
        except DomainError as exc:
            if exc.field == "school_id":  # the API's field is "school"
                exc.field = "school"
            raise
        shown = selectors.placements_visible(user=request.user).get(pk=record.pk)
        return Response(PlacementSerializer(shown).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": PlacementImportSerializer}, responses=PlacementImportResultSerializer
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def import_list(self, request: Request) -> Response:
        """Match the education department's student list by ID number (all or nothing)."""
        data = _valid(PlacementImportSerializer, request.data)
        upload = data["file"]
        mapping = {
            k: data[f"col_{k}"].strip() for k in ("id_number", "name", "placement", "school", "reason")
        }
        with tempfile.NamedTemporaryFile(suffix=Path(upload.name).suffix.lower()) as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
            handle.flush()
            table = read_table(handle.name, name=upload.name)
            result = actions.placements_import(
                actor=request.user,
                table=table,
                school_year=data["school_year"],
                mapping={k: v for k, v in mapping.items() if v} or None,
            )
        body = {"imported": result.imported, "updated": result.updated, "unmatched": result.unmatched}
        return Response(PlacementImportResultSerializer(body).data)


class NotEnrolledViewSet(mixins.ListModelMixin, ScopedViewSet):
    """School-age certified children without a compulsory placement in the school year."""

    required_permission = Perm.EDUCATION_VIEW
    serializer_class = NotEnrolledSerializer

    def visible(self):  # type: ignore[no-untyped-def]
        year = read_query(self.request, NotEnrolledFilters).get("school_year") or school_year_of(
            timezone.localdate()
        )
        recorded = PlacementRecord.objects.filter(person=OuterRef("pk"), school_year=year)
        return selectors.not_enrolled(user=self.request.user, school_year=year).annotate(
            recorded_placement=Subquery(recorded.values("placement")[:1]),
            recorded_reason=Subquery(recorded.values("reason")[:1]),
        )

    @extend_schema(parameters=[NotEnrolledFilters])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


def register(router: Any) -> None:
    """Called by config/api.py."""
    router.register("education/schools", SchoolViewSet, basename="education-school")
    router.register("education/placements", PlacementViewSet, basename="education-placement")
    router.register("education/not-enrolled", NotEnrolledViewSet, basename="education-not-enrolled")
