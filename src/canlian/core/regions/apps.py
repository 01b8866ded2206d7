from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    """The administrative region tree (province → village), keyed by statistical code prefixes."""

    name = "canlian.core.regions"
    label = "regions"
    verbose_name = _("Regions")

    def ready(self) -> None:
        from canlian.core.regions import handlers  # noqa: F401  (registers the job kind regions.import)
