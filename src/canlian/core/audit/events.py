"""Typed audit event codes. Stable strings: reports and auditors filter on them. Add, never rename.

``EventType`` holds the codes of the core apps (accounts, regions, jobs, sensitive reads, the registry,
institutions, the calendar). The engine, each domain and reporting declare theirs in their own
``events.py`` and register them from ``AppConfig.ready()`` with ``register_events``; ``audit_record``
refuses a code nobody registered, so a typo or an undeclared event fails at once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    # accounts
    USER_CREATED = "user.created", _("User created")
    USER_UPDATED = "user.updated", _("User updated")
    USER_DEACTIVATED = "user.deactivated", _("User deactivated")
    USER_REACTIVATED = "user.reactivated", _("User reactivated")
    USER_PASSWORD_SET = "user.password_set", _("Password set by an administrator")
    USER_PASSWORD_CHANGED = "user.password_changed", _("Password changed by its owner")
    ROLE_GRANTED = "role.granted", _("Role granted")
    ROLE_REVOKED = "role.revoked", _("Role revoked")
    TOKEN_ISSUED = "token.issued", _("API token issued")
    TOKEN_REVOKED = "token.revoked", _("API token revoked")
    LOGIN_SUCCEEDED = "auth.login", _("Signed in")
    LOGIN_FAILED = "auth.login_failed", _("Sign-in failed")
    LOGOUT = "auth.logout", _("Signed out")
    # regions
    REGIONS_LOADED = "regions.loaded", _("National region list loaded")
    REGIONS_IMPORTED = "regions.imported", _("Regions imported")
    # jobs
    JOB_SUBMITTED = "job.submitted", _("Job submitted")
    JOB_RETRIED = "job.retried", _("Job retried")
    JOB_CANCELLED = "job.cancelled", _("Job cancelled")
    # sensitive reads (used by the registry: views and exports of a person's record)
    RECORD_VIEWED = "record.viewed", _("Record viewed")
    IDENTITY_REVEALED = "record.identity_revealed", _("Identity revealed")
    RECORDS_EXPORTED = "record.exported", _("Records exported")
    # registry
    PERSON_REGISTERED = "person.registered", _("Person registered")
    PERSON_UPDATED = "person.updated", _("Person updated")
    PERSON_STATUS_CHANGED = "person.status_changed", _("Life status changed")
    PERSONS_IMPORTED = "person.imported", _("People imported")
    CERTIFICATE_ISSUED = "certificate.issued", _("Certificate issued")
    CERTIFICATE_RENEWED = "certificate.renewed", _("Certificate renewed")
    CERTIFICATE_REASSESSED = "certificate.reassessed", _("Certificate re-assessed")
    CERTIFICATE_CANCELLED = "certificate.cancelled", _("Certificate cancelled")
    HARDSHIP_ADDED = "hardship.added", _("Hardship status added")
    HARDSHIP_ENDED = "hardship.ended", _("Hardship status ended")
    HOUSEHOLD_CREATED = "household.created", _("Household created")
    HOUSEHOLD_MEMBER_ADDED = "household.member_added", _("Household member added")
    HOUSEHOLD_MEMBER_REMOVED = "household.member_removed", _("Household member removed")
    HOUSEHOLD_HEAD_SET = "household.head_set", _("Head of household set")
    SCREENING_RECORDED = "screening.recorded", _("Screening record added")
    SCREENING_SCHEDULED = "screening.scheduled", _("Home assessment booked")
    SCREENING_CONCLUDED = "screening.concluded", _("Screening outcome recorded")
    # institutions, staff and training
    INSTITUTION_CREATED = "institution.created", _("Institution registered")
    INSTITUTION_UPDATED = "institution.updated", _("Institution updated")
    INSTITUTION_STATUS_CHANGED = "institution.status_changed", _("Institution status changed")
    INSTITUTION_RATED = "institution.rated", _("Institution rating recorded")
    QUALIFICATION_RECORDED = "institution.qualification_recorded", _("Qualification recorded")
    AGREEMENT_RECORDED = "institution.agreement_recorded", _("Service agreement recorded")
    STAFF_ADDED = "staff.added", _("Staff member added")
    STAFF_UPDATED = "staff.updated", _("Staff member updated")
    STAFF_LEFT = "staff.left", _("Staff member left")
    STAFF_SIGN_IN_CREATED = "staff.sign_in_created", _("Sign-in created for a staff member")
    COURSE_CREATED = "training.course_created", _("Training course created")
    TRAINING_RESULTS_RECORDED = "training.results_recorded", _("Exam results recorded")
    STAFF_CERTIFICATE_ISSUED = "training.certificate_issued", _("Staff certificate issued")
    STAFF_CERTIFICATE_REVOKED = "training.certificate_revoked", _("Staff certificate revoked")
    # the working-day calendar
    CALENDAR_LOADED = "calendar.loaded", _("Holiday calendar loaded from the package")
    CALENDAR_IMPORTED = "calendar.imported", _("Holiday calendar imported")
    CALENDAR_DAY_SET = "calendar.day_set", _("Calendar day set")
    CALENDAR_DAY_REMOVED = "calendar.day_removed", _("Calendar day removed")
    DEADLINE_RECOMPUTED = "calendar.deadline_recomputed", _("Provisional deadline recomputed")


_REGISTERED: dict[str, object] = {}


def register_events(choices: type[models.TextChoices]) -> None:
    """Declare an app's event codes (idempotent; a code declared twice keeps its first label)."""
    for value, label in choices.choices:
        _REGISTERED.setdefault(value, label)


def is_registered(code: str) -> bool:
    return code in _REGISTERED


def event_label(code: str) -> str:
    label = _REGISTERED.get(code)
    return str(label) if label is not None else code


def event_choices() -> list[tuple[str, object]]:
    """Every registered code with its label, for the audit log's filter."""
    return sorted(_REGISTERED.items())


register_events(EventType)
