"""Applications and their review chain: the writes to ``Enrollment`` and ``EnrollmentStep``.

The chain (国发〔2015〕52号): application at the township → township first check (初审,
``enrollments.first_check``) → county federation certificate check (审核, ``enrollments.review``)
→ county civil-affairs decision (审定, ``enrollments.decide``) → public notice of
``program.notice_days`` working days → active. A rejection (by whoever holds the permission of the
step the application waits for) can be objected to by the applicant: the objection sends the
application back to the step that rejected it. An active enrollment is stopped from a month (and may
be resumed) by the county federation (``enrollments.stop``).

Every action here is atomic, keyword-only with the acting user first (``actor=None`` is the system
or the command line), re-checks the actor's permission and scope inside the transaction (a missing
permission is ``PermissionDenied``, an object outside the scope is ``NotFound``), refuses a
transition from the wrong status with ``InvalidState`` naming the current status, writes one
``EnrollmentStep`` (from/to status, the due date it had) and one audit row (``EVENT_*`` codes), and
sets ``step_due_on`` of the next step from ``program.step_days`` in China's working days
(``canlian.programs.workdays``).

Eligibility does not block an application: the verdict of ``eligibility.explain`` is shown next to
it and the township worker's first check decides.
"""

from canlian.programs.enrollments._common import (
    DEFAULT_STEP_DAYS,
    EVENT_ACTIVATED,
    EVENT_ACTIVATED_DUE,
    EVENT_APPLIED,
    EVENT_DECIDED,
    EVENT_FIRST_CHECKED,
    EVENT_OBJECTED,
    EVENT_REJECTED,
    EVENT_RESUMED,
    EVENT_REVIEWED,
    EVENT_STOPPED,
    REVIEW_STEPS,
    STEP_WAITING,
    step_permission,
)
from canlian.programs.enrollments.apply import (
    enrollment_apply,
)
from canlian.programs.enrollments.lifecycle import (
    enrollment_resume,
    enrollment_stop,
)
from canlian.programs.enrollments.review import (
    enrollment_decide,
    enrollment_first_check,
    enrollment_notice_end,
    enrollment_object,
    enrollment_reject,
    enrollment_review,
    enrollments_activate_due,
)

__all__ = [
    "DEFAULT_STEP_DAYS",
    "EVENT_ACTIVATED",
    "EVENT_ACTIVATED_DUE",
    "EVENT_APPLIED",
    "EVENT_DECIDED",
    "EVENT_FIRST_CHECKED",
    "EVENT_OBJECTED",
    "EVENT_REJECTED",
    "EVENT_RESUMED",
    "EVENT_REVIEWED",
    "EVENT_STOPPED",
    "REVIEW_STEPS",
    "STEP_WAITING",
    "enrollment_apply",
    "enrollment_decide",
    "enrollment_first_check",
    "enrollment_notice_end",
    "enrollment_object",
    "enrollment_reject",
    "enrollment_resume",
    "enrollment_review",
    "enrollment_stop",
    "enrollments_activate_due",
    "step_permission",
]
