"""Writes to the registry, one module per entity (persons, certificates, hardship, households,
screening). Each action is atomic, validates its input (errors name the field), checks the actor's
scope inside the transaction and records its audit row there. ``SYSTEM`` (or ``None``) is the
operator at the command line.

Set-based upkeep (``households_refresh_flags``) is plain SQL over the whole selection, never a loop
over model instances.
"""

from canlian.core.registry.actions._common import EDIT, PERSON_EDITABLE
from canlian.core.registry.actions.certificates import (
    certificate_cancel,
    certificate_issue,
    certificate_reassess,
    certificate_renew,
)
from canlian.core.registry.actions.hardship import hardship_add, hardship_end
from canlian.core.registry.actions.households import (
    household_add_member,
    household_create,
    household_remove_member,
    household_set_head,
    households_refresh_flags,
)
from canlian.core.registry.actions.persons import (
    person_record_view,
    person_register,
    person_reveal,
    person_search_viewed,
    person_set_life_status,
    person_update,
)
from canlian.core.registry.actions.screening import screening_conclude, screening_record, screening_schedule

__all__ = [
    "EDIT",
    "PERSON_EDITABLE",
    "certificate_cancel",
    "certificate_issue",
    "certificate_reassess",
    "certificate_renew",
    "hardship_add",
    "hardship_end",
    "household_add_member",
    "household_create",
    "household_remove_member",
    "household_set_head",
    "households_refresh_flags",
    "person_record_view",
    "person_register",
    "person_reveal",
    "person_search_viewed",
    "person_set_life_status",
    "person_update",
    "screening_conclude",
    "screening_record",
    "screening_schedule",
]
