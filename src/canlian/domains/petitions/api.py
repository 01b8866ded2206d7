"""API of petitions (``/api/v1/petitions/``, ``/api/v1/invitations/``, ``/api/v1/festival-visits/``).
``register(router)`` is called by canlian.config.api.

Reads start from ``for_user`` (petitions.view); writes (petitions.handle) call the actions of
``canlian.domains.petitions.actions``. Visitor phones are masked."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.permissions import Perm
from canlian.domains.petitions import actions, selectors
from canlian.domains.petitions.models import (
    Festival,
    FestivalVisit,
    InvitationEvent,
    Invitee,
    KeyDate,
    Petition,
    PetitionAction,
    PetitionCategory,
    PetitionStatus,
    Satisfaction,
)
from canlian.platform.api import ScopedViewSet, region_filter


class PetitionActionSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", default=None, read_only=True)

    class Meta:
        model = PetitionAction
        fields = ["id", "on", "text", "by", "created_at"]


class PetitionSerializer(serializers.ModelSerializer):
    visitor = serializers.CharField(source="visitor_display", read_only=True)
    visitor_phone = serializers.CharField(source="masked_visitor_phone", read_only=True)
    handler = serializers.CharField(source="handler.username", default=None, read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Petition
        fields = [
            "id",
            "received_on",
            "region_code",
            "person",
            "visitor",
            "visitor_phone",
            "issue",
            "category",
            "handler",
            "deadline",
            "overdue",
            "status",
            "result",
            "closed_on",
            "satisfaction",
            "created_at",
        ]

    def get_overdue(self, petition: Petition) -> bool:
        return petition.is_overdue(timezone.localdate())


class PetitionDetailSerializer(PetitionSerializer):
    actions = PetitionActionSerializer(many=True, read_only=True)

    class Meta(PetitionSerializer.Meta):
        fields = [*PetitionSerializer.Meta.fields, "actions"]


class PetitionFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PetitionStatus.choices, required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=PetitionCategory.choices, required=False, allow_blank=True)
    region = region_filter()
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    overdue = serializers.BooleanField(required=False, default=False)


class ReceiveSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=PetitionCategory.choices)
    issue = serializers.CharField()
    received_on = serializers.DateField(required=False, allow_null=True, default=None)
    person_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    visitor_name = serializers.CharField(required=False, allow_blank=True, default="")
    visitor_phone = serializers.CharField(required=False, allow_blank=True, default="")
    region_code = serializers.CharField(required=False, allow_blank=True, default="")
    handler_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class ActSerializer(serializers.Serializer):
    text = serializers.CharField()
    on = serializers.DateField(required=False, allow_null=True, default=None)


class CloseSerializer(serializers.Serializer):
    result = serializers.CharField()
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    closed_on = serializers.DateField(required=False, allow_null=True, default=None)


class PetitionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Petitions in the caller's scope, newest first. Filters: ``status``, ``category``, ``region``,
    ``start``/``end`` (received), ``overdue=true``."""

    scoped_model = Petition
    serializer_class = PetitionSerializer
    required_permission = Perm.PETITIONS_VIEW
    action_permissions = {
        "create": Perm.PETITIONS_HANDLE,
        "act": Perm.PETITIONS_HANDLE,
        "close": Perm.PETITIONS_HANDLE,
    }
    lookup_url_kwarg = "petition_id"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "action", None) != "list":
            return super().get_queryset()
        params = PetitionFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        d = params.validated_data
        qs = selectors.petitions_visible(
            user=self.request.user,
            status=d.get("status", ""),
            category=d.get("category", ""),
            region=d.get("region", ""),
            start=d.get("start"),
            end=d.get("end"),
        )
        if d.get("overdue"):
            qs = qs.overdue(timezone.localdate())
        return qs.order_by("-id")

    def refine_queryset(self, queryset):  # type: ignore[no-untyped-def]
        qs = queryset.select_related("person", "handler")
        if getattr(self, "action", None) == "retrieve":
            qs = qs.prefetch_related("actions__by")
        return qs

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return PetitionDetailSerializer if self.action != "list" else PetitionSerializer

    @extend_schema(parameters=[PetitionFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def _done(self, petition: Petition, code: int = status.HTTP_200_OK) -> Response:
        petition = (
            Petition.objects.select_related("person", "handler")
            .prefetch_related("actions__by")
            .get(pk=petition.pk)
        )
        return Response(PetitionDetailSerializer(petition).data, status=code)

    @extend_schema(request=ReceiveSerializer, responses={201: PetitionDetailSerializer})
    def create(self, request: Request) -> Response:
        payload = ReceiveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        petition = actions.petition_receive(actor=request.user, **payload.validated_data)
        return self._done(petition, status.HTTP_201_CREATED)

    @extend_schema(request=ActSerializer, responses=PetitionDetailSerializer)
    @action(detail=True, methods=["post"])
    def act(self, request: Request, petition_id: str | None = None) -> Response:
        petition = self.get_object()
        payload = ActSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        actions.petition_act(actor=request.user, petition_id=petition.pk, **payload.validated_data)
        return self._done(petition)

    @extend_schema(request=CloseSerializer, responses=PetitionDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, petition_id: str | None = None) -> Response:
        petition = self.get_object()
        payload = CloseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._done(
            actions.petition_close(actor=request.user, petition_id=petition.pk, **payload.validated_data)
        )


class InviteeSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = Invitee
        fields = ["id", "person", "person_name", "invited", "attended", "note"]


class InvitationSerializer(serializers.ModelSerializer):
    invited_count = serializers.IntegerField(read_only=True, default=None)
    attended_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = InvitationEvent
        fields = [
            "id",
            "title",
            "key_date_kind",
            "held_on",
            "region_code",
            "place",
            "note",
            "invited_count",
            "attended_count",
            "created_at",
        ]


class InvitationDetailSerializer(InvitationSerializer):
    invitees = InviteeSerializer(many=True, read_only=True)

    class Meta(InvitationSerializer.Meta):
        fields = [*InvitationSerializer.Meta.fields, "invitees"]


class InvitationCreateSerializer(serializers.Serializer):
    title = serializers.CharField()
    region_code = serializers.CharField()
    key_date_kind = serializers.ChoiceField(choices=KeyDate.choices, default=KeyDate.OTHER)
    held_on = serializers.DateField(required=False, allow_null=True, default=None)
    year = serializers.IntegerField(required=False, allow_null=True, default=None)
    place = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class InviteesAddSerializer(serializers.Serializer):
    person_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, allow_null=True, default=None
    )
    rule = serializers.ChoiceField(choices=[("", "")] + [(r, r) for r in actions.INVITEE_RULES], default="")
    region = serializers.CharField(required=False, allow_blank=True, default="")


class AttendanceSerializer(serializers.Serializer):
    attended_person_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)


