"""/api/v1/ for the registry: persons (search, masked; audited reveal; create and update through the
actions), certificates (expiring / expired / cancelled lists), households and screening records.
Every read starts from ``for_user``; list filters are the person list's filters. Identities are always
masked here; the full ID number and phone come only from the audited ``reveal`` action."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.permissions import Perm
from canlian.core.registry import actions, selectors
from canlian.core.registry.choices import (
    RENEWAL_WINDOW_DAYS,
    Category,
    CertificateStatus,
    Grade,
    HardshipKind,
    HukouType,
    LifeStatus,
    ScreeningOutcome,
)
from canlian.core.registry.identity import mask_certificate, mask_phone
from canlian.core.registry.models import (
    Certificate,
    Household,
    HouseholdMember,
    Person,
    ScreeningRecord,
)
from canlian.core.registry.selectors import HOUSEHOLD_FLAGS, PersonFilters
from canlian.platform.api import (
    ScopedViewSet,
    choice_filter,
    query_int,
    read_query,
    region_filter,
    required_permission_for,
)
from canlian.platform.errors import MalformedInput


class CertificateBriefSerializer(serializers.ModelSerializer):
    number = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=CertificateStatus.choices, read_only=True)

    class Meta:
        model = Certificate
        fields = ["id", "number", "category", "grade", "issue_date", "valid_until", "state", "status"]

    def get_number(self, cert: Certificate) -> str:
        return mask_certificate(cert.number)


class PersonSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="masked_id", read_only=True)
    phone = serializers.CharField(source="masked_phone", read_only=True)
    age = serializers.SerializerMethodField()
    certificate = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "id_number",
            "sex",
            "birth_date",
            "age",
            "ethnicity",
            "phone",
            "region_code",
            "residence_address",
            "hukou_region_code",
            "hukou_address",
            "hukou_type",
            "life_status",
            "life_status_date",
            "source",
            "certificate",
            "created_at",
            "updated_at",
        ]

    def get_age(self, person: Person) -> int:
        return person.age_on()

    def get_certificate(self, person: Person) -> dict[str, Any] | None:
        """The certificate in force (masked number), or null."""
        current = getattr(person, "current_certificates", None)
        if current is None:
            current = list(person.certificates.filter(state="active"))
        return CertificateBriefSerializer(current[0]).data if current else None


class PersonUpdateSerializer(serializers.Serializer):
    """The editable fields (the ID number is the identity and is never edited)."""

    name = serializers.CharField(max_length=50, required=False)
    region_code = serializers.CharField(
        max_length=12, required=False, help_text="Residence region (village) code"
    )
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    ethnicity = serializers.CharField(max_length=20, required=False, allow_blank=True)
    residence_address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    hukou_region_code = serializers.CharField(max_length=12, required=False, allow_blank=True)
    hukou_address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    hukou_type = serializers.ChoiceField(choices=HukouType.choices, required=False, allow_blank=True)


class PersonCreateSerializer(PersonUpdateSerializer):
    id_number = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=50)
    region_code = serializers.CharField(max_length=12, help_text="Residence region (village) code")


class PersonIdentitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    id_number = serializers.CharField()
    phone = serializers.CharField()


class PersonFilterSerializer(serializers.Serializer):
    """The person list's filters as query parameters (the page and the export use the same)."""

    q = serializers.CharField(
        required=False, allow_blank=True, help_text="Name, pinyin, ID, certificate, phone"
    )
    region = serializers.RegexField(r"^\d{2,12}$", required=False, help_text="Region code prefix")
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    grade = serializers.ChoiceField(choices=Grade.choices, required=False)
    status = serializers.ChoiceField(
        choices=[*[c for c in CertificateStatus.values if c != CertificateStatus.SUPERSEDED], "none"],
        required=False,
    )
    hardship = serializers.ChoiceField(choices=HardshipKind.choices, required=False)
    household_flag = serializers.ChoiceField(choices=list(HOUSEHOLD_FLAGS), required=False)
    life_status = serializers.ChoiceField(choices=LifeStatus.choices, required=False)

    def filters(self) -> PersonFilters:
        return PersonFilters(**{k: v for k, v in self.validated_data.items() if v not in ("", None)})


