from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmploymentConfig(AppConfig):
    """Employment: the proportional-employment review and its fund, training, jobs, employment subsidies; social security premiums paid for people."""

    name = "canlian.domains.employment"
    label = "employment"
    verbose_name = _("Employment and social security")
