from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    """Community homes (残疾人之家 / 如康家园, "3+N"), care (托养) and assisted employment."""

    name = "canlian.domains.community"
    label = "community"
    verbose_name = _("Community services")