class CertificateSerializer(serializers.ModelSerializer):
    number = serializers.SerializerMethodField()
    person_name = serializers.CharField(source="person.name", read_only=True)
    status = serializers.ChoiceField(choices=CertificateStatus.choices, read_only=True)

    class Meta:
        model = Certificate
        fields = [
            "id",
            "person",
            "person_name",
            "number",
            "category",
            "grade",
            "issue_date",
            "valid_until",
            "state",
            "status",
            "cancelled_on",
            "cancel_reason",
        ]

    def get_number(self, cert: Certificate) -> str:
        return mask_certificate(cert.number)


class HouseholdMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = HouseholdMember
        fields = ["id", "person", "name", "birth_date", "relationship", "is_head"]


class HouseholdSerializer(serializers.ModelSerializer):
    members = HouseholdMemberSerializer(many=True, read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "region_code",
            "number",
            "address",
            "multi_disabled",
            "alone_disabled",
            "elderly_carers",
            "members",
        ]


class ScreeningSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="masked_id", read_only=True)
    phone = serializers.SerializerMethodField()
    outcome = serializers.ChoiceField(choices=ScreeningOutcome.choices, read_only=True)

    class Meta:
        model = ScreeningRecord
        fields = [
            "id",
            "name",
            "id_number",
            "phone",
            "region_code",
            "address",
            "suspected_category",
            "source",
            "found_on",
            "description",
            "appointment_on",
            "assessor",
            "outcome",
            "outcome_on",
            "outcome_note",
            "person",
        ]

    def get_phone(self, record: ScreeningRecord) -> str:
        return mask_phone(record.phone)


if TYPE_CHECKING:
    from canlian.core.registry.selectors import PersonWithCertificate


