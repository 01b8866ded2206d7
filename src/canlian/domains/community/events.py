"""Audit event codes of community services. Declared here, registered from the app's ``ready()``
(``register_events``). Stable strings: add, never rename."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CommunityEvent(models.TextChoices):
    HOME_CREATED = "community.home_created", _("Home created")
    HOME_UPDATED = "community.home_updated", _("Home updated")
    RULES_SAVED = "community.rules_saved", _("Community eligibility rules saved")
    MEMBER_ENROLLED = "community.member_enrolled", _("Home member enrolled")
    MEMBER_ENDED = "community.member_ended", _("Home membership ended")
    MEMBERS_IMPORTED = "community.members_imported", _("Home members imported")
    ATTENDANCE_RECORDED = "community.attendance_recorded", _("Home attendance recorded")
    ATTENDANCE_REMOVED = "community.attendance_removed", _("Home attendance removed")
    ATTENDANCE_IMPORTED = "community.attendance_imported", _("Home attendance imported")
    SERVICE_RECORDED = "community.service_recorded", _("Home service recorded")
    STANDARD_SAVED = "community.standard_saved", _("Community standard saved")
    ASSESSMENT_SAVED = "community.assessment_saved", _("Star assessment saved")
    ASSESSMENT_CONFIRMED = "community.assessment_confirmed", _("Star assessment confirmed")
    FUNDING_GENERATED = "community.funding_generated", _("Home funding batch generated")
    FUNDING_APPROVED = "community.funding_approved", _("Home funding batch approved")
    FUNDING_PAID = "community.funding_paid", _("Home funding batch paid")
    RESIDENT_ADMITTED = "community.resident_admitted", _("Care resident admitted")
    RESIDENT_UPDATED = "community.resident_updated", _("Care resident updated")
    RESIDENT_DISCHARGED = "community.resident_discharged", _("Care resident discharged")
    RESIDENTS_IMPORTED = "community.residents_imported", _("Care residents imported")
    ALLOWANCE_RECORDED = "community.allowance_recorded", _("Resident allowance recorded")
    STATEMENTS_GENERATED = "community.statements_generated", _("Fee statements generated")
    CARE_SUBSIDY_GENERATED = "community.care_subsidy_generated", _("Care subsidy batch generated")
    CARE_SUBSIDY_APPROVED = "community.care_subsidy_approved", _("Care subsidy batch approved")
    CARE_SUBSIDY_PAID = "community.care_subsidy_paid", _("Care subsidy batch paid")
    PROJECT_SAVED = "community.project_saved", _("Work project saved")
    WORKER_SIGNED = "community.worker_signed", _("Assisted worker's agreement signed")
    WORKER_ENDED = "community.worker_ended", _("Assisted worker's agreement ended")
    WORKERS_IMPORTED = "community.workers_imported", _("Assisted workers imported")
    ACCOUNT_REVEALED = "community.account_revealed", _("Worker's bank account revealed")
    OUTPUT_RECORDED = "community.output_recorded", _("Work output recorded")
    WAGES_GENERATED = "community.wages_generated", _("Wage sheet generated")
    WAGES_APPROVED = "community.wages_approved", _("Wage sheet approved")
    WAGES_EXPORTED = "community.wages_exported", _("Wage sheet sent to the bank")
    WAGES_RESULTS = "community.wages_results", _("Wage bank results recorded")
