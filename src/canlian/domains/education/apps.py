from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EducationConfig(AppConfig):
    """Education of disabled children: placements per school year, schools with resource rooms, allowances."""

    name = "canlian.domains.education"
    label = "education"
    verbose_name = _("Education")
