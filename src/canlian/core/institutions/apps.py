from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstitutionsConfig(AppConfig):
    """Institutions the federation works with (designated rehabilitation institutions, community
    homes, care and assisted-employment institutions): qualifications, service agreements, status
    with its history, staff, training courses and staff certificates. Institution staff sign in with
    a role bound to their own institution."""

    name = "canlian.core.institutions"
    label = "institutions"
    verbose_name = _("Institutions")

    def ready(self) -> None:
        from canlian.core.institutions.indicators import INDICATORS
        from canlian.platform.indicators import register_all

        register_all(INDICATORS)
