"""API of children's rehabilitation. ``register(router)`` is called by canlian.config.api.

- ``rehab/plans``: list (?year, ?institution, ?category, ?status, ?person), retrieve (rehab.view;
  an institution's staff see their own institution's plans only), create (rehab.manage),
  ``transfer`` (rehab.manage: the child continues at another institution; returns the new plan);
- ``rehab/attendance``: list (?plan, ?from, ?to; rehab.view), create = the days of one plan in bulk
  (rehab.attendance; idempotent, returns the rows added; days on public holidays need
  ``confirm_holiday: true``, else 400 ``holiday_unconfirmed``; days outside the enrollment's paid
  window are a 400 ``validation_failed``);
- ``rehab/devices``: list (?person), retrieve, create (rehab.manage; refused before the kind's
  replacement interval);
- ``rehab/surgeries``: list (?person, ?status), retrieve, create (rehab.manage), ``update`` (operated
  or cancelled);
- ``rehab/training-days``: training days per child and month of a year (?year, ?institution,
  ?category, ?region).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.institutions.choices import ServiceCategory
from canlian.core.permissions import Perm
from canlian.domains.rehab import actions, selectors
from canlian.domains.rehab.choices import AttendanceSource, PlanStatus, SurgeryStatus, TrainingMode
from canlian.domains.rehab.models import Attendance, DeviceProvision, RehabPlan, SurgeryReferral
from canlian.domains.rehab.settlement import api as settlement_api
from canlian.platform.api import HasCanlianPermission, ScopedViewSet
from canlian.platform.inputs import as_date
from canlian.platform.views import int_param


class PlanSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    person_id_number = serializers.CharField(source="person.masked_id", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    therapist_name = serializers.CharField(source="therapist.name", read_only=True, default="")

    class Meta:
        model = RehabPlan
        fields = [
            "id",
            "enrollment",
            "person",
            "person_name",
            "person_id_number",
            "region_code",
            "institution",
            "institution_name",
            "year",
            "category",
            "mode",
            "starts_on",
            "ends_on",
            "planned_days",
            "hours",
            "goals",
            "therapist",
            "therapist_name",
            "guardian_name",
            "status",
            "ended_on",
            "end_reason",
            "end_note",
            "transferred_from",
        ]
        read_only_fields = fields


class PlanTransferSerializer(serializers.Serializer):
    institution = serializers.IntegerField()
    on = serializers.DateField()
    reason = serializers.CharField(max_length=200)
    therapist = serializers.IntegerField(required=False, allow_null=True, default=None)
    mode = serializers.ChoiceField(
        choices=TrainingMode.choices, required=False, allow_null=True, default=None
    )
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)
    planned_days = serializers.IntegerField(
        min_value=0, max_value=366, required=False, allow_null=True, default=None
    )
    hours = serializers.IntegerField(
        min_value=0, max_value=9999, required=False, allow_null=True, default=None
    )
    goals = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None)


class PlanCreateSerializer(serializers.Serializer):
    enrollment = serializers.IntegerField()
    institution = serializers.IntegerField()
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    category = serializers.ChoiceField(choices=ServiceCategory.choices)
    mode = serializers.ChoiceField(choices=TrainingMode.choices, default=TrainingMode.CENTRE)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    planned_days = serializers.IntegerField(min_value=0, max_value=366, default=0)
    hours = serializers.IntegerField(min_value=0, max_value=9999, default=0)
    goals = serializers.CharField(required=False, allow_blank=True, default="")
    therapist = serializers.IntegerField(required=False, allow_null=True, default=None)
    guardian_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    guardian_phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)


class AttendanceSerializer(serializers.ModelSerializer):
    class Meta:
        ref_name = "RehabAttendance"  # a component name of its own (another app has a AttendanceSerializer)
        model = Attendance
        fields = ["id", "plan", "institution", "on", "source", "on_holiday", "recorded_at"]
        read_only_fields = fields


class AttendanceCreateSerializer(serializers.Serializer):
    plan = serializers.IntegerField()
    days = serializers.ListField(child=serializers.DateField(), min_length=1, max_length=400)
    confirm_holiday = serializers.BooleanField(required=False, default=False)

    class Meta:
        ref_name = "RehabAttendanceCreate"  # another app has a AttendanceCreateSerializer


class DeviceSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    kind_code = serializers.CharField(source="kind.code", read_only=True)
    kind_name = serializers.CharField(source="kind.name", read_only=True)

    class Meta:
        model = DeviceProvision
        fields = [
            "id",
            "person",
            "person_name",
            "region_code",
            "kind",
            "kind_code",
            "kind_name",
            "provided_on",
            "institution",
            "amount",
            "status",
            "note",
        ]
        read_only_fields = fields


class DeviceCreateSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    kind = serializers.IntegerField()
    provided_on = serializers.DateField()
    institution = serializers.IntegerField(required=False, allow_null=True, default=None)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, default=0)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class SurgerySerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = SurgeryReferral
        fields = [
            "id",
            "person",
            "person_name",
            "region_code",
            "operation",
            "hospital",
            "referred_on",
            "status",
            "operated_on",
            "amount",
            "note",
        ]
        read_only_fields = fields


class SurgeryCreateSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    operation = serializers.CharField(max_length=100)
    hospital = serializers.CharField(max_length=100)
    referred_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, default=0)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class SurgeryUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[SurgeryStatus.DONE, SurgeryStatus.CANCELLED])
    operated_on = serializers.DateField(required=False, allow_null=True, default=None)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Children's yearly plans in the caller's scope (institution staff: their own institution's)."""

    required_permission = Perm.REHAB_VIEW
    serializer_class = PlanSerializer
    lookup_url_kwarg = "plan_id"
    action_permissions = {"create": Perm.REHAB_MANAGE, "transfer": Perm.REHAB_MANAGE}

    def visible(self):  # type: ignore[no-untyped-def]
        if self.action != "list":
            return selectors.plans_visible(user=self.request.user)
        p = self.request.query_params
        return selectors.plans_visible(
            user=self.request.user,
            year=int_param(p.get("year")),
            institution_id=int_param(p.get("institution")),
            category=p.get("category") if p.get("category") in ServiceCategory.values else "",
            status=p.get("status") if p.get("status") in PlanStatus.values else "",
            person_id=int_param(p.get("person")),
        )

    @extend_schema(request=PlanCreateSerializer, responses=PlanSerializer)
    def create(self, request: Request) -> Response:
        data = PlanCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        plan = actions.rehab_plan_create(
            actor=request.user,
            enrollment_id=d.pop("enrollment"),
            institution_id=d.pop("institution"),
            therapist_id=d.pop("therapist"),
            **d,
        )
        return Response(
            PlanSerializer(selectors.plans_visible(user=request.user).get(pk=plan.pk)).data, status=201
        )

    @extend_schema(request=PlanTransferSerializer, responses={201: PlanSerializer})
    @action(detail=True, methods=["post"], url_path="transfer", url_name="transfer")
    def transfer(self, request: Request, plan_id: Any = None) -> Response:
        """The child changes institution mid-year (same category): this plan ends the day before
        ``on``; the new plan at ``institution`` is returned."""
        plan = self.get_object()
        data = PlanTransferSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        new = actions.rehab_plan_transfer(
            actor=request.user,
            plan_id=plan.pk,
            to_institution_id=d.pop("institution"),
            therapist_id=d.pop("therapist"),
            **d,
        )
        return Response(PlanSerializer(new).data, status=201)


class AttendanceViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Sign-in days: list by plan and date range; POST the days of one plan (idempotent)."""

    required_permission = Perm.REHAB_VIEW
    serializer_class = AttendanceSerializer
    action_permissions = {"create": Perm.REHAB_ATTENDANCE}

    def visible(self):  # type: ignore[no-untyped-def]
        p = self.request.query_params
        return selectors.attendances_visible(
            user=self.request.user,
            plan_id=int_param(p.get("plan")),
            start=as_date(p.get("from"), "from", required=False),
            end=as_date(p.get("to"), "to", required=False),
        )

    @extend_schema(request=AttendanceCreateSerializer, responses={201: dict})
    def create(self, request: Request) -> Response:
        data = AttendanceCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        added = actions.rehab_attendance_record(
            actor=request.user,
            plan_id=data.validated_data["plan"],
            days=data.validated_data["days"],
            source=AttendanceSource.API,
            confirm_holiday=data.validated_data["confirm_holiday"],
        )
        return Response(
            {
                "plan": data.validated_data["plan"],
                "added": added,
                "days": len(set(data.validated_data["days"])),
            },
            status=status.HTTP_201_CREATED,
        )


class DeviceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    required_permission = Perm.REHAB_VIEW
    serializer_class = DeviceSerializer
    lookup_url_kwarg = "device_id"
    action_permissions = {"create": Perm.REHAB_MANAGE}

    def visible(self):  # type: ignore[no-untyped-def]
        return selectors.devices_visible(
            user=self.request.user, person_id=int_param(self.request.query_params.get("person"))
        )

    @extend_schema(request=DeviceCreateSerializer, responses=DeviceSerializer)
    def create(self, request: Request) -> Response:
        data = DeviceCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        device = actions.device_provide(
            actor=request.user,
            person_id=d["person"],
            kind_id=d["kind"],
            provided_on=d["provided_on"],
            institution_id=d["institution"],
            amount=d["amount"],
            note=d["note"],
        )
        return Response(DeviceSerializer(device).data, status=status.HTTP_201_CREATED)


class SurgeryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    required_permission = Perm.REHAB_VIEW
    serializer_class = SurgerySerializer
    lookup_url_kwarg = "surgery_id"
    action_permissions = {"create": Perm.REHAB_MANAGE, "update_status": Perm.REHAB_MANAGE}

    def visible(self):  # type: ignore[no-untyped-def]
        p = self.request.query_params
        return selectors.surgeries_visible(
            user=self.request.user,
            person_id=int_param(p.get("person")) if self.action == "list" else None,
            status=p.get("status")
            if self.action == "list" and p.get("status") in SurgeryStatus.values
            else "",
        )

    @extend_schema(request=SurgeryCreateSerializer, responses=SurgerySerializer)
    def create(self, request: Request) -> Response:
        data = SurgeryCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        referral = actions.surgery_refer(actor=request.user, person_id=d.pop("person"), **d)
        return Response(SurgerySerializer(referral).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SurgeryUpdateSerializer, responses=SurgerySerializer)
    @action(detail=True, methods=["post"], url_path="update", url_name="update")
    def update_status(self, request: Request, surgery_id: Any = None) -> Response:
        referral = self.get_object()
        data = SurgeryUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = actions.surgery_update(actor=request.user, surgery_id=referral.pk, **data.validated_data)
        return Response(SurgerySerializer(referral).data)


class TrainingDaysViewSet(viewsets.ViewSet):
    """Training days per child (plan) and month of a year: ``months`` has 12 counts."""

    permission_classes = [permissions.IsAuthenticated, HasCanlianPermission]
    required_permission = Perm.REHAB_VIEW

    def list(self, request: Request) -> Response:
        p = request.query_params
        year = int_param(p.get("year")) or timezone.localdate().year
        if not 2000 <= year <= 2100:
            year = timezone.localdate().year
        region = p.get("region", "")
        rows = selectors.training_days(
            user=request.user,
            year=year,
            institution_id=int_param(p.get("institution")),
            category=p.get("category") if p.get("category") in ServiceCategory.values else "",
            region=region if region.isdigit() and len(region) <= 12 else "",
        )
        return Response(
            {
                "year": year,
                "children": len(rows),
                "total_days": sum(r.total for r in rows),
                "results": [
                    {
                        "plan": r.plan.pk,
                        "person": r.plan.person_id,
                        "person_name": r.plan.person.name,
                        "institution": r.plan.institution_id,
                        "institution_name": r.plan.institution.name,
                        "category": r.plan.category,
                        "months": r.months,
                        "total": r.total,
                        "holiday_days": [d.isoformat() for d in r.holidays],
                        "child_total": r.child_total,
                    }
                    for r in rows
                ],
            }
        )


def register(router: Any) -> None:
    router.register("rehab/plans", PlanViewSet, basename="rehab-plan")
    router.register("rehab/attendance", AttendanceViewSet, basename="rehab-attendance")
    router.register("rehab/devices", DeviceViewSet, basename="rehab-device")
    router.register("rehab/surgeries", SurgeryViewSet, basename="rehab-surgery")
    router.register("rehab/training-days", TrainingDaysViewSet, basename="rehab-training-days")
    settlement_api.register(router)
