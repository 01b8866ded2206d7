"""API of the program engine: rules. ``register(router)`` is called by canlian.config.api.

- ``programs`` (list, retrieve by code), with ``programs/{code}/eligibility/{person_id}/`` (one
  person's explained verdict, ``?on=YYYY-MM-DD``) and ``programs/{code}/preview/`` (counts over
  ``?region=`` on ``?on=`` with a sample, masked).
- ``standards`` (list, create, ``end``) and ``rule-settings`` (list, retrieve, create): read through
  ``for_user`` (a region's own rows and those applying there from above), written by the actions.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.permissions import Perm
from canlian.core.registry.actions import person_record_view
from canlian.core.registry.models import Person
from canlian.platform.access import region_in_scope, scope_roots
from canlian.platform.api import (
    REGION_CODE_PATTERN,
    HasCanlianPermission,
    ScopedViewSet,
    date_filter,
    query_int,
    read_query,
    region_filter,
    text_filter,
)
from canlian.platform.errors import ValidationFailed
from canlian.programs import eligibility
from canlian.programs.families import family_for
from canlian.programs.models import Program, RuleSetting, Standard
from canlian.programs.preview import describe, preview
from canlian.programs.rules import actions as program_actions
from canlian.programs.rules.engine import build_rules


class ProgramSerializer(serializers.ModelSerializer):
    options = serializers.SerializerMethodField()
    label = serializers.CharField(read_only=True, help_text="The name in the request's language.")

    class Meta:
        model = Program
        fields = [
            "code",
            "name",
            "short_name",
            "official_name",
            "label",
            "kind",
            "family",
            "region_code",
            "description",
            "step_days",
            "notice_days",
            "arrears_months",
            "active",
            "options",
        ]

    def get_options(self, program: Program) -> list[dict[str, Any]]:
        """The rule family's options (what a rule setting may switch)."""
        try:
            family = family_for(program.family)
        except ValidationFailed:
            return []
        return [{"key": o.key, "label": str(o.label), "default": bool(o.default)} for o in family.options]


class StandardSerializer(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Standard
        fields = [
            "id",
            "program",
            "region_code",
            "valid_from",
            "valid_to",
            "grades",
            "categories",
            "age_min",
            "age_max",
            "hardship",
            "care_tier",
            "amount",
            "note",
            "created_at",
        ]


class StandardCreateSerializer(serializers.Serializer):
    program = serializers.SlugField()
    region_code = serializers.CharField(allow_blank=True, max_length=12, default="")
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True, default=None)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    grades = serializers.CharField(allow_blank=True, max_length=4, default="")
    categories = serializers.CharField(allow_blank=True, max_length=7, default="")
    age_min = serializers.IntegerField(required=False, allow_null=True, default=None)
    age_max = serializers.IntegerField(required=False, allow_null=True, default=None)
    hardship = serializers.CharField(allow_blank=True, max_length=12, default="")
    care_tier = serializers.CharField(allow_blank=True, max_length=12, default="")
    note = serializers.CharField(allow_blank=True, max_length=200, default="")


class StandardEndSerializer(serializers.Serializer):
    valid_to = serializers.DateField()


class RuleSettingSerializer(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)
    rule_labels = serializers.SerializerMethodField()

    class Meta:
        model = RuleSetting
        fields = [
            "id",
            "program",
            "region_code",
            "valid_from",
            "valid_to",
            "options",
            "rules",
            "rule_labels",
            "note",
        ]

    def get_rule_labels(self, setting: RuleSetting) -> list[str]:
        return [rule.label() for rule in build_rules(setting.rules)]


class RuleSettingCreateSerializer(serializers.Serializer):
    program = serializers.SlugField()
    region_code = serializers.CharField(allow_blank=True, max_length=12, default="")
    valid_from = serializers.DateField()
    options = serializers.DictField(child=serializers.BooleanField(), default=dict)
    note = serializers.CharField(allow_blank=True, max_length=200, default="")


class RuleResultSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    passed = serializers.BooleanField(allow_null=True)
    reason = serializers.CharField()
    data = serializers.DictField()


class VerdictSerializer(serializers.Serializer):
    """The shape returned by the eligibility endpoint (documentation only)."""

    program = serializers.CharField()
    person = serializers.IntegerField()
    eligible = serializers.BooleanField()
    on = serializers.DateField()
    setting = serializers.DictField(allow_null=True)
    standard = serializers.DictField(allow_null=True)
    amount = serializers.CharField(allow_null=True)
    rules = RuleResultSerializer(many=True)


class OnQuery(serializers.Serializer):
    """The ``on`` parameter of eligibility and preview (default today)."""

    on = date_filter("default today")


class ProgramFilters(serializers.Serializer):
    program = text_filter("program code", max_length=40)
    region = region_filter("exact region code")
    on = date_filter("in force on this date")


def _program_filter(queryset: Any, request: Request) -> Any:
    params = read_query(request, ProgramFilters)
    if "program" in params:
        queryset = queryset.filter(program__code=params["program"])
    if "region" in params:
        queryset = queryset.filter(region_code=params["region"])
    if "on" in params:
        on = params["on"]
        queryset = queryset.filter(valid_from__lte=on).exclude(valid_to__lt=on)
    return queryset


