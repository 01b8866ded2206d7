"""The program engine's audit event codes: rules and standards, applications, payment cycles, recoveries. Declared here, registered from the app's ``ready()`` (``register_events``):
``audit_record`` refuses a code no app declared. Stable strings: add, never rename."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgramEvent(models.TextChoices):
    STANDARD_CREATED = "standard.created", _("Standard added")
    STANDARD_ENDED = "standard.ended", _("Standard ended")
    RULE_SETTING_CREATED = "rule_setting.created", _("Rule setting added")
    RULE_SETTING_ENDED = "rule_setting.ended", _("Rule setting ended")
    ENROLLMENT_APPLIED = "enrollment.applied", _("Application recorded")
    ENROLLMENT_FIRST_CHECKED = "enrollment.first_checked", _("First check (初审) done")
    ENROLLMENT_REVIEWED = "enrollment.reviewed", _("Certificate check (审核) done")
    ENROLLMENT_DECIDED = "enrollment.decided", _("Decision (审定) made")
    ENROLLMENT_ACTIVATED = "enrollment.activated", _("Enrollment activated")
    ENROLLMENTS_ACTIVATED_DUE = "enrollment.activated_due", _("Enrollments activated after public notice")
    ENROLLMENT_REJECTED = "enrollment.rejected", _("Application rejected")
    ENROLLMENT_OBJECTED = "enrollment.objected", _("Objection recorded")
    ENROLLMENT_STOPPED = "enrollment.stopped", _("Enrollment stopped")
    ENROLLMENT_RESUMED = "enrollment.resumed", _("Enrollment resumed")
    CYCLE_GENERATED = "cycle.generated", _("Payment cycle generated")
    CYCLE_APPROVED = "cycle.approved", _("Payment cycle approved")
    CYCLE_EXPORTED = "cycle.exported", _("Bank payment file exported")
    CYCLE_RESULTS_RECORDED = "cycle.results_recorded", _("Bank results recorded")
    CYCLE_LINES_WITHDRAWN = "cycle.lines_withdrawn", _("Payment lines withdrawn (no longer due)")
    RECOVERY_FOUND = "recovery.found", _("Months paid without entitlement found (to recover)")
    RECOVERY_RESOLVED = "recovery.resolved", _("Recovery recorded or waived")
