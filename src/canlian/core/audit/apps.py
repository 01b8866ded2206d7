from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Append-only audit log: every write through an action, and every view or export of a person."""

    name = "canlian.core.audit"
    label = "audit"
    verbose_name = _("Audit")
