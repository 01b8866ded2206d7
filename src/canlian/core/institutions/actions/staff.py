"""Writes of an institution's staff: add, edit, leave, and their sign-in. The federation
(institutions.manage, by region) or the institution's own staff (institutions.staff, their own
institution only) write them. Audit event codes: staff.added, staff.updated, staff.left,
staff.sign_in_created; the sign-in itself is made by
``canlian.core.accounts.actions.institution_staff_user_create`` (user.created, role.granted)."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.accounts.actions import institution_staff_user_create
from canlian.core.accounts.models import ApiToken, User
from canlian.core.audit.actions import audit_changes, audit_record
from canlian.core.audit.events import EventType
from canlian.core.institutions.actions._common import (
    MANAGE,
    STAFF,
    VIEW,
    _choice,
    _phone,
    _text,
    locked_institution,
)
from canlian.core.institutions.choices import StaffPost
from canlian.core.institutions.models import Institution, StaffMember
from canlian.core.permissions import Role
from canlian.core.registry.identity import parse_resident_id
from canlian.platform.access import authorize, is_system, lock_for, may
from canlian.platform.errors import Conflict, InvalidState, NotFound, PermissionDenied
from canlian.platform.inputs import as_date, field_error

STAFF_FIELDS = ("name", "id_number", "phone", "post", "title", "hired_on")


def _check_staff_writer(actor: Any, institution: Institution) -> None:
    """The federation (institutions.manage, region) or the institution's own staff (institutions.staff)."""
    if is_system(actor):
        return
    if not (actor.has_canlian_perm(MANAGE) or actor.has_canlian_perm(STAFF)):
        raise PermissionDenied()
    if may(actor, MANAGE, institution.region_code) or may(
        actor, STAFF, institution.region_code, institution.pk
    ):
        return
    raise NotFound()


def _clean_staff(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(STAFF_FIELDS)
    if unknown:
        raise field_error(sorted(unknown)[0], _("This field cannot be set here."))
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "name":
            clean[name] = _text(value, name, 50, required=True)
        elif name == "id_number":
            raw = str(value or "").strip()
            if raw:
                try:
                    clean[name] = parse_resident_id(raw).number
                except ValueError as exc:
                    raise field_error(name, exc, raw) from exc
            else:
                clean[name] = ""
        elif name == "phone":
            clean[name] = _phone(value, name)
        elif name == "post":
            clean[name] = _choice(value, name, StaffPost)
        elif name == "title":
            clean[name] = _text(value, name, 60)
        elif name == "hired_on":
            clean[name] = as_date(value, name, required=False)
    return clean


def _staff_values(staff: StaffMember) -> dict[str, Any]:
    return {f: getattr(staff, f) for f in (*STAFF_FIELDS, "left_on")}


@transaction.atomic
def staff_add(*, actor: Any, institution_id: Any, **fields: Any) -> StaffMember:
    """Add a staff member (name, post required; id_number, phone, title, hired_on optional)."""
    institution = locked_institution(actor, institution_id)
    _check_staff_writer(actor, institution)
    fields.setdefault("name", "")
    fields.setdefault("post", "")
    clean = _clean_staff(fields)
    if (
        clean.get("id_number")
        and StaffMember.objects.filter(
            institution=institution, id_number=clean["id_number"], left_on__isnull=True
        ).exists()
    ):
        raise Conflict(_("A current staff member has this ID number."), field="id_number")
    staff = StaffMember.objects.create(institution=institution, **clean)
    audit_record(
        actor=actor,
        event=EventType.STAFF_ADDED,
        obj=staff,
        region_code=institution.region_code,
        new={"institution": institution.pk, **_staff_values(staff)},
    )
    return staff


def locked_staff(actor: Any, staff_id: Any) -> StaffMember:
    """The staff member (with their institution), locked; out of the actor's view NotFound."""
    return lock_for(actor, StaffMember, staff_id, view=VIEW, related=("institution",))


@transaction.atomic
def staff_update(*, actor: Any, staff_id: Any, **fields: Any) -> StaffMember:
    staff = locked_staff(actor, staff_id)
    _check_staff_writer(actor, staff.institution)
    clean = _clean_staff(fields)
    if (
        clean.get("id_number")
        and StaffMember.objects.filter(
            institution_id=staff.institution_id, id_number=clean["id_number"], left_on__isnull=True
        )
        .exclude(pk=staff.pk)
        .exists()
    ):
        raise Conflict(_("A current staff member has this ID number."), field="id_number")
    before = _staff_values(staff)
    for name, value in clean.items():
        setattr(staff, name, value)
    staff.save()
    old, new = audit_changes(before, _staff_values(staff))
    if new:
        audit_record(
            actor=actor,
            event=EventType.STAFF_UPDATED,
            obj=staff,
            region_code=staff.institution.region_code,
            old=old,
            new=new,
        )
    return staff


@transaction.atomic
def staff_leave(*, actor: Any, staff_id: Any, left_on: Any = None) -> StaffMember:
    """Record that a staff member left (default today). Their sign-in, if any, is deactivated."""
    staff = locked_staff(actor, staff_id)
    _check_staff_writer(actor, staff.institution)
    if staff.left_on is not None:
        raise InvalidState(
            _("%(name)s already left on %(day)s.") % {"name": staff.name, "day": staff.left_on}
        )
    day = as_date(left_on, "left_on", required=False) or timezone.localdate()
    if staff.hired_on and day < staff.hired_on:
        raise field_error("left_on", _("The leaving date cannot be before the hiring date."), day)
    staff.left_on = day
    staff.save(update_fields=["left_on"])
    if staff.user_id:
        user = User.objects.select_for_update().get(pk=staff.user_id)
        if user.is_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
            ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(
        actor=actor,
        event=EventType.STAFF_LEFT,
        obj=staff,
        region_code=staff.institution.region_code,
        old={"left_on": None},
        new={"left_on": day, "sign_in_deactivated": bool(staff.user_id)},
    )
    return staff


@transaction.atomic
def staff_create_sign_in(*, actor: Any, staff_id: Any, username: str, password: str) -> User:
    """Create a sign-in for a staff member (institutions.manage): a user holding the role
    institution_staff bound to the staff member's institution, so it reaches that institution only.
    The password must pass the same validators as every other account's."""
    staff = locked_staff(actor, staff_id)
    institution = staff.institution
    authorize(actor, MANAGE, institution.region_code)
    if staff.left_on is not None:
        raise InvalidState(_("%(name)s has left the institution.") % {"name": staff.name})
    if staff.user_id is not None:
        raise Conflict(_("%(name)s already has a sign-in.") % {"name": staff.name}, field="username")
    username = _text(username, "username", 150, required=True)
    if not re.fullmatch(r"[\w.@+-]+", username):
        raise field_error("username", _("Use letters, digits and @ . + - _ only."), username)
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("The user name %(name)s is taken.") % {"name": username}, field="username")
    user = institution_staff_user_create(
        actor=actor,
        institution=institution,
        username=username,
        password=password,
        display_name=staff.name,
        phone=staff.phone,
    )
    staff.user = user
    staff.save(update_fields=["user"])
    audit_record(
        actor=actor,
        event=EventType.STAFF_SIGN_IN_CREATED,
        obj=staff,
        region_code=institution.region_code,
        new={
            "username": username,
            "user": user.pk,
            "role": Role.INSTITUTION_STAFF,
            "institution": institution.pk,
        },
    )
    return user
