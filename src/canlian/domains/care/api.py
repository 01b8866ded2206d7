"""API of care. ``register(router)`` is called by canlian.config.api.

- ``care/pairings``: list (a cadre: theirs; care.manage: the region), retrieve, create (care.manage),
  ``end`` and ``reassign`` (care.manage);
- ``care/contacts``: list, retrieve, create = record a contact (care.record);
- ``care/needs``: list (?status, ?overdue=1, ?mine=1), retrieve, partial_update (care.record);
- ``care/compliance``: per person (?year, ?status), ``cadres`` and ``regions`` (?level) tallies.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from canlian.core.permissions import Perm
from canlian.domains.care import actions, selectors
from canlian.domains.care.compliance import cadre_compliance, person_compliance, region_compliance
from canlian.domains.care.models import Contact, ContactWay, EndReason, Need, NeedStatus, Pairing
from canlian.platform.api import HasCanlianPermission, ScopedViewSet, region_filter


class PairingSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    cadre_name = serializers.CharField(source="cadre.__str__", read_only=True)

    class Meta:
        model = Pairing
        fields = [
            "id",
            "person",
            "person_name",
            "cadre",
            "cadre_name",
            "region_code",
            "started_on",
            "ended_on",
            "end_reason",
            "end_note",
        ]
        read_only_fields = fields


class PairingCreateSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    cadre = serializers.IntegerField()
    started_on = serializers.DateField(required=False)


class PairingEndSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=EndReason.choices, default=EndReason.OTHER)
    ended_on = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class PairingReassignSerializer(serializers.Serializer):
    cadre = serializers.IntegerField()
    on = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class ContactSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    cadre_name = serializers.CharField(source="cadre.__str__", read_only=True)
    has_photo = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id",
            "person",
            "person_name",
            "pairing",
            "cadre",
            "cadre_name",
            "region_code",
            "way",
            "on",
            "discussed",
            "needs_found",
            "policies_delivered",
            "policies_text",
            "difficulties_solved",
            "difficulties_text",
            "tasks_done",
            "tasks_text",
            "follow_up_on",
            "follow_up_done",
            "has_photo",
            "created_at",
        ]
        read_only_fields = fields

    def get_has_photo(self, obj: Contact) -> bool:
        return bool(obj.photo)


class ContactCreateSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    way = serializers.ChoiceField(choices=ContactWay.choices)
    on = serializers.DateField(required=False)
    discussed = serializers.CharField(required=False, allow_blank=True)
    needs_found = serializers.CharField(required=False, allow_blank=True)
    policies_delivered = serializers.IntegerField(required=False, min_value=0, max_value=999)
    policies_text = serializers.CharField(required=False, allow_blank=True)
    difficulties_solved = serializers.IntegerField(required=False, min_value=0, max_value=999)
    difficulties_text = serializers.CharField(required=False, allow_blank=True)
    tasks_done = serializers.IntegerField(required=False, min_value=0, max_value=999)
    tasks_text = serializers.CharField(required=False, allow_blank=True)
    follow_up_on = serializers.DateField(required=False, allow_null=True)


class NeedSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = Need
        fields = [
            "id",
            "person",
            "person_name",
            "contact",
            "region_code",
            "description",
            "owner",
            "status",
            "due_on",
            "resolution",
            "resolved_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class NeedUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=NeedStatus.choices, required=False)
    resolution = serializers.CharField(required=False, allow_blank=True)
    due_on = serializers.DateField(required=False)
    owner = serializers.IntegerField(required=False)


class PairingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Pairings the caller may see: a cadre only theirs, care.manage the region (?active=0 for ended,
    ?active=all for both)."""

    serializer_class = PairingSerializer
    scoped_model = Pairing
    required_permission = Perm.CARE_VIEW
    lookup_url_kwarg = "pairing_id"
    action_permissions = {"create": Perm.CARE_MANAGE, "end": Perm.CARE_MANAGE, "reassign": Perm.CARE_MANAGE}

    def visible(self):  # type: ignore[no-untyped-def]
        flag = self.request.query_params.get("active", "1") if self.action == "list" else "all"
        active = {"1": True, "0": False}.get(flag)
        return selectors.pairings_visible(user=self.request.user, active=active)

    @extend_schema(request=PairingCreateSerializer, responses=PairingSerializer)
    def create(self, request: Request) -> Response:
        data = PairingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pairing = actions.pairing_create(
            actor=request.user,
            person_id=data.validated_data["person"],
            cadre_id=data.validated_data["cadre"],
            started_on=data.validated_data.get("started_on"),
        )
        return Response(PairingSerializer(pairing).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PairingEndSerializer, responses=PairingSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pairing_id: Any = None) -> Response:
        pairing = self.get_object()
        data = PairingEndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pairing = actions.pairing_end(actor=request.user, pairing_id=pairing.pk, **data.validated_data)
        return Response(PairingSerializer(pairing).data)

    @extend_schema(request=PairingReassignSerializer, responses=PairingSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pairing_id: Any = None) -> Response:
        pairing = self.get_object()
        data = PairingReassignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new = actions.pairing_reassign(
            actor=request.user,
            pairing_id=pairing.pk,
            cadre_id=data.validated_data["cadre"],
            on=data.validated_data.get("on"),
            note=data.validated_data.get("note", ""),
        )
        return Response(PairingSerializer(new).data, status=status.HTTP_201_CREATED)


