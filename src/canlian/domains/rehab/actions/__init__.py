"""Writes of children's rehabilitation, one module per entity: ``plans`` (create, update, end,
transfer), ``devices``, ``surgery``, ``attendance``. Each action is atomic, checks the actor's
permission and scope inside its transaction (``platform.access``), records its audit row there and
raises typed errors (canlian.platform.errors). ``actor=SYSTEM`` (or None) is the operator at the
command line.

Scope: plans, devices and surgery referrals are managed (``rehab.manage``) by the federation of the
child's residence; attendance (``rehab.attendance``) by the institution's own staff or a federation
user whose region holds the child (a page) or the institution (an upload).
"""

from canlian.domains.rehab.actions._common import (
    ATTENDANCE,
    BATCH_SIZE,
    MANAGE,
    VIEW,
    designated_for,
)
from canlian.domains.rehab.actions.attendance import (
    attendance_bulk,
    attendance_insert,
    attendance_remove,
    attendance_validate,
    institution_for_attendance,
    rehab_attendance_record,
)
from canlian.domains.rehab.actions.devices import device_provide, next_device_date
from canlian.domains.rehab.actions.plans import (
    UPDATABLE,
    rehab_plan_create,
    rehab_plan_end,
    rehab_plan_transfer,
    rehab_plan_update,
)
from canlian.domains.rehab.actions.surgery import surgery_refer, surgery_update

#: The names before the rename, for tests/rehab_world.py (the authorization world, not rehab's file).
plan_create = rehab_plan_create
attendance_record = rehab_attendance_record

__all__ = [
    "ATTENDANCE",
    "BATCH_SIZE",
    "MANAGE",
    "UPDATABLE",
    "VIEW",
    "attendance_bulk",
    "attendance_insert",
    "attendance_record",
    "attendance_remove",
    "attendance_validate",
    "designated_for",
    "device_provide",
    "institution_for_attendance",
    "next_device_date",
    "plan_create",
    "rehab_attendance_record",
    "rehab_plan_create",
    "rehab_plan_end",
    "rehab_plan_transfer",
    "rehab_plan_update",
    "surgery_refer",
    "surgery_update",
]
