"""Rules other apps check against institutions and their staff (pure reads, no writes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from canlian.core.institutions.choices import InstitutionStatus
from canlian.platform.errors import ValidationFailed


def require_certified(staff: Any, on: dt.date, *, field: str = "therapist") -> None:
    """ "No certificate, no duty": a staff member may be put in charge of a child only while holding a
    valid, unrevoked staff certificate on ``on``. Raises ValidationFailed naming the field."""
    from canlian.core.institutions.models import StaffCertificate

    if staff.left_on is not None and staff.left_on <= on:
        raise ValidationFailed(
            _("%(name)s left the institution on %(day)s.") % {"name": staff.name, "day": staff.left_on},
            field=field,
            code="staff_left",
        )
    valid = StaffCertificate.objects.filter(staff=staff).valid_on(on).exists()
    if not valid:
        latest = StaffCertificate.objects.filter(staff=staff).order_by("-valid_until").first()
        if latest is None:
            message = _("%(name)s holds no staff certificate: no certificate, no duty.") % {
                "name": staff.name
            }
        elif latest.revoked_on is not None:
            message = _(
                "%(name)s's certificate %(number)s was revoked on %(day)s: no certificate, no duty."
            ) % {
                "name": staff.name,
                "number": latest.number,
                "day": latest.revoked_on,
            }
        else:
            message = _("%(name)s's certificate %(number)s expired on %(day)s: no certificate, no duty.") % {
                "name": staff.name,
                "number": latest.number,
                "day": latest.valid_until,
            }
        raise ValidationFailed(message, field=field, code="staff_not_certified")


def require_open_for_new_people(institution: Any, *, field: str = "institution") -> None:
    """A suspended or removed institution takes no new children or residents."""
    if institution.status not in (InstitutionStatus.ACTIVE, InstitutionStatus.WARNED):
        raise ValidationFailed(
            _("%(name)s is %(status)s and takes no one new.")
            % {"name": institution.name, "status": institution.get_status_display()},
            field=field,
            code="institution_closed",
        )