FILTERS = [ProgramFilters]


class ProgramViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Programs (reference data every region shares), by code."""

    permission_classes = [permissions.IsAuthenticated, HasCanlianPermission]
    required_permission = Perm.PROGRAMS_VIEW
    serializer_class = ProgramSerializer
    queryset = Program.objects.order_by("code")
    lookup_field = "code"
    lookup_url_kwarg = "program_code"

    @extend_schema(
        parameters=[OpenApiParameter("on", OpenApiTypes.DATE, description="default today")],
        responses=VerdictSerializer,
    )
    @action(detail=True, methods=["get"], url_path=r"eligibility/(?P<person_id>[0-9]+)")
    def eligibility(
        self, request: Request, program_code: str | None = None, person_id: str | None = None
    ) -> Response:
        """One person's verdict: eligible or not, each rule with its reason and data, the rule
        setting and the standard used. A view of the person's record: logged."""
        program = self.get_object()
        person = Person.objects.get_for_user(request.user, Perm.PERSONS_VIEW, pk=person_id)
        verdict = eligibility.explain(program, person, read_query(request, OnQuery).get("on"))
        person_record_view(actor=request.user, person=person)
        return Response(
            {"program": program.code, "person": person.pk, **eligibility.verdict_as_data(verdict)}
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "region",
                {"type": "string", "pattern": REGION_CODE_PATTERN},
                description="region code in your scope",
            ),
            OpenApiParameter("on", OpenApiTypes.DATE, description="default today"),
            OpenApiParameter(
                "sample", {"type": "integer", "minimum": 0, "maximum": 100}, description="0–100, default 20"
            ),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    @action(detail=True, methods=["get"])
    def preview(self, request: Request, program_code: str | None = None) -> Response:
        """Counts over the people of a region (in your scope): eligible, and per rule how many fail
        it; and a sample of eligible people with masked ID numbers."""
        program = self.get_object()
        region = request.query_params.get("region", "")
        if region and not region_in_scope(request.user, Perm.PERSONS_VIEW, region):
            raise ValidationFailed("Choose a region inside your scope.", field="region")
        if not region:
            roots = scope_roots(request.user, Perm.PERSONS_VIEW)
            region = roots[0] if roots else "-"
        sample = query_int(request, "sample", low=0, high=100)
        on = read_query(request, OnQuery).get("on") or timezone.localdate()
        return Response(
            describe(preview(program, region, on, user=request.user, sample=20 if sample is None else sample))
        )


class StandardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Standards visible to you (your region's and those applying there from above). ``create``
    adds one from a date (the one with the same keys in force then ends the day before); ``end``
    ends one (programs.manage in its region)."""

    scoped_model = Standard
    serializer_class = StandardSerializer
    required_permission = Perm.PROGRAMS_VIEW
    action_permissions = {"create": Perm.PROGRAMS_MANAGE, "end": Perm.PROGRAMS_MANAGE}
    lookup_url_kwarg = "standard_id"

    def refine_queryset(self, queryset):  # type: ignore[no-untyped-def]
        queryset = queryset.select_related("program")
        return _program_filter(queryset, self.request) if self.action == "list" else queryset

    @extend_schema(parameters=FILTERS)
    def list(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        return super().list(request, *args, **kwargs)

    @extend_schema(request=StandardCreateSerializer, responses={201: StandardSerializer})
    def create(self, request: Request) -> Response:
        payload = StandardCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        standard = program_actions.standard_create(actor=request.user, program=data.pop("program"), **data)
        return Response(StandardSerializer(standard).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StandardEndSerializer, responses=StandardSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, standard_id: str | None = None) -> Response:
        standard = self.get_object()
        payload = StandardEndSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        standard = program_actions.standard_end(
            actor=request.user, standard_id=standard.pk, valid_to=payload.validated_data["valid_to"]
        )
        return Response(StandardSerializer(standard).data)


class RuleSettingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Rule settings visible to you. ``create`` sets a region's rules from a date as the program's
    family options (see ``programs/{code}/``); the family compiles them."""

    scoped_model = RuleSetting
    serializer_class = RuleSettingSerializer
    required_permission = Perm.PROGRAMS_VIEW
    action_permissions = {"create": Perm.PROGRAMS_MANAGE}
    lookup_url_kwarg = "setting_id"

    def refine_queryset(self, queryset):  # type: ignore[no-untyped-def]
        queryset = queryset.select_related("program")
        return _program_filter(queryset, self.request) if self.action == "list" else queryset

    @extend_schema(parameters=FILTERS)
    def list(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        return super().list(request, *args, **kwargs)

    @extend_schema(request=RuleSettingCreateSerializer, responses={201: RuleSettingSerializer})
    def create(self, request: Request) -> Response:
        payload = RuleSettingCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        setting = program_actions.rule_setting_create(actor=request.user, program=data.pop("program"), **data)
        return Response(RuleSettingSerializer(setting).data, status=status.HTTP_201_CREATED)


def register(router: Any) -> None:
    router.register("programs", ProgramViewSet, basename="program")
    router.register("standards", StandardViewSet, basename="standard")
    router.register("rule-settings", RuleSettingViewSet, basename="rule-setting")
