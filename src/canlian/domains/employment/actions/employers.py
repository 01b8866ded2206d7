"""Employers keyed by their unified social credit code."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.domains.employment.actions._common import (
    _region,
    _staff,
    _uscc,
)
from canlian.domains.employment.choices import (
    EmployerKind,
)
from canlian.domains.employment.events import EmploymentEvent
from canlian.domains.employment.models import (
    Employer,
)
from canlian.platform.access import user_or_none
from canlian.platform.errors import Conflict
from canlian.platform.inputs import as_amount, as_choice, as_text

# --- employers -------------------------------------------------------------------------------------


@transaction.atomic
def employer_register(
    *,
    actor: Any,
    uscc: str,
    name: str,
    region_code: str,
    kind: str = EmployerKind.ENTERPRISE,
    address: str = "",
    contact: str = "",
    phone: str = "",
    staff_known: Any = None,
    wage_known: Any = None,
) -> Employer:
    code = _uscc(uscc)
    region_code = _region(actor, region_code)
    employer = Employer(
        uscc=code,
        name=as_text(name, "name", max_length=120, required=True),
        kind=as_choice(kind, "kind", EmployerKind.choices),
        region_code=region_code,
        address=as_text(address, "address", max_length=200),
        contact=as_text(contact, "contact", max_length=50),
        phone=as_text(phone, "phone", max_length=20),
        staff_known=None if staff_known in (None, "") else _staff(staff_known, "staff_known"),
        wage_known=as_amount(wage_known, "wage_known", required=False),
        created_by=user_or_none(actor),
    )
    if Employer.objects.filter(uscc=code).exists():
        raise Conflict(_("An employer with this code is already registered."), field="uscc")
    employer.save()
    audit_record(
        actor=actor,
        event=EmploymentEvent.EMPLOYER_REGISTERED,
        obj=employer,
        region_code=region_code,
        new={"uscc": code, "name": employer.name},
    )
    return employer
