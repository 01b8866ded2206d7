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
    STATUS_RECORDED = "employment.status_recorded", _("Employment status recorded")
    TRAINING_RECORDED = "employment.training_recorded", _("Training recorded")
    OFFER_RECORDED = "employment.offer_recorded", _("Job offer recorded")
    REALNAME_IMPORTED = "employment.realname_imported", _("Employment statuses or trainings imported")
    SITE_REGISTERED = "employment.site_registered", _("Employment site registered")
    SITE_WORKER_RECORDED = "employment.site_worker_recorded", _("Site worker recorded")
    SITE_FUND_PROPOSED = "employment.site_fund_proposed", _("Site support fund proposed")
    SITE_FUND_APPROVED = "employment.site_fund_approved", _("Site support fund approved")
    SUBSIDY_STANDARD_SET = "employment.subsidy_standard_set", _("Above-quota subsidy standard set")
    SUBSIDY_BATCH_GENERATED = "employment.subsidy_batch_generated", _("Above-quota subsidy batch generated")
    SUBSIDY_BATCH_APPROVED = "employment.subsidy_batch_approved", _("Above-quota subsidy batch approved")
