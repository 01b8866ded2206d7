from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RehabServicesConfig(AppConfig):
    """Rehabilitation services for adults and children: needs survey (精准康复), assistive devices, home accessibility modification, health services, service points."""

    name = "canlian.domains.rehabservices"
    label = "rehabservices"
    verbose_name = _("Rehabilitation services")
