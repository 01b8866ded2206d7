from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import mixins, serializers

from canlian.core.audit.models import AuditEvent
from canlian.core.permissions import Perm
from canlian.platform.api import ScopedViewSet


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "actor_label",
            "event_type",
            "object_type",
            "object_id",
            "object_repr",
            "region_code",
            "old_values",
            "new_values",
            "request_id",
        ]


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The audit log in the caller's scope (read-only). Filter with ``event_type``, ``object_type``,
    ``object_id``, ``request_id``."""

    scoped_model = AuditEvent
    serializer_class = AuditEventSerializer
    required_permission = Perm.AUDIT_VIEW
    lookup_url_kwarg = "event_id"

    def refine_queryset(self, queryset: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        for name in ("event_type", "object_type", "object_id", "request_id"):
            value = self.request.query_params.get(name)
            if value:
                queryset = queryset.filter(**{name: value})
        return queryset


def register(router: Any) -> None:
    router.register("audit-events", AuditEventViewSet, basename="audit-event")
