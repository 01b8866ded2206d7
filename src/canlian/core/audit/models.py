from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from canlian.core.audit.events import event_label
from canlian.platform.errors import InvalidState
from canlian.platform.scoping import RegionScopedQuerySet


class AuditEventQuerySet(RegionScopedQuerySet):
    def update(self, **kwargs: Any) -> int:
        raise InvalidState(_("Audit rows cannot be changed."), code="audit_immutable")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise InvalidState(_("Audit rows cannot be deleted."), code="audit_immutable")


class AuditEvent(models.Model):
    """One audited event: who, when, what (typed code), which object in which region, old and new
    values, and the request it came from. Append-only: the application never updates or deletes a
    row, and on PostgreSQL and SQLite a trigger refuses updates as well."""

    occurred_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=150)
    # No ``choices`` on the column: event codes are added by every layer (events.py), and a new code
    # must not need a migration. The label comes from the registered codes (get_event_type_display()).
    event_type = models.CharField(_("event"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    region_code = models.CharField(_("region code"), max_length=12, blank=True, db_index=True)
    old_values = models.JSONField(_("old values"), null=True, blank=True)
    new_values = models.JSONField(_("new values"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()
    permission_prefix = "audit"

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.event_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise InvalidState(_("Audit rows cannot be changed."), code="audit_immutable")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise InvalidState(_("Audit rows cannot be deleted."), code="audit_immutable")

    def changes(self) -> list[tuple[str, Any, Any]]:
        old, new = self.old_values or {}, self.new_values or {}
        if not isinstance(old, dict) or not isinstance(new, dict):
            return [("", old, new)]
        keys = list(dict.fromkeys([*old.keys(), *new.keys()]))
        return [(k, old.get(k), new.get(k)) for k in keys]

    def get_event_type_display(self) -> str:
        try:
            return event_label(self.event_type)
        except ValueError:
            return self.event_type

    @property
    def actor_display(self) -> str:
        """The actor's name; the command line and daily tasks (stored as "system") in the reader's language."""
        if self.actor_id is None and self.actor_label == "system":
            return str(_("System"))
        return self.actor_label
