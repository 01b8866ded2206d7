"""API of institutions. ``register(router)`` is called by canlian.config.api. Every read goes through
the selectors (``for_user``): a federation user reaches their region, an institution's staff their own
institution only; anything else is a 404, like missing.

- ``institutions/``: list (?kind, ?status, ?region, ?category, ?expiry, ?q), retrieve, create
  (institutions.manage), partial_update (institutions.staff: the federation everything, the
  institution's staff their contact/address/bank fields), ``status`` (POST, institutions.manage),
  ``history`` (GET), ``qualifications`` and ``agreements`` (GET list, POST add: institutions.manage);
- ``institutions/staff``: list (?institution, ?post, ?current=0|1|all), retrieve (ID number and phone
  masked), create and partial_update (institutions.staff), ``leave`` (institutions.staff),
  ``sign-in`` (institutions.manage), ``certificate-gaps`` (GET, ?state, ?days);
- ``institutions/courses``: list, retrieve (with the results the caller may see), create and
  ``results`` (POST a table of results; training.manage);
- ``institutions/certificates``: list (?staff, ?valid_on), retrieve, create = issue and ``revoke``
  (training.manage).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.institutions import actions, selectors
from canlian.core.institutions.choices import (
    InstitutionKind,
    InstitutionStatus,
    QualificationKind,
    ServiceCategory,
    StaffPost,
)
from canlian.core.institutions.models import (
    Institution,
    InstitutionStatusChange,
    Qualification,
    ServiceAgreement,
    StaffCertificate,
    StaffMember,
    TrainingCourse,
    TrainingResult,
)
from canlian.core.permissions import Perm
from canlian.core.registry.identity import mask_id, mask_phone
from canlian.platform.api import ScopedViewSet, TextField

# --- serializers -----------------------------------------------------------------------------------


class InstitutionSerializer(serializers.ModelSerializer):
    agreement_until = serializers.DateField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = Institution
        fields = [
            "id",
            *actions.INSTITUTION_FIELDS,
            "status",
            "status_since",
            "rating_score",
            "rated_on",
            "agreement_until",
        ]
        read_only_fields = fields


class InstitutionWriteSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=30, required=False)
    name = serializers.CharField(max_length=100, required=False)
    kind = serializers.ChoiceField(choices=InstitutionKind.choices, required=False)
    region_code = serializers.CharField(max_length=12, required=False)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    operator = serializers.CharField(max_length=100, required=False, allow_blank=True)
    credit_code = serializers.CharField(max_length=24, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    capacity = serializers.IntegerField(min_value=0, max_value=100000, required=False)
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=ServiceCategory.choices), required=False
    )
    bank_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    bank_account = serializers.CharField(max_length=40, required=False, allow_blank=True)
    account_holder = serializers.CharField(max_length=100, required=False, allow_blank=True)


class InstitutionCreateSerializer(InstitutionWriteSerializer):
    code = serializers.CharField(max_length=30)
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=InstitutionKind.choices)
    region_code = serializers.CharField(max_length=12)


class InstitutionStatusChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = InstitutionStatusChange
        fields = [
            "id",
            "institution",
            "from_status",
            "to_status",
            "on",
            "reason",
            "source",
            "actor",
            "created_at",
        ]
        read_only_fields = fields


class InstitutionStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=InstitutionStatus.choices)
    reason = serializers.CharField(max_length=300)
    on = serializers.DateField(required=False)


class InstitutionQualificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Qualification
        fields = ["id", "institution", "kind", "number", "issued_by", "valid_from", "valid_until"]
        read_only_fields = fields


class InstitutionQualificationWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=QualificationKind.choices)
    number = serializers.CharField(max_length=60)
    issued_by = serializers.CharField(max_length=100, required=False, allow_blank=True)
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateField(required=False, allow_null=True)


class ServiceAgreementSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceAgreement
        fields = ["id", "institution", "number", "services", "signed_on", "valid_from", "valid_until"]
        read_only_fields = fields


class ServiceAgreementWriteSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=60)
    services = serializers.CharField(max_length=200, required=False, allow_blank=True)
    signed_on = serializers.DateField(required=False, allow_null=True)
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()


class StaffMemberSerializer(serializers.ModelSerializer):
    """ID number and phone are masked, as in every list."""

    id_number = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    has_sign_in = serializers.SerializerMethodField()

    class Meta:
        model = StaffMember
        fields = [
            "id",
            "institution",
            "institution_name",
            "name",
            "id_number",
            "phone",
            "post",
            "title",
            "hired_on",
            "left_on",
            "has_sign_in",
        ]
        read_only_fields = fields

    def get_id_number(self, obj: StaffMember) -> str:
        return mask_id(obj.id_number)

    def get_phone(self, obj: StaffMember) -> str:
        return mask_phone(obj.phone)

    def get_has_sign_in(self, obj: StaffMember) -> bool:
        return obj.user_id is not None


class StaffMemberWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, required=False)
    post = serializers.ChoiceField(choices=StaffPost.choices, required=False)
    id_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    title = serializers.CharField(max_length=60, required=False, allow_blank=True)
    hired_on = serializers.DateField(required=False, allow_null=True)


class StaffMemberCreateSerializer(StaffMemberWriteSerializer):
    institution = serializers.IntegerField()
    name = serializers.CharField(max_length=50)
    post = serializers.ChoiceField(choices=StaffPost.choices)


class StaffLeaveSerializer(serializers.Serializer):
    left_on = serializers.DateField(required=False)


class StaffSignInSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, write_only=True)


class CertificateGapSerializer(StaffMemberSerializer):
    state = serializers.SerializerMethodField()
    certificate_valid_until = serializers.DateField(source="cert_until", read_only=True, allow_null=True)

    class Meta(StaffMemberSerializer.Meta):
        fields = [*StaffMemberSerializer.Meta.fields, "state", "certificate_valid_until"]
        read_only_fields = fields

    def get_state(self, obj: Any) -> str:
        return selectors.certificate_state(obj, self.context["on"], self.context["days"])


class CertificateGapQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=list(selectors.CERTIFICATE_STATES), required=False)
    days = serializers.IntegerField(min_value=1, max_value=730, required=False)
    region = serializers.CharField(max_length=12, required=False, allow_blank=True)


class TrainingResultSerializer(serializers.ModelSerializer):
    staff_name = serializers.CharField(source="staff.name", read_only=True)

    class Meta:
        model = TrainingResult
        fields = [
            "id",
            "course",
            "staff",
            "staff_name",
            "written_score",
            "practical_score",
            "passed",
            "recorded_at",
        ]
        read_only_fields = fields


class TrainingCourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingCourse
        fields = ["id", *actions.COURSE_FIELDS]
        read_only_fields = fields


class TrainingCourseCreateSerializer(serializers.Serializer):
    name = TextField(max_length=100)
    region_code = TextField(max_length=12, required=False, allow_blank=True)
    organiser = TextField(max_length=100, required=False, allow_blank=True)
    posts = serializers.ListField(child=serializers.ChoiceField(choices=StaffPost.choices), required=False)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    hours = serializers.IntegerField(min_value=0, max_value=2000, required=False)
    pass_written = serializers.DecimalField(max_digits=5, decimal_places=1, required=False)
    pass_practical = serializers.DecimalField(max_digits=5, decimal_places=1, required=False)
    certificate_years = serializers.IntegerField(min_value=1, max_value=10, required=False)


class TrainingResultRowSerializer(serializers.Serializer):
    staff_id = serializers.IntegerField()
    written_score = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    practical_score = serializers.CharField(required=False, allow_blank=True, allow_null=True)


class TrainingResultsSerializer(serializers.Serializer):
    results = TrainingResultRowSerializer(many=True)


class StaffCertificateSerializer(serializers.ModelSerializer):
    staff_name = serializers.CharField(source="staff.name", read_only=True)
    institution = serializers.IntegerField(source="staff.institution_id", read_only=True)

    class Meta:
        model = StaffCertificate
        fields = [
            "id",
            "staff",
            "staff_name",
            "institution",
            "course",
            "number",
            "issued_on",
            "valid_until",
            "revoked_on",
        ]
        read_only_fields = fields


class StaffCertificateIssueSerializer(serializers.Serializer):
    staff = serializers.IntegerField()
    course = serializers.IntegerField(required=False, allow_null=True)
    number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    issued_on = serializers.DateField(required=False)


class StaffCertificateRevokeSerializer(serializers.Serializer):
    on = serializers.DateField(required=False)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


# --- viewsets --------------------------------------------------------------------------------------


def _flag(value: str | None) -> bool | None:
    return {"1": True, "0": False, "all": None}.get(value or "1", True)


class InstitutionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Institutions the caller sees (an institution's staff: their own only)."""

    serializer_class = InstitutionSerializer
    required_permission = Perm.INSTITUTIONS_VIEW
    lookup_value_regex = r"\d+"
    lookup_url_kwarg = "institution_id"
    action_permissions = {
        "create": Perm.INSTITUTIONS_MANAGE,
        "partial_update": Perm.INSTITUTIONS_STAFF,
        "set_status": Perm.INSTITUTIONS_MANAGE,
        "add_qualification": Perm.INSTITUTIONS_MANAGE,
        "add_agreement": Perm.INSTITUTIONS_MANAGE,
    }

    def visible(self) -> QuerySet[Institution]:
        if self.action != "list":
            return selectors.institutions_visible(user=self.request.user)
        p = self.request.query_params
        return selectors.institutions_visible(
            user=self.request.user,
            kind=p.get("kind", ""),
            status=p.get("status", ""),
            region_code=p.get("region", ""),
            category=p.get("category", ""),
            expiry=p.get("expiry", "") if p.get("expiry", "") in selectors.EXPIRY_FILTERS else "",
            q=p.get("q", "")[:50],
        )

    @extend_schema(request=InstitutionCreateSerializer, responses=InstitutionSerializer)
    def create(self, request: Request) -> Response:
        data = InstitutionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        institution = actions.institution_create(actor=request.user, **data.validated_data)
        return Response(InstitutionSerializer(institution).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=InstitutionWriteSerializer, responses=InstitutionSerializer)
    def partial_update(self, request: Request, institution_id: Any = None) -> Response:
        institution = self.get_object()
        data = InstitutionWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        institution = actions.institution_update(
            actor=request.user, institution_id=institution.pk, **data.validated_data
        )
        return Response(InstitutionSerializer(institution).data)

    @extend_schema(request=InstitutionStatusSerializer, responses=InstitutionStatusChangeSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, institution_id: Any = None) -> Response:
        institution = self.get_object()
        data = InstitutionStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = actions.institution_set_status(
            actor=request.user, institution_id=institution.pk, source="", **data.validated_data
        )
        return Response(InstitutionStatusChangeSerializer(change).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=InstitutionStatusChangeSerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request: Request, institution_id: Any = None) -> Response:
        institution = self.get_object()
        return Response(
            InstitutionStatusChangeSerializer(
                selectors.status_history(institution=institution), many=True
            ).data
        )

    @extend_schema(responses=InstitutionQualificationSerializer(many=True))
    @action(detail=True, methods=["get"])
    def qualifications(self, request: Request, institution_id: Any = None) -> Response:
        institution = self.get_object()
        return Response(InstitutionQualificationSerializer(institution.qualifications.all(), many=True).data)

    @extend_schema(
        request=InstitutionQualificationWriteSerializer, responses=InstitutionQualificationSerializer
    )
    @qualifications.mapping.post
    def add_qualification(self, request: Request, institution_id: Any = None) -> Response:
        institution = self.get_object()
        data = InstitutionQualificationWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        qualification = actions.qualification_add(
            actor=request.user, institution_id=institution.pk, **data.validated_data
        )
        return Response(
            InstitutionQualificationSerializer(qualification).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses=ServiceAgreementSerializer(many=True))
    @action(detail=True, methods=["get"])
    def agreements(self, request: Request, institution_id: Any = None) -> Response:
        institution = self.get_object()
        return Response(ServiceAgreementSerializer(institution.agreements.all(), many=True).data)

    @extend_schema(request=ServiceAgreementWriteSerializer, responses=ServiceAgreementSerializer)
    @agreements.mapping.post
    def add_agreement(self, request: Request, institution_id: Any = None) -> Response:
        institution = self.get_object()
        data = ServiceAgreementWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agreement = actions.agreement_add(
            actor=request.user, institution_id=institution.pk, **data.validated_data
        )
        return Response(ServiceAgreementSerializer(agreement).data, status=status.HTTP_201_CREATED)


class StaffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Staff the caller sees; ID numbers and phones masked."""

    serializer_class = StaffMemberSerializer
    required_permission = Perm.INSTITUTIONS_VIEW
    lookup_value_regex = r"\d+"
    lookup_url_kwarg = "staff_id"
    action_permissions = {
        "create": Perm.INSTITUTIONS_STAFF,
        "partial_update": Perm.INSTITUTIONS_STAFF,
        "leave": Perm.INSTITUTIONS_STAFF,
        "sign_in": Perm.INSTITUTIONS_MANAGE,
    }

    def visible(self) -> QuerySet[StaffMember]:
        if self.action != "list":
            return selectors.staff_visible(user=self.request.user, current=None)
        p = self.request.query_params
        return selectors.staff_visible(
            user=self.request.user,
            institution_id=p.get("institution") if (p.get("institution") or "").isdigit() else None,
            post=p.get("post", ""),
            current=_flag(p.get("current")),
        )

    @extend_schema(request=StaffMemberCreateSerializer, responses=StaffMemberSerializer)
    def create(self, request: Request) -> Response:
        data = StaffMemberCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        institution_id = values.pop("institution")
        staff = actions.staff_add(actor=request.user, institution_id=institution_id, **values)
        return Response(StaffMemberSerializer(staff).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StaffMemberWriteSerializer, responses=StaffMemberSerializer)
    def partial_update(self, request: Request, staff_id: Any = None) -> Response:
        staff = self.get_object()
        data = StaffMemberWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        staff = actions.staff_update(actor=request.user, staff_id=staff.pk, **data.validated_data)
        return Response(StaffMemberSerializer(staff).data)

    @extend_schema(request=StaffLeaveSerializer, responses=StaffMemberSerializer)
    @action(detail=True, methods=["post"])
    def leave(self, request: Request, staff_id: Any = None) -> Response:
        staff = self.get_object()
        data = StaffLeaveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        staff = actions.staff_leave(actor=request.user, staff_id=staff.pk, **data.validated_data)
        return Response(StaffMemberSerializer(staff).data)

    @extend_schema(request=StaffSignInSerializer, responses=StaffMemberSerializer)
    @action(detail=True, methods=["post"], url_path="sign-in")
    def sign_in(self, request: Request, staff_id: Any = None) -> Response:
        staff = self.get_object()
        data = StaffSignInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actions.staff_create_sign_in(actor=request.user, staff_id=staff.pk, **data.validated_data)
        staff.refresh_from_db()
        return Response(StaffMemberSerializer(staff).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[CertificateGapQuerySerializer],
        responses=inline_serializer(
            "CertificateGapList",
            {
                "on": serializers.DateField(),
                "days": serializers.IntegerField(),
                "truncated": serializers.BooleanField(help_text="More than 1,000 gaps: the first 1,000"),
                "results": CertificateGapSerializer(many=True),
            },
        ),
    )
    @action(detail=False, methods=["get"], url_path="certificate-gaps", pagination_class=None)
    def certificate_gaps(self, request: Request) -> Response:
        params = CertificateGapQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        on: dt.date = timezone.localdate()
        days = params.validated_data.get("days") or selectors.EXPIRING_DAYS
        qs = selectors.certificate_gaps(
            user=request.user,
            state=params.validated_data.get("state", ""),
            days=days,
            on=on,
            region_code=params.validated_data.get("region", ""),
        )
        rows = list(qs[:1000])
        return Response(
            {
                "on": on,
                "days": days,
                "truncated": len(rows) == 1000,
                "results": CertificateGapSerializer(rows, many=True, context={"on": on, "days": days}).data,
            }
        )


class CourseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    serializer_class = TrainingCourseSerializer
    required_permission = Perm.INSTITUTIONS_VIEW
    lookup_value_regex = r"\d+"
    lookup_url_kwarg = "course_id"
    action_permissions = {"create": Perm.TRAINING_MANAGE, "results": Perm.TRAINING_MANAGE}

    def visible(self) -> QuerySet[TrainingCourse]:
        return selectors.courses_visible(user=self.request.user)

    def retrieve(self, request: Request, course_id: Any = None) -> Response:
        course = self.get_object()
        body = dict(TrainingCourseSerializer(course).data)
        body["results"] = TrainingResultSerializer(
            selectors.course_results(user=request.user, course=course), many=True
        ).data
        return Response(body)

    @extend_schema(request=TrainingCourseCreateSerializer, responses=TrainingCourseSerializer)
    def create(self, request: Request) -> Response:
        data = TrainingCourseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        course = actions.training_course_create(actor=request.user, **data.validated_data)
        return Response(TrainingCourseSerializer(course).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TrainingResultsSerializer, responses=TrainingResultSerializer(many=True))
    @action(detail=True, methods=["post"])
    def results(self, request: Request, course_id: Any = None) -> Response:
        course = self.get_object()
        data = TrainingResultsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        saved = actions.training_results_record(
            actor=request.user, course_id=course.pk, results=[dict(r) for r in data.validated_data["results"]]
        )
        return Response(TrainingResultSerializer(saved, many=True).data)


class CertificateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    serializer_class = StaffCertificateSerializer
    required_permission = Perm.INSTITUTIONS_VIEW
    lookup_value_regex = r"\d+"
    lookup_url_kwarg = "staff_certificate_id"
    action_permissions = {"create": Perm.TRAINING_MANAGE, "revoke": Perm.TRAINING_MANAGE}

    def visible(self) -> QuerySet[StaffCertificate]:
        if self.action != "list":
            return selectors.certificates_visible(user=self.request.user)
        p = self.request.query_params
        valid_on = None
        if p.get("valid_on"):
            try:
                valid_on = dt.date.fromisoformat(p["valid_on"])
            except ValueError:
                valid_on = None
        return selectors.certificates_visible(
            user=self.request.user,
            staff_id=p.get("staff") if (p.get("staff") or "").isdigit() else None,
            valid_on=valid_on,
        )

    @extend_schema(request=StaffCertificateIssueSerializer, responses=StaffCertificateSerializer)
    def create(self, request: Request) -> Response:
        data = StaffCertificateIssueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        certificate = actions.staff_certificate_issue(
            actor=request.user,
            staff_id=v["staff"],
            number=v.get("number") or None,
            issued_on=v.get("issued_on"),
            course_id=v.get("course"),
        )
        return Response(StaffCertificateSerializer(certificate).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StaffCertificateRevokeSerializer, responses=StaffCertificateSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, staff_certificate_id: Any = None) -> Response:
        certificate = self.get_object()
        data = StaffCertificateRevokeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        certificate = actions.staff_certificate_revoke(
            actor=request.user, certificate_id=certificate.pk, **data.validated_data
        )
        return Response(StaffCertificateSerializer(certificate).data)


def register(router: Any) -> None:
    # The sub-collections first: "institutions/staff/" must not be read as an institution's id.
    router.register("institutions/staff", StaffViewSet, basename="institution-staff")
    router.register("institutions/courses", CourseViewSet, basename="training-course")
    router.register("institutions/certificates", CertificateViewSet, basename="staff-certificate")
    router.register("institutions", InstitutionViewSet, basename="institution")
