from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    """The registry: people, disability certificates, households, hardship statuses and the
    screening (摸排) of people not yet certified. Every program reads it."""

    name = "canlian.core.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from canlian.core.registry import handlers  # noqa: F401  (registers job kinds)
        from canlian.core.registry.indicators import INDICATORS
        from canlian.platform.indicators import register_all

        register_all(INDICATORS)