class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Invitation events (邀访) with invited/attended counts; ``invitees`` adds people by list or
    rule, ``attendance`` ticks who came."""

    scoped_model = InvitationEvent
    serializer_class = InvitationSerializer
    required_permission = Perm.PETITIONS_VIEW
    action_permissions = {
        "create": Perm.PETITIONS_HANDLE,
        "invitees": Perm.PETITIONS_HANDLE,
        "attendance": Perm.PETITIONS_HANDLE,
    }
    lookup_url_kwarg = "invitation_id"

    def refine_queryset(self, queryset):  # type: ignore[no-untyped-def]
        return queryset.annotate(**_counts())

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return InvitationDetailSerializer if self.action != "list" else InvitationSerializer

    def _done(self, event: InvitationEvent, code: int = status.HTTP_200_OK) -> Response:
        event = (
            InvitationEvent.objects.annotate(**_counts())
            .prefetch_related("invitees__person")
            .get(pk=event.pk)
        )
        return Response(InvitationDetailSerializer(event).data, status=code)

    @extend_schema(request=InvitationCreateSerializer, responses={201: InvitationDetailSerializer})
    def create(self, request: Request) -> Response:
        payload = InvitationCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        event = actions.invitation_create(actor=request.user, **payload.validated_data)
        return self._done(event, status.HTTP_201_CREATED)

    @extend_schema(request=InviteesAddSerializer, responses=InvitationDetailSerializer)
    @action(detail=True, methods=["post"])
    def invitees(self, request: Request, invitation_id: str | None = None) -> Response:
        event = self.get_object()
        payload = InviteesAddSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        actions.invitees_add(actor=request.user, event_id=event.pk, **payload.validated_data)
        return self._done(event)

    @extend_schema(request=AttendanceSerializer, responses=InvitationDetailSerializer)
    @action(detail=True, methods=["post"])
    def attendance(self, request: Request, invitation_id: str | None = None) -> Response:
        event = self.get_object()
        payload = AttendanceSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        actions.attendance_record(actor=request.user, event_id=event.pk, **payload.validated_data)
        return self._done(event)


def _counts() -> dict[str, Any]:
    from django.db.models import Count, Q

    return {
        "invited_count": Count("invitees", filter=Q(invitees__invited=True)),
        "attended_count": Count("invitees", filter=Q(invitees__attended=True)),
    }


class FestivalVisitSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = FestivalVisit
        fields = [
            "id",
            "person",
            "person_name",
            "region_code",
            "on",
            "festival",
            "visited_by",
            "money",
            "goods",
            "note",
            "created_at",
        ]


class FestivalVisitCreateSerializer(serializers.Serializer):
    person_id = serializers.IntegerField()
    festival = serializers.ChoiceField(choices=Festival.choices)
    on = serializers.DateField(required=False, allow_null=True, default=None)
    money = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, default=0)
    goods = serializers.CharField(required=False, allow_blank=True, default="")
    visited_by = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FestivalFilterSerializer(serializers.Serializer):
    festival = serializers.ChoiceField(choices=Festival.choices, required=False, allow_blank=True)
    region = region_filter()
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)


class FestivalVisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Festival visits (慰问) with condolence money. Filters: ``festival``, ``region``, ``start``,
    ``end``."""

    scoped_model = FestivalVisit
    serializer_class = FestivalVisitSerializer
    required_permission = Perm.PETITIONS_VIEW
    action_permissions = {"create": Perm.PETITIONS_HANDLE}
    lookup_url_kwarg = "visit_id"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "action", None) != "list":
            return super().get_queryset()
        params = FestivalFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        d = params.validated_data
        return selectors.festival_visits_visible(
            user=self.request.user,
            start=d.get("start"),
            end=d.get("end"),
            festival=d.get("festival", ""),
            region=d.get("region", ""),
        ).order_by("-on", "-id")

    def refine_queryset(self, queryset):  # type: ignore[no-untyped-def]
        return queryset.select_related("person")

    @extend_schema(parameters=[FestivalFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=FestivalVisitCreateSerializer, responses={201: FestivalVisitSerializer})
    def create(self, request: Request) -> Response:
        payload = FestivalVisitCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        visit = actions.festival_visit_record(actor=request.user, **payload.validated_data)
        visit = FestivalVisit.objects.select_related("person").get(pk=visit.pk)
        return Response(FestivalVisitSerializer(visit).data, status=status.HTTP_201_CREATED)


def register(router: Any) -> None:
    router.register("petitions", PetitionViewSet, basename="petition")
    router.register("invitations", InvitationViewSet, basename="invitation")
    router.register("festival-visits", FestivalVisitViewSet, basename="festival-visit")