class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Contacts the caller may see; creating one records a contact (care.record)."""

    serializer_class = ContactSerializer
    scoped_model = Contact
    required_permission = Perm.CARE_VIEW
    lookup_url_kwarg = "contact_id"
    action_permissions = {"create": Perm.CARE_RECORD}

    def visible(self):  # type: ignore[no-untyped-def]
        return selectors.contacts_visible(user=self.request.user)

    @extend_schema(request=ContactCreateSerializer, responses=ContactSerializer)
    def create(self, request: Request) -> Response:
        data = ContactCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        person_id = values.pop("person")
        contact = actions.contact_record(actor=request.user, person_id=person_id, **values)
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)


class NeedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Needs the caller may see (?status=, ?overdue=1, ?mine=1); PATCH updates one (care.record)."""

    serializer_class = NeedSerializer
    scoped_model = Need
    required_permission = Perm.CARE_VIEW
    lookup_url_kwarg = "need_id"
    action_permissions = {"partial_update": Perm.CARE_RECORD}

    def visible(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        if self.action != "list":
            return selectors.needs_visible(user=self.request.user)
        return selectors.needs_visible(
            user=self.request.user,
            status=params.get("status") if params.get("status") in NeedStatus.values else None,
            overdue_on=timezone.localdate() if params.get("overdue") == "1" else None,
            owner=self.request.user if params.get("mine") == "1" else None,
        )

    @extend_schema(request=NeedUpdateSerializer, responses=NeedSerializer)
    def partial_update(self, request: Request, need_id: Any = None) -> Response:
        need = self.get_object()
        data = NeedUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        owner = values.pop("owner", None)
        need = actions.need_update(actor=request.user, need_id=need.pk, owner_id=owner, **values)
        return Response(NeedSerializer(need).data)


class ComplianceQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    on = serializers.DateField(required=False)
    region = region_filter()
    status = serializers.ChoiceField(choices=["on_track", "due_soon", "overdue"], required=False)
    level = serializers.IntegerField(required=False, min_value=1, max_value=12)


def _tally(t: Any) -> dict[str, Any]:
    return {
        "key": t.key,
        "name": t.name,
        "people": t.people,
        "on_track": t.on_track,
        "due_soon": t.due_soon,
        "overdue": t.overdue,
        "met": t.met,
        "contacts": t.contacts,
        "visits": t.visits,
        "rate": round(t.rate, 4),
    }


class ComplianceViewSet(viewsets.ViewSet):
    """Compliance with the contact rules for a year (default this year) at a date (default today):
    per person; ``cadres`` and ``regions`` (?level=3 county, 4 township) give the share on track."""

    permission_classes = [permissions.IsAuthenticated, HasCanlianPermission]
    required_permission = Perm.CARE_VIEW

    def _params(self, request: Request) -> dict[str, Any]:
        params = ComplianceQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        return {
            "year": data.get("year") or timezone.localdate().year,
            "on": data.get("on"),
            "region": data.get("region") or None,
            "status": data.get("status"),
            "level": data.get("level") or 4,
        }

    @extend_schema(parameters=[ComplianceQuerySerializer])
    def list(self, request: Request) -> Response:
        p = self._params(request)
        rows = person_compliance(user=request.user, year=p["year"], on=p["on"], region=p["region"])
        if p["status"]:
            rows = [r for r in rows if r.status == p["status"]]
        return Response(
            {
                "year": p["year"],
                "results": [
                    {
                        "person": r.person_id,
                        "person_name": r.person_name,
                        "region_code": r.region_code,
                        "cadre": r.cadre_id,
                        "cadre_name": r.cadre_name,
                        "pairing": r.pairing_id,
                        "paired_from": r.paired_from,
                        "paired_to": r.paired_to,
                        "contacts": r.contacts,
                        "visits": r.visits,
                        "required_contacts": r.required_contacts,
                        "required_visits": r.required_visits,
                        "contacts_due": r.contacts_due,
                        "visits_due": r.visits_due,
                        "status": r.status,
                        "met": r.met,
                        "next_due_on": r.next_due_on,
                    }
                    for r in rows
                ],
            }
        )

    @extend_schema(parameters=[ComplianceQuerySerializer])
    @action(detail=False, methods=["get"])
    def cadres(self, request: Request) -> Response:
        p = self._params(request)
        tallies = cadre_compliance(user=request.user, year=p["year"], on=p["on"], region=p["region"])
        return Response({"year": p["year"], "results": [_tally(t) for t in tallies]})

    @extend_schema(parameters=[ComplianceQuerySerializer])
    @action(detail=False, methods=["get"])
    def regions(self, request: Request) -> Response:
        p = self._params(request)
        tallies = region_compliance(
            user=request.user, year=p["year"], level=p["level"], on=p["on"], region=p["region"]
        )
        return Response({"year": p["year"], "level": p["level"], "results": [_tally(t) for t in tallies]})


def register(router: Any) -> None:
    router.register("care/pairings", PairingViewSet, basename="care-pairing")
    router.register("care/contacts", ContactViewSet, basename="care-contact")
    router.register("care/needs", NeedViewSet, basename="care-need")
    router.register("care/compliance", ComplianceViewSet, basename="care-compliance")
