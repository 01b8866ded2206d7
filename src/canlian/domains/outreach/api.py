"""The /api/v1/ viewsets of volunteers, donations and typical cases. Reads need ``outreach.view``;
writes ``outreach.manage`` over the row's region and go through the same actions as the pages (the
balance of a donation, the consent before a case is submitted, the review by someone else).

- ``outreach/volunteers`` (with total hours; ID numbers and phones masked; POST registers),
  ``outreach/activities`` (POST records one with the hours and the people served),
  ``outreach/donations`` (with used and balance; POST receives, ``{id}/use/`` POST records a use,
  ``{id}/uses/`` lists them), ``outreach/cases`` (published ones, and those one manages; the person's
  name masked unless consented; POST drafts, PATCH edits a draft, ``submit``, ``review``).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.permissions import Perm
from canlian.domains.outreach import actions, selectors
from canlian.domains.outreach.choices import ActivityKind, Consent, DonationKind, DonorKind
from canlian.domains.outreach.models import Activity, Donation, DonationUse, TypicalCase, Volunteer
from canlian.platform.api import ScopedViewSet
from canlian.platform.errors import ValidationFailed

MANAGE = Perm.OUTREACH_MANAGE


class VolunteerSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="masked_id", read_only=True)
    phone = serializers.CharField(source="masked_phone", read_only=True)
    total_hours = serializers.DecimalField(max_digits=9, decimal_places=1, read_only=True)

    class Meta:
        model = Volunteer
        fields = [
            "id",
            "region_code",
            "name",
            "id_number",
            "phone",
            "organisation",
            "skills",
            "registered_on",
            "active",
            "total_hours",
        ]
        read_only_fields = fields


class ActivitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Activity
        fields = ["id", "region_code", "title", "kind", "on", "place", "institution", "description"]
        read_only_fields = fields


class DonationSerializer(serializers.ModelSerializer):
    used = serializers.DecimalField(source="used_total", max_digits=14, decimal_places=2, read_only=True)
    balance = serializers.SerializerMethodField()

    class Meta:
        model = Donation
        fields = [
            "id",
            "number",
            "region_code",
            "donor",
            "donor_kind",
            "received_on",
            "kind",
            "amount",
            "goods",
            "purpose",
            "restricted",
            "used",
            "balance",
        ]
        read_only_fields = fields

    def get_balance(self, obj: Donation) -> str:
        return str(obj.amount - obj.used_total)


class CaseSerializer(serializers.ModelSerializer):
    story = serializers.SerializerMethodField()
    person_name = serializers.CharField(source="shown_name", read_only=True)

    class Meta:
        model = TypicalCase
        fields = ["id", "region_code", "title", "story", "person_name", "consent", "status", "published_on"]
        read_only_fields = fields

    def get_story(self, obj: TypicalCase) -> str:
        return obj.shown(obj.story)


class VolunteerCreateSerializer(serializers.Serializer):
    region_code = serializers.CharField(max_length=12)
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    organisation = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    skills = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    registered_on = serializers.DateField(required=False)


class HoursSerializer(serializers.Serializer):
    volunteer = serializers.IntegerField(min_value=1)
    hours = serializers.DecimalField(max_digits=4, decimal_places=1)


class ActivityCreateSerializer(serializers.Serializer):
    region_code = serializers.CharField(max_length=12)
    title = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    on = serializers.DateField()
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    institution = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    hours = HoursSerializer(many=True, required=False, help_text="Each volunteer's hours")
    people_served = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, help_text="Person ids"
    )


class DonationCreateSerializer(serializers.Serializer):
    region_code = serializers.CharField(max_length=12)
    donor = serializers.CharField(max_length=120)
    donor_kind = serializers.ChoiceField(choices=DonorKind.choices)
    received_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=DonationKind.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="Yuan (goods: their value)")
    goods = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    purpose = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    restricted = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class UseSerializer(serializers.ModelSerializer):
    class Meta:
        model = DonationUse
        fields = ["id", "donation", "on", "amount", "activity", "person", "description"]
        read_only_fields = fields


class UseCreateSerializer(serializers.Serializer):
    on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    description = serializers.CharField(max_length=200)
    activity = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    person = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class CaseWriteSerializer(serializers.Serializer):
    region_code = serializers.CharField(max_length=12, required=False, help_text="On create")
    title = serializers.CharField(max_length=120)
    story = serializers.CharField(max_length=20000)
    figures = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    person = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    institution = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    consent = serializers.ChoiceField(choices=Consent.choices, required=False, default=Consent.NONE)
    consent_on = serializers.DateField(required=False, allow_null=True)


class ReviewSerializer(serializers.Serializer):
    publish = serializers.BooleanField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    on = serializers.DateField(required=False)


class _ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    required_permission = Perm.OUTREACH_VIEW
    selector: Any = None

    def visible(self):  # type: ignore[no-untyped-def]
        return type(self).selector(user=self.request.user).order_by("-id")

    def _shown(self, pk: int) -> Any:
        """The written row as the list shows it (annotations and masks), read back through scope."""
        return type(self).selector(user=self.request.user).get(pk=pk)


class VolunteerViewSet(_ReadViewSet):
    """Volunteers with their total hours; POST registers one (``outreach.manage``)."""

    serializer_class = VolunteerSerializer
    lookup_url_kwarg = "volunteer_id"
    selector = staticmethod(selectors.volunteers_visible)
    action_permissions = {"create": MANAGE}

    @extend_schema(request=VolunteerCreateSerializer, responses={201: VolunteerSerializer})
    def create(self, request: Request) -> Response:
        data = VolunteerCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        volunteer = actions.volunteer_register(actor=request.user, **data.validated_data)
        return Response(VolunteerSerializer(self._shown(volunteer.pk)).data, status=status.HTTP_201_CREATED)


class ActivityViewSet(_ReadViewSet):
    """Activities; POST records one with each volunteer's hours and the people served."""

    serializer_class = ActivitySerializer
    lookup_url_kwarg = "activity_id"
    selector = staticmethod(selectors.activities_visible)
    action_permissions = {"create": MANAGE}

    @extend_schema(request=ActivityCreateSerializer, responses={201: ActivitySerializer})
    def create(self, request: Request) -> Response:
        data = ActivityCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        activity = actions.activity_record(
            actor=request.user,
            region_code=d["region_code"],
            title=d["title"],
            kind=d["kind"],
            on=d["on"],
            place=d["place"],
            description=d["description"],
            institution_id=d.get("institution"),
            hours=[(h["volunteer"], h["hours"]) for h in d.get("hours") or []],
            people_served=d.get("people_served") or [],
        )
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)


