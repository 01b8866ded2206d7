"""Writes of institutions, their staff, training and certificates, one module per entity:
``institutions`` (registry, status, rating, qualifications, agreements), ``staff`` (staff and their
sign-ins) and ``training`` (courses, results, staff certificates). Each action is atomic, checks the
actor's permission and scope inside its transaction (a federation user by region, an institution's
staff for their own institution only, through the models' ``for_user``), records its audit row there
and raises typed errors (canlian.platform.errors). ``SYSTEM`` (or ``None``) is the operator at the
command line.

The names below are the package's public surface; ``course_create``, ``results_record``,
``certificate_issue``, ``certificate_revoke`` and ``certificates_issue_passed`` are the former names of
the training actions, kept for the callers that still use them.
"""

from canlian.core.institutions.actions.institutions import (
    FEDERATION_FIELDS,
    INSTITUTION_FIELDS,
    INSTITUTION_LEVELS,
    agreement_add,
    check_credit_code,
    institution_create,
    institution_set_rating,
    institution_set_status,
    institution_update,
    qualification_add,
)
from canlian.core.institutions.actions.staff import (
    STAFF_FIELDS,
    staff_add,
    staff_create_sign_in,
    staff_leave,
    staff_update,
)
from canlian.core.institutions.actions.training import (
    COURSE_FIELDS,
    DEFAULT_CERTIFICATE_YEARS,
    next_certificate_number,
    staff_certificate_issue,
    staff_certificate_revoke,
    staff_certificates_issue_passed,
    training_course_create,
    training_results_record,
)

course_create = training_course_create
results_record = training_results_record
certificate_issue = staff_certificate_issue
certificate_revoke = staff_certificate_revoke
certificates_issue_passed = staff_certificates_issue_passed

__all__ = [
    "COURSE_FIELDS",
    "DEFAULT_CERTIFICATE_YEARS",
    "FEDERATION_FIELDS",
    "INSTITUTION_FIELDS",
    "INSTITUTION_LEVELS",
    "STAFF_FIELDS",
    "agreement_add",
    "certificate_issue",
    "certificate_revoke",
    "certificates_issue_passed",
    "check_credit_code",
    "course_create",
    "institution_create",
    "institution_set_rating",
    "institution_set_status",
    "institution_update",
    "next_certificate_number",
    "qualification_add",
    "results_record",
    "staff_add",
    "staff_certificate_issue",
    "staff_certificate_revoke",
    "staff_certificates_issue_passed",
    "staff_create_sign_in",
    "staff_leave",
    "staff_update",
    "training_course_create",
    "training_results_record",
]
