"""The /api/v1/ viewsets of volunteers, donations and typical cases (read; writes are on the pages).

- ``outreach/volunteers`` (with total hours; ID numbers and phones masked), ``outreach/activities``,
  ``outreach/donations`` (with used and balance), ``outreach/cases`` (published ones, and those one
  manages; the person's name masked unless consented).
"""

from __future__ import annotations

from typing import Any

from rest_framework import mixins, serializers

from canlian.core.permissions import Perm
from canlian.domains.outreach import selectors
from canlian.domains.outreach.models import Activity, Donation, TypicalCase, Volunteer
from canlian.platform.api import ScopedViewSet


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


class _ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    required_permission = Perm.OUTREACH_VIEW
    selector: Any = None

    def visible(self):  # type: ignore[no-untyped-def]
        return type(self).selector(user=self.request.user).order_by("-id")


class VolunteerViewSet(_ReadViewSet):
    serializer_class = VolunteerSerializer
    lookup_url_kwarg = "volunteer_id"
    selector = staticmethod(selectors.volunteers_visible)


class ActivityViewSet(_ReadViewSet):
    serializer_class = ActivitySerializer
    lookup_url_kwarg = "activity_id"
    selector = staticmethod(selectors.activities_visible)


class DonationViewSet(_ReadViewSet):
    serializer_class = DonationSerializer
    lookup_url_kwarg = "donation_id"
    selector = staticmethod(selectors.donations_visible)


class CaseViewSet(_ReadViewSet):
    serializer_class = CaseSerializer
    lookup_url_kwarg = "typical_case_id"
    selector = staticmethod(selectors.cases_visible)


def register(router: Any) -> None:
    """Called by config/api.py."""
    router.register("outreach/volunteers", VolunteerViewSet, basename="outreach-volunteer")
    router.register("outreach/activities", ActivityViewSet, basename="outreach-activity")
    router.register("outreach/donations", DonationViewSet, basename="outreach-donation")
    router.register("outreach/cases", CaseViewSet, basename="outreach-case")
