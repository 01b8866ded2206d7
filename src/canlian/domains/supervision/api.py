"""API of supervision. ``register(router)`` is called by canlian.config.api.

- ``supervision/checklists``: the checklists in use with their items (list);
- ``supervision/plans``: list (?year, ?status), retrieve, create (supervision.inspect), ``done``;
- ``supervision/inspections``: list (?institution, ?plan, ?year), retrieve (with items), create =
  record a scored inspection (supervision.inspect);
- ``supervision/notices``: list (?state=open|overdue|closed|all, ?institution, ?year), retrieve (with
  timeline), create = issue from an inspection (supervision.inspect), ``respond``
  (supervision.respond: the institution's own staff), ``reinspect``, ``close``, ``escalate``
  (supervision.inspect);
- ``supervision/ratings``: institutions by rating (latest score, band, open notices).
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
from canlian.domains.supervision import actions, selectors
from canlian.domains.supervision.choices import PlanKind, PlanStatus
from canlian.domains.supervision.models import (
    ChecklistTemplate,
    ChecklistTemplateItem,
    Inspection,
    InspectionItem,
    InspectionPlan,
    NoticeEvent,
    RectificationNotice,
)
from canlian.platform.api import ScopedViewSet, query_int
from canlian.platform.views import int_param


class ChecklistItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistTemplateItem
        fields = ["id", "number", "section", "text", "max_score"]
        read_only_fields = fields


class ChecklistSerializer(serializers.ModelSerializer):
    items = ChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistTemplate
        fields = ["id", "code", "name", "items"]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    institutions = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        ref_name = "SupervisionPlan"  # a component name of its own (another app has a PlanSerializer)
        model = InspectionPlan
        fields = ["id", "title", "year", "quarter", "region_code", "kind", "status", "institutions", "note"]
        read_only_fields = fields


class PlanCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    quarter = serializers.IntegerField(min_value=1, max_value=4, required=False, allow_null=True)
    region_code = serializers.CharField(max_length=12)
    kind = serializers.ChoiceField(choices=PlanKind.choices, default=PlanKind.ROUTINE)
    institutions = serializers.ListField(child=serializers.IntegerField(), allow_empty=False, min_length=1)
    note = serializers.CharField(required=False, allow_blank=True)

    class Meta:
        ref_name = "SupervisionPlanCreate"  # another app has a PlanCreateSerializer


class InspectionItemSerializer(serializers.ModelSerializer):
    number = serializers.IntegerField(source="checklist_item.number", read_only=True)
    text = serializers.CharField(source="checklist_item.text", read_only=True)
    has_photo = serializers.SerializerMethodField()

    class Meta:
        model = InspectionItem
        fields = ["id", "checklist_item", "number", "text", "max_score", "score", "finding", "has_photo"]
        read_only_fields = fields

    def get_has_photo(self, obj: InspectionItem) -> bool:
        return bool(obj.photo)


class InspectionSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    band = serializers.CharField(read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "plan",
            "institution",
            "institution_name",
            "region_code",
            "template",
            "inspected_on",
            "unannounced",
            "score",
            "band",
            "inspectors",
            "summary",
        ]
        read_only_fields = fields


class InspectionDetailSerializer(InspectionSerializer):
    items = InspectionItemSerializer(many=True, read_only=True)

    class Meta(InspectionSerializer.Meta):
        fields = [*InspectionSerializer.Meta.fields, "items"]
        read_only_fields = fields


class ScoreSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    score = serializers.DecimalField(max_digits=4, decimal_places=1)
    finding = serializers.CharField(required=False, allow_blank=True)


class InspectionCreateSerializer(serializers.Serializer):
    institution = serializers.IntegerField()
    inspected_on = serializers.DateField()
    inspectors = serializers.CharField(max_length=200)
    summary = serializers.CharField(required=False, allow_blank=True)
    plan = serializers.IntegerField(required=False, allow_null=True)
    unannounced = serializers.BooleanField(required=False, allow_null=True, default=None)
    template = serializers.IntegerField(required=False, allow_null=True)
    items = ScoreSerializer(many=True)


class NoticeEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = NoticeEvent
        fields = ["kind", "on", "text", "to_status", "due_on"]
        read_only_fields = fields


class NoticeSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = RectificationNotice
        fields = [
            "id",
            "number",
            "institution",
            "institution_name",
            "inspection",
            "region_code",
            "problems",
            "issued_on",
            "working_days",
            "due_on",
            "overdue",
            "status",
            "responded_on",
            "response",
            "reinspected_on",
            "reinspection_passed",
            "reinspection_note",
            "closed_on",
            "escalated_to",
            "escalated_on",
        ]
        read_only_fields = fields

    def get_overdue(self, obj: RectificationNotice) -> bool:
        return obj.is_overdue(timezone.localdate())


class NoticeDetailSerializer(NoticeSerializer):
    events = NoticeEventSerializer(many=True, read_only=True)

    class Meta(NoticeSerializer.Meta):
        fields = [*NoticeSerializer.Meta.fields, "events"]
        read_only_fields = fields


class NoticeIssueSerializer(serializers.Serializer):
    inspection = serializers.IntegerField()
    problems = serializers.CharField()
    working_days = serializers.IntegerField(min_value=1, max_value=actions.MAX_WORKING_DAYS)
    issued_on = serializers.DateField(required=False, allow_null=True)


class RespondSerializer(serializers.Serializer):
    response = serializers.CharField()
    on = serializers.DateField(required=False, allow_null=True)


class ReinspectSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True)
    on = serializers.DateField(required=False, allow_null=True)


class CloseSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)
    on = serializers.DateField(required=False, allow_null=True)

    class Meta:
        ref_name = "NoticeClose"  # another app has a CloseSerializer


class EscalateSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)
    on = serializers.DateField(required=False, allow_null=True)


class RatingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    region_code = serializers.CharField()
    status = serializers.CharField()
    rating_score = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    rated_on = serializers.DateField(allow_null=True)
    band = serializers.CharField()
    open_notices = serializers.IntegerField()


def _year(request: Request) -> int | None:
    return int_param(request.query_params.get("year"))


class ChecklistViewSet(mixins.ListModelMixin, ScopedViewSet):
    """The checklists in use, with their items and maximum scores (reference data)."""

    required_permission = Perm.SUPERVISION_VIEW

    serializer_class = ChecklistSerializer
    pagination_class = None

    def visible(self):  # type: ignore[no-untyped-def]
        return selectors.templates()


class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    required_permission = Perm.SUPERVISION_VIEW
    serializer_class = PlanSerializer
    lookup_url_kwarg = "inspection_plan_id"
    action_permissions = {"create": Perm.SUPERVISION_INSPECT, "done": Perm.SUPERVISION_INSPECT}

    def visible(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        st = params.get("status", "") if self.action == "list" else ""
        return selectors.plans_visible(
            user=self.request.user,
            year=_year(self.request) if self.action == "list" else None,
            status=st if st in PlanStatus.values else "",
        ).prefetch_related("institutions")

    @extend_schema(request=PlanCreateSerializer, responses=PlanSerializer)
    def create(self, request: Request) -> Response:
        data = PlanCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        plan = actions.inspection_plan_create(
            actor=request.user, institution_ids=values.pop("institutions"), **values
        )
        return Response(PlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=PlanSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request: Request, inspection_plan_id: Any = None) -> Response:
        plan = self.get_object()
        plan = actions.inspection_plan_mark_done(actor=request.user, plan_id=plan.pk)
        return Response(PlanSerializer(plan).data)


class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    required_permission = Perm.SUPERVISION_VIEW
    lookup_url_kwarg = "inspection_id"
    action_permissions = {"create": Perm.SUPERVISION_INSPECT}

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return InspectionDetailSerializer if self.action == "retrieve" else InspectionSerializer

    def visible(self):  # type: ignore[no-untyped-def]
        if self.action != "list":
            return selectors.inspections_visible(user=self.request.user).prefetch_related(
                "items__checklist_item"
            )
        return selectors.inspections_visible(
            user=self.request.user,
            institution_id=query_int(self.request, "institution", low=1),
            plan_id=query_int(self.request, "plan", low=1),
            year=_year(self.request),
        )

    @extend_schema(request=InspectionCreateSerializer, responses=InspectionDetailSerializer)
    def create(self, request: Request) -> Response:
        data = InspectionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        inspection = actions.inspection_record(
            actor=request.user,
            institution_id=v["institution"],
            inspected_on=v["inspected_on"],
            items=[dict(i) for i in v["items"]],
            inspectors=v["inspectors"],
            summary=v.get("summary", ""),
            plan_id=v.get("plan"),
            unannounced=v.get("unannounced"),
            template_id=v.get("template"),
        )
        return Response(InspectionDetailSerializer(inspection).data, status=status.HTTP_201_CREATED)


class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    required_permission = Perm.SUPERVISION_VIEW
    lookup_url_kwarg = "notice_id"
    action_permissions = {
        "create": Perm.SUPERVISION_INSPECT,
        "respond": Perm.SUPERVISION_RESPOND,
        "reinspect": Perm.SUPERVISION_INSPECT,
        "close": Perm.SUPERVISION_INSPECT,
        "escalate": Perm.SUPERVISION_INSPECT,
    }

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return NoticeDetailSerializer if self.action == "retrieve" else NoticeSerializer

    def visible(self):  # type: ignore[no-untyped-def]
        user = self.request.user
        if self.action in ("respond", "reinspect", "close", "escalate"):
            # Read through the reach of the action's own permission (respond: own institution only).
            return RectificationNotice.objects.for_user(user, self.action_permissions[self.action])
        if self.action != "list":
            return selectors.notices_visible(user=user).prefetch_related("events")
        params = self.request.query_params
        state = params.get("state", "all")
        return selectors.notices_visible(
            user=user,
            state=state if state in selectors.NOTICE_STATES else "all",
            on=timezone.localdate(),
            institution_id=query_int(self.request, "institution", low=1),
            year=_year(self.request),
        )

    @extend_schema(request=NoticeIssueSerializer, responses=NoticeSerializer)
    def create(self, request: Request) -> Response:
        data = NoticeIssueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        notice = actions.notice_issue(
            actor=request.user,
            inspection_id=v["inspection"],
            problems=v["problems"],
            working_days=v["working_days"],
            issued_on=v.get("issued_on"),
        )
        return Response(NoticeSerializer(notice).data, status=status.HTTP_201_CREATED)

    def _run(self, request: Request, serializer: Any, fn: Any) -> Response:
        notice = self.get_object()
        data = serializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = fn(actor=request.user, notice_id=notice.pk, **data.validated_data)
        return Response(NoticeSerializer(notice).data)

    @extend_schema(request=RespondSerializer, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def respond(self, request: Request, notice_id: Any = None) -> Response:
        return self._run(request, RespondSerializer, actions.notice_respond)

    @extend_schema(request=ReinspectSerializer, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def reinspect(self, request: Request, notice_id: Any = None) -> Response:
        return self._run(request, ReinspectSerializer, actions.notice_reinspect)

    @extend_schema(request=CloseSerializer, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, notice_id: Any = None) -> Response:
        return self._run(request, CloseSerializer, actions.notice_close)

    @extend_schema(request=EscalateSerializer, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request: Request, notice_id: Any = None) -> Response:
        return self._run(request, EscalateSerializer, actions.notice_escalate)


class RatingViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Institutions by rating: latest score, band (A ≥90, B ≥75, C ≥60, D), open notices."""

    required_permission = Perm.SUPERVISION_VIEW

    serializer_class = RatingSerializer
    pagination_class = None

    def visible(self):  # type: ignore[no-untyped-def]
        return selectors.institutions_by_rating(user=self.request.user)


def register(router: Any) -> None:
    router.register("supervision/checklists", ChecklistViewSet, basename="supervision-checklist")
    router.register("supervision/plans", PlanViewSet, basename="supervision-plan")
    router.register("supervision/inspections", InspectionViewSet, basename="supervision-inspection")
    router.register("supervision/notices", NoticeViewSet, basename="supervision-notice")
    router.register("supervision/ratings", RatingViewSet, basename="supervision-rating")