class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """People in the caller's scope, newest first. ID numbers and phones are masked; ``reveal``
    returns them in full (persons.reveal, recorded in the audit log)."""

    scoped_model = Person
    serializer_class = PersonSerializer
    required_permission = Perm.PERSONS_VIEW
    action_permissions = {
        "create": Perm.PERSONS_EDIT,
        "partial_update": Perm.PERSONS_EDIT,
        "reveal": Perm.PERSONS_REVEAL,
    }
    lookup_url_kwarg = "person_id"

    def get_queryset(self) -> QuerySet[PersonWithCertificate]:
        if getattr(self, "action", None) != "list":
            return super().get_queryset()
        params = PersonFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        perm = required_permission_for(self, "list")
        assert perm is not None  # the viewset's required_permission
        return selectors.persons_with_current_certificate(
            selectors.persons_search(user=self.request.user, filters=params.filters(), action=perm)
        )

    def refine_queryset(self, queryset: QuerySet[Person]) -> QuerySet[PersonWithCertificate]:
        return selectors.persons_with_current_certificate(queryset)

    @extend_schema(parameters=[PersonFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        query = request.query_params.get("q", "")
        if query and response.status_code == 200:
            ids = [row["id"] for row in response.data.get("results", [])]
            actions.person_search_viewed(
                actor=request.user, query=query, people=Person.objects.filter(pk__in=ids), surface="api"
            )
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.get_object()
        actions.person_record_view(actor=request.user, person=person, surface="api")
        return Response(self.get_serializer(person).data)

    @extend_schema(request=PersonCreateSerializer, responses={201: PersonSerializer})
    def create(self, request: Request) -> Response:
        payload = PersonCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        person = actions.person_register(actor=request.user, **payload.validated_data)
        return Response(PersonSerializer(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PersonUpdateSerializer, responses=PersonSerializer)
    def partial_update(self, request: Request, person_id: str | None = None) -> Response:
        person = self.get_object()
        payload = PersonUpdateSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        person = actions.person_update(actor=request.user, person_id=person.pk, **payload.validated_data)
        return Response(PersonSerializer(person).data)

    @extend_schema(request=None, responses=PersonIdentitySerializer)
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, person_id: str | None = None) -> Response:
        person = self.get_object()
        person = actions.person_reveal(actor=request.user, person_id=person.pk)
        return Response(
            PersonIdentitySerializer(
                {"id": person.pk, "name": person.name, "id_number": person.id_number, "phone": person.phone}
            ).data
        )


class CertificateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Certificates of people in the caller's scope (numbers masked). ``list=expiring`` (with
    ``days``, default 365), ``list=expired`` or ``list=cancelled`` (in the last year)."""

    scoped_model = Certificate
    serializer_class = CertificateSerializer
    required_permission = Perm.PERSONS_VIEW
    lookup_url_kwarg = "certificate_id"

    def get_queryset(self) -> QuerySet[Certificate]:
        which = self.request.query_params.get("list", "") if self.action == "list" else ""
        user = self.request.user
        days = query_int(self.request, "days", low=1, high=3650)  # checked even where unused
        if days is None:
            days = RENEWAL_WINDOW_DAYS
        if which == "expiring":
            return selectors.certificates_expiring(user=user, days=days)
        if which == "expired":
            return selectors.certificates_expired(user=user)
        if which == "cancelled":
            return selectors.certificates_cancelled_recently(user=user)
        if which:
            raise MalformedInput("Choose expiring, expired or cancelled.", field="list")
        return super().get_queryset()

    def refine_queryset(self, queryset: QuerySet[Certificate]) -> QuerySet[Certificate]:
        return queryset.select_related("person")

    @extend_schema(
        parameters=[
            OpenApiParameter("list", OpenApiTypes.STR, enum=["expiring", "expired", "cancelled"]),
            OpenApiParameter(
                "days",
                {"type": "integer", "minimum": 1, "maximum": 3650},
                description="expiring within (default 365)",
            ),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        certificate = self.get_object()
        actions.person_record_view(
            actor=request.user, person=certificate.person, surface="api", certificate=certificate.pk
        )
        return Response(self.get_serializer(certificate).data)


class HouseholdFilters(serializers.Serializer):
    flag = choice_filter(list(selectors.HOUSEHOLD_FLAGS))
    region = region_filter()


class ScreeningFilters(serializers.Serializer):
    open = choice_filter(["1"], help_text="1: only those still awaiting an outcome")
    outcome = choice_filter(ScreeningOutcome.choices)
    region = region_filter()


class HouseholdViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Households in the caller's scope with their members. Filter with ``flag`` (multi_disabled,
    alone_disabled, elderly_carers) and ``region``."""

    scoped_model = Household
    serializer_class = HouseholdSerializer
    required_permission = Perm.PERSONS_VIEW
    lookup_url_kwarg = "household_id"

    def refine_queryset(self, queryset: QuerySet[Household]) -> QuerySet[Household]:
        params = read_query(self.request, HouseholdFilters) if self.action == "list" else {}
        if "flag" in params:
            queryset = queryset.filter(**{params["flag"]: True})
        if "region" in params:
            queryset = queryset.filter(region_code__startswith=params["region"])
        return selectors.households_for_list(queryset)

    @extend_schema(parameters=[HouseholdFilters])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A household's page lists its members' names and identities: a read of each member's record."""
        household = self.get_object()
        data = self.get_serializer(household).data
        for person in Person.objects.filter(memberships__household=household)[:50]:
            actions.person_record_view(
                actor=request.user, person=person, surface="api", household=household.pk
            )
        return Response(data)


class ScreeningViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Screening (摸排) records in the caller's scope. ``open=1`` for those still awaiting an
    outcome, ``outcome=…``, ``region=…``."""

    scoped_model = ScreeningRecord
    serializer_class = ScreeningSerializer
    required_permission = Perm.PERSONS_VIEW
    lookup_url_kwarg = "record_id"

    def refine_queryset(self, queryset: QuerySet[ScreeningRecord]) -> QuerySet[ScreeningRecord]:
        params = read_query(self.request, ScreeningFilters) if self.action == "list" else {}
        if "outcome" in params:
            queryset = queryset.filter(outcome=params["outcome"])
        if "open" in params:
            queryset = queryset.filter(outcome__in=[ScreeningOutcome.PENDING, ScreeningOutcome.SCHEDULED])
        if "region" in params:
            queryset = queryset.filter(region_code__startswith=params["region"])
        return queryset

    @extend_schema(parameters=[ScreeningFilters])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


def register(router: Any) -> None:
    router.register("persons", PersonViewSet, basename="person")
    router.register("certificates", CertificateViewSet, basename="certificate")
    router.register("households", HouseholdViewSet, basename="household")
    router.register("screenings", ScreeningViewSet, basename="screening")
