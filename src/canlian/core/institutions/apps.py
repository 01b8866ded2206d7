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
