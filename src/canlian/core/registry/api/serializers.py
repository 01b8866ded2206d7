"""API shapes of the registry. Identities are always masked here; the full ID number and phone come
only from the audited ``reveal`` action."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from canlian.core.registry.choices import (
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
