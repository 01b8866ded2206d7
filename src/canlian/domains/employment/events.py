"""Audit event codes of employment and social security. Declared here, registered from the app's
``ready()`` (``register_events``). Stable strings: add, never rename."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EmploymentEvent(models.TextChoices):
    EMPLOYER_REGISTERED = "employment.employer_registered", _("Employer registered")
    DECLARATION_RECORDED = "employment.declaration_recorded", _("Employment declaration recorded")
    DECLARATIONS_IMPORTED = "employment.declarations_imported", _("Employment declarations imported")
    NON_REPORTERS_RECORDED = "employment.non_reporters_recorded", _("Non-reporting employers recorded")
    DECLARATION_REVIEWED = "employment.declaration_reviewed", _("Employment declaration reviewed")
    QUOTA_RULE_SET = "employment.quota_rule_set", _("Quota rule set")
    LOCAL_WAGE_SET = "employment.local_wage_set", _("Local wage figures set")