class DonationViewSet(_ReadViewSet):
    """Donations with used and balance; POST receives one (the next receipt number of its region and
    year); ``use`` records a use, never beyond the balance; ``uses`` lists them."""

    serializer_class = DonationSerializer
    lookup_url_kwarg = "donation_id"
    selector = staticmethod(selectors.donations_visible)
    action_permissions = {"create": MANAGE, "use": MANAGE}

    @extend_schema(request=DonationCreateSerializer, responses={201: DonationSerializer})
    def create(self, request: Request) -> Response:
        data = DonationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        donation = actions.donation_receive(actor=request.user, **data.validated_data)
        return Response(DonationSerializer(self._shown(donation.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=UseSerializer(many=True))
    @action(detail=True, methods=["get"])
    def uses(self, request: Request, donation_id: Any = None) -> Response:
        donation = self.get_object()
        return Response(UseSerializer(donation.uses.order_by("on", "id"), many=True).data)

    @extend_schema(request=UseCreateSerializer, responses={201: UseSerializer})
    @action(detail=True, methods=["post"])
    def use(self, request: Request, donation_id: Any = None) -> Response:
        donation = self.get_object()
        data = UseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        use = actions.donation_use(
            actor=request.user,
            donation_id=donation.pk,
            on=d["on"],
            amount=d["amount"],
            description=d["description"],
            activity_id=d.get("activity"),
            person_id=d.get("person"),
        )
        return Response(UseSerializer(use).data, status=status.HTTP_201_CREATED)


class CaseViewSet(_ReadViewSet):
    """Typical cases; POST drafts one, PATCH edits a draft or returned one, ``submit`` sends it for
    review (the person's consent recorded first), ``review`` publishes or returns it (by someone other
    than the author): the same actions as the pages."""

    serializer_class = CaseSerializer
    lookup_url_kwarg = "typical_case_id"
    selector = staticmethod(selectors.cases_visible)
    action_permissions = {"create": MANAGE, "partial_update": MANAGE, "submit": MANAGE, "review": MANAGE}

    @extend_schema(request=CaseWriteSerializer, responses={201: CaseSerializer})
    def create(self, request: Request) -> Response:
        data = CaseWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        if not d.get("region_code"):
            raise ValidationFailed(_("Choose the region."), field="region_code")
        case = actions.case_save(actor=request.user, region_code=d["region_code"], **self._fields(d))
        return Response(CaseSerializer(self._shown(case.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CaseWriteSerializer(partial=True), responses=CaseSerializer)
    def partial_update(self, request: Request, typical_case_id: Any = None) -> Response:
        case = self.get_object()
        data = CaseWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        current = {
            "title": case.title,
            "story": case.story,
            "figures": case.figures,
            "person": case.person_id,
            "institution": case.institution_id,
            "consent": case.consent,
            "consent_on": case.consent_on,
        }
        current.update({k: v for k, v in data.validated_data.items() if k != "region_code"})
        actions.case_save(
            actor=request.user, case_id=case.pk, cadre_id=case.cadre_id, **self._fields(current)
        )
        return Response(CaseSerializer(self._shown(case.pk)).data)

    @staticmethod
    def _fields(d: dict[str, Any]) -> dict[str, Any]:
        return {
            "title": d["title"],
            "story": d["story"],
            "figures": d.get("figures") or "",
            "person_id": d.get("person"),
            "institution_id": d.get("institution"),
            "consent": d.get("consent") or Consent.NONE,
            "consent_on": d.get("consent_on"),
        }

    @extend_schema(request=None, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, typical_case_id: Any = None) -> Response:
        case = self.get_object()
        actions.case_submit(actor=request.user, case_id=case.pk)
        return Response(CaseSerializer(self._shown(case.pk)).data)

    @extend_schema(request=ReviewSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, typical_case_id: Any = None) -> Response:
        case = self.get_object()
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actions.case_review(actor=request.user, case_id=case.pk, **data.validated_data)
        return Response(CaseSerializer(self._shown(case.pk)).data)


def register(router: Any) -> None:
    """Called by config/api.py."""
    router.register("outreach/volunteers", VolunteerViewSet, basename="outreach-volunteer")
    router.register("outreach/activities", ActivityViewSet, basename="outreach-activity")
    router.register("outreach/donations", DonationViewSet, basename="outreach-donation")
    router.register("outreach/cases", CaseViewSet, basename="outreach-case")
