from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    """Persisted long-running jobs (imports, monthly runs) executed by the django-tasks worker."""

    name = "canlian.core.jobs"
    label = "jobs"
    verbose_name = _("Jobs")

    def ready(self) -> None:
        from canlian.core.jobs import handlers  # noqa: F401  (the daily task failing lost jobs)
