from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Reporting: figures that read across domains (it writes nothing but its audit rows)."""

    name = "canlian.reporting"
    label = "reporting"
    verbose_name = _("Reporting")
