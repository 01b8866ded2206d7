from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """The web shell: sign-in, navigation, home page, base templates and static assets."""

    name = "canlian.web"
    label = "web"
    verbose_name = _("Web")
