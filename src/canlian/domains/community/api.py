"""The /api/v1/ viewsets of community services: homes, members and attendance, residents and fee
statements, workers (accounts masked) and wage sheets (generate, approve), funding batches. Every
read goes through the selectors (``for_user``); every write through the actions."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.permissions import Perm
from canlian.domains.community import actions, selectors
from canlian.domains.community.choices import CareMode
from canlian.domains.community.models import (
    CareResident,
    FeeStatement,
    FundingBatch,
    Home,
    HomeAttendance,
    HomeMember,
    WageSheet,
    Worker,
)
from canlian.platform.api import ScopedViewSet

VIEW, RECORD, PAY, APPROVE = (
    Perm.COMMUNITY_VIEW,
    Perm.COMMUNITY_RECORD,
    Perm.COMMUNITY_PAY,
    Perm.COMMUNITY_APPROVE,
)


class HomeSerializer(serializers.ModelSerializer):
    """A home (残疾人之家): its institution, township, construction model, functions."""

    name = serializers.CharField(source="institution.name", read_only=True)
    functions = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = Home
        fields = [
            "id",
            "institution",
            "name",
            "region_code",
            "construction_model",
            "opened_on",
            "closed_on",
            "capacity",
            "staff_count",
            "functions",
            "demonstration",
        ]
        read_only_fields = fields


class MemberSerializer(serializers.ModelSerializer):
    """A member of a home (ID number masked)."""

    person_name = serializers.CharField(source="person.name", read_only=True)
    person_id_number = serializers.CharField(source="person.masked_id", read_only=True)

    class Meta:
        model = HomeMember
        fields = [
            "id",
            "home",
            "person",
            "person_name",
            "person_id_number",
            "region_code",
            "starts_on",
            "ends_on",
            "end_reason",
        ]
        read_only_fields = fields


class MemberCreateSerializer(serializers.Serializer):
    home = serializers.IntegerField()
    person = serializers.IntegerField()
    starts_on = serializers.DateField()


class AttendanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = HomeAttendance
        fields = ["id", "member", "institution", "on", "source", "recorded_at"]
        read_only_fields = fields


class AttendanceCreateSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    on = serializers.DateField()


class ResidentSerializer(serializers.ModelSerializer):
    """A person in care (托养)."""

    person_name = serializers.CharField(source="person.name", read_only=True)
    person_id_number = serializers.CharField(source="person.masked_id", read_only=True)

    class Meta:
        model = CareResident
        fields = [
            "id",
            "institution",
            "person",
            "person_name",
            "person_id_number",
            "region_code",
            "mode",
            "admitted_on",
            "discharged_on",
            "review_on",
            "monthly_fee",
        ]
        read_only_fields = fields


class ResidentCreateSerializer(serializers.Serializer):
    institution = serializers.IntegerField()
    person = serializers.IntegerField()
    mode = serializers.ChoiceField(choices=CareMode.choices)
    admitted_on = serializers.DateField()
    monthly_fee = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, default=0)


class StatementSerializer(serializers.ModelSerializer):
    """A resident's monthly fee under the fee rule, with its parts."""

    class Meta:
        model = FeeStatement
        fields = [
            "id",
            "resident",
            "person",
            "institution",
            "month",
            "days_in_month",
            "resident_days",
            "hardship_days",
            "dibao_amount",
            "wubao_amount",
            "living_amount",
            "nursing_amount",
            "basis",
            "institution_fee",
            "cap",
            "fee",
            "detail",
        ]
        read_only_fields = fields


class StatementGenerateSerializer(serializers.Serializer):
    institution = serializers.IntegerField()
    month = serializers.DateField(help_text="Any day of the month (YYYY-MM-DD).")


class WorkerSerializer(serializers.ModelSerializer):
    """An assisted worker with the labour agreement; the bank account masked."""

    person_name = serializers.CharField(source="person.name", read_only=True)
    person_id_number = serializers.CharField(source="person.masked_id", read_only=True)
    bank_account = serializers.CharField(source="masked_account", read_only=True)

    class Meta:
        model = Worker
        fields = [
            "id",
            "institution",
            "person",
            "person_name",
            "person_id_number",
            "agreement_number",
            "agreement_from",
            "agreement_to",
            "weekly_hours",
            "wage_basis",
            "hourly_rate",
            "project",
            "bank_name",
            "bank_account",
            "account_holder",
            "status",
        ]
        read_only_fields = fields


class SheetSerializer(serializers.ModelSerializer):
    """A month's wage sheet of an institution (maker-checker)."""

    class Meta:
        model = WageSheet
        fields = [
            "id",
            "institution",
            "region_code",
            "month",
            "status",
            "line_count",
            "total_amount",
            "generated_by",
            "generated_at",
            "approved_by",
            "approved_at",
        ]
        read_only_fields = fields


class SheetGenerateSerializer(serializers.Serializer):
    institution = serializers.IntegerField()
    month = serializers.DateField(help_text="Any day of the month (YYYY-MM-DD).")


class FundingSerializer(serializers.ModelSerializer):
    """A region's home funding for a year, from stars."""

    class Meta:
        model = FundingBatch
        fields = [
            "id",
            "region_code",
            "year",
            "status",
            "line_count",
            "total_amount",
            "generated_by",
            "approved_by",
            "paid_on",
            "note",
        ]
        read_only_fields = fields


class HomeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Homes in the caller's scope (a home's staff: their own)."""

    required_permission = VIEW
    serializer_class = HomeSerializer
    lookup_url_kwarg = "home_id"

    def visible(self):  # type: ignore[no-untyped-def]
        return selectors.homes_visible(self.request.user).prefetch_related("functions")


class MemberViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Members of homes; POST enrols a registered person (eligibility by the rule list in force)."""

    required_permission = VIEW
    serializer_class = MemberSerializer
    action_permissions = {"create": RECORD}

    def visible(self):  # type: ignore[no-untyped-def]
        return selectors.members_visible(self.request.user)

    @extend_schema(request=MemberCreateSerializer, responses={201: MemberSerializer})
    def create(self, request: Request) -> Response:
        data = MemberCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        member = actions.member_enrol(
            actor=request.user, home_id=d["home"], person_id=d["person"], starts_on=d["starts_on"]
        )
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)


class AttendanceViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Day-care days; POST toggles a member's sign-in on a day."""

    required_permission = VIEW
    serializer_class = AttendanceSerializer
    action_permissions = {"create": RECORD}
    scoped_model = HomeAttendance

    @extend_schema(request=AttendanceCreateSerializer, responses={201: dict})
    def create(self, request: Request) -> Response:
        data = AttendanceCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        signed = actions.attendance_toggle(
            actor=request.user, member_id=data.validated_data["member"], day=data.validated_data["on"]
        )
        return Response(
            {"member": data.validated_data["member"], "signed_in": signed}, status=status.HTTP_201_CREATED
        )


class ResidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    required_permission = VIEW
    serializer_class = ResidentSerializer
    lookup_url_kwarg = "resident_id"
    action_permissions = {"create": RECORD}

    def visible(self):  # type: ignore[no-untyped-def]
        return selectors.residents_visible(self.request.user)

    @extend_schema(request=ResidentCreateSerializer, responses={201: ResidentSerializer})
    def create(self, request: Request) -> Response:
        data = ResidentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        r = actions.resident_admit(
            actor=request.user, institution_id=d.pop("institution"), person_id=d.pop("person"), **d
        )
        return Response(ResidentSerializer(r).data, status=status.HTTP_201_CREATED)


class StatementViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Monthly fee statements; POST ``generate`` (re)writes an institution's month."""

    required_permission = VIEW
    serializer_class = StatementSerializer
    action_permissions = {"generate": RECORD}

    def visible(self):  # type: ignore[no-untyped-def]
        return selectors.statements_visible(self.request.user)

    @extend_schema(request=StatementGenerateSerializer, responses={201: dict})
    @action(detail=False, methods=["post"], url_path="generate", url_name="generate")
    def generate(self, request: Request) -> Response:
        data = StatementGenerateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        n = actions.fee_statements_generate(
            actor=request.user,
            institution_id=data.validated_data["institution"],
            month=data.validated_data["month"],
        )
        return Response({"statements": n}, status=status.HTTP_201_CREATED)


class WorkerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    required_permission = VIEW
    serializer_class = WorkerSerializer
    lookup_url_kwarg = "ae_worker_id"

    def visible(self):  # type: ignore[no-untyped-def]
        return selectors.workers_visible(self.request.user)


class SheetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Wage sheets; POST generates one, ``approve`` is for someone other than the generator."""

    required_permission = VIEW
    serializer_class = SheetSerializer
    lookup_url_kwarg = "wage_sheet_id"
    action_permissions = {"create": PAY, "approve": APPROVE}

    def visible(self):  # type: ignore[no-untyped-def]
        return selectors.sheets_visible(self.request.user)

    @extend_schema(request=SheetGenerateSerializer, responses={201: SheetSerializer})
    def create(self, request: Request) -> Response:
        data = SheetGenerateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sheet = actions.wage_sheet_generate(
            actor=request.user,
            institution_id=data.validated_data["institution"],
            month=data.validated_data["month"],
        )
        return Response(SheetSerializer(sheet).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=SheetSerializer)
    @action(detail=True, methods=["post"], url_path="approve", url_name="approve")
    def approve(self, request: Request, wage_sheet_id: Any = None) -> Response:
        sheet = self.get_object()
        return Response(
            SheetSerializer(actions.wage_sheet_approve(actor=request.user, sheet_id=sheet.pk)).data
        )


class FundingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    required_permission = VIEW
    serializer_class = FundingSerializer
    lookup_url_kwarg = "funding_batch_id"
    action_permissions = {"approve": APPROVE}

    def visible(self):  # type: ignore[no-untyped-def]
        return selectors.funding_batches_visible(self.request.user)

    @extend_schema(request=None, responses=FundingSerializer)
    @action(detail=True, methods=["post"], url_path="approve", url_name="approve")
    def approve(self, request: Request, funding_batch_id: Any = None) -> Response:
        batch = self.get_object()
        return Response(
            FundingSerializer(actions.funding_approve(actor=request.user, batch_id=batch.pk)).data
        )


def register(router: Any) -> None:
    """Called by config/api.py."""
    router.register("community/homes", HomeViewSet, basename="community-home")
    router.register("community/members", MemberViewSet, basename="community-member")
    router.register("community/attendance", AttendanceViewSet, basename="community-attendance")
    router.register("community/residents", ResidentViewSet, basename="community-resident")
    router.register("community/statements", StatementViewSet, basename="community-statement")
    router.register("community/workers", WorkerViewSet, basename="community-worker")
    router.register("community/wage-sheets", SheetViewSet, basename="community-wage-sheet")
    router.register("community/funding", FundingViewSet, basename="community-funding")
