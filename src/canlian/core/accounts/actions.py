"""Writes to users, role assignments and tokens. Each is atomic, re-checks the actor's scope inside
the transaction, and writes its audit row in the same transaction. ``SYSTEM`` (or ``None``) is the
operator at the command line: national scope, every role grantable."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.accounts.models import ApiToken, RoleAssignment, User
from canlian.core.audit.actions import audit_changes, audit_record
from canlian.core.audit.events import EventType
from canlian.core.permissions import GRANTABLE_ROLES, ROLE_REGION_LEVELS, Perm, Role
from canlian.core.regions.models import Region
from canlian.platform.access import authorize, is_system, lock_for, user_or_none
from canlian.platform.errors import Conflict, InvalidState, NotFound, PermissionDenied, ValidationFailed

USER_FIELDS = ("username", "display_name", "phone", "email", "is_active")


def _snapshot(user: User) -> dict[str, Any]:
    return {f: getattr(user, f) for f in USER_FIELDS}


def _home_code(user: User) -> str:
    codes = user.region_codes()
    return min(codes, key=len) if codes else ""


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="password", code="weak_password") from exc


def _institution_binding(role: str, region: Region | None, institution: Any) -> Region:
    """Institution staff hold their role bound to their institution (it then reaches that
    institution's rows only, not the region); no other role is bound to one. Returns the region the
    assignment is recorded in: the institution's own."""
    if role == Role.INSTITUTION_STAFF:
        if institution is None:
            raise ValidationFailed(
                _(
                    "Institution staff are granted their role with their institution (from the institution's staff page)."
                ),
                field="institution",
                code="institution_required",
            )
        return Region.objects.get(code=institution.region_code)
    if institution is not None:
        raise ValidationFailed(
            _("Only institution staff are bound to an institution."),
            field="institution",
            code="institution_unexpected",
        )
    assert region is not None  # only institution staff come without a region (theirs is the institution's)
    return region


def _can_grant(actor: Any, role: str, region: Region) -> None:
    """An administrator grants a role only inside their scope, only roles their own roles may grant,
    and only at the level the role belongs to."""
    if role not in Role.values:
        raise ValidationFailed(
            _("Unknown role %(role)s.") % {"role": role}, field="role", code="unknown_role"
        )
    levels = ROLE_REGION_LEVELS.get(role)
    if levels and region.level not in levels:
        raise ValidationFailed(
            _("The role %(role)s is held at the %(level)s level, not at %(region)s.")
            % {"role": Role(role).label, "level": _level_names(levels), "region": region.name},
            field="region",
            code="role_level",
        )
    if is_system(actor):  # the command line, run by the machine's operator
        return
    authorize(actor, Perm.ACCOUNTS_MANAGE, region.code)
    if actor.is_superuser:
        return
    grantable: set[str] = set()
    for own in actor.roles():
        grantable |= GRANTABLE_ROLES.get(own, frozenset())
    if role not in grantable:
        raise PermissionDenied(
            _("You may not grant the role %(role)s.") % {"role": Role(role).label}, code="role_not_grantable"
        )


def _level_names(levels: Iterable[int]) -> str:
    from canlian.core.regions.choices import RegionLevel

    return "/".join(str(RegionLevel(level).label) for level in levels)


def _lock_user_in_scope(actor: Any, user_id: int) -> User:
    """Fetch the target user for update, in the actor's scope (the command line has national scope)."""
    return lock_for(actor, User, user_id, view=Perm.ACCOUNTS_MANAGE)


def _clean_username(raw: str) -> str:
    username = (raw or "").strip()
    if not username:
        raise ValidationFailed(_("The user name is empty."), field="username", code="required")
    return username


def _new_user(
    actor: Any,
    username: str,
    password: str | None,
    assignment: tuple[str, Region, Any],
    check_password: bool,
    **profile: str,
) -> User:
    """The user row, its first role assignment (role, region, institution) and the ``user.created``
    audit row; the caller has authorised."""
    role, region, institution = assignment
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("The user name %(name)s is taken.") % {"name": username}, field="username")
    user = User(username=username, **profile)
    if password:
        if check_password:
            _check_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise Conflict(_("The user name %(name)s is taken.") % {"name": username}, field="username") from exc
    RoleAssignment.objects.create(
        user=user,
        role=role,
        region=region,
        region_code=region.code,
        institution=institution,
        created_by=user_or_none(actor),
    )
    audit_record(
        actor=actor,
        event=EventType.USER_CREATED,
        obj=user,
        region_code=region.code,
        new={
            **_snapshot(user),
            "role": role,
            "region": region.code,
            **({"institution": institution.pk} if institution is not None else {}),
        },
    )
    return user


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str | None,
    role: str,
    region: Region | None,
    display_name: str = "",
    phone: str = "",
    email: str = "",
    check_password: bool = True,
    institution: Any = None,
) -> User:
    """Create a user holding one role in one region (more roles via ``role_grant``). Institution
    staff are created with their ``institution`` (the region is then the institution's); an
    institution's own sign-ins are made by ``institution_staff_user_create``."""
    username = _clean_username(username)
    if not is_system(actor) and not actor.has_canlian_perm(Perm.ACCOUNTS_MANAGE):
        raise PermissionDenied()
    region = _institution_binding(role, region, institution)
    _can_grant(actor, role, region)
    profile = {"display_name": display_name, "phone": phone, "email": email}
    return _new_user(actor, username, password, (role, region, institution), check_password, **profile)


@transaction.atomic
def institution_staff_user_create(
    *,
    actor: Any,
    institution: Any,
    username: str,
    password: str,
    display_name: str = "",
    phone: str = "",
    permission: str = Perm.INSTITUTIONS_MANAGE,
) -> User:
    """A sign-in for a member of an institution's staff: a user holding the role institution_staff
    bound to ``institution`` (recorded in the institution's region), so it reaches that institution
    only. Authorised by ``permission`` over the institution (institutions.manage by default; the
    institution app's rule), not by accounts.manage and the grantable roles; the password always
    passes the validators. Audited as ``user.created`` and ``role.granted``."""
    username = _clean_username(username)
    authorize(actor, permission, institution.region_code, institution.pk)
    region = Region.objects.filter(code=institution.region_code).first()
    if region is None:
        raise InvalidState(
            _("The institution's region %(code)s is unknown.") % {"code": institution.region_code}
        )
    profile = {"display_name": display_name, "phone": phone}
    _check_password(password or "", User(username=username, **profile))
    role = Role.INSTITUTION_STAFF
    user = _new_user(actor, username, password, (role, region, institution), False, **profile)
    audit_record(
        actor=actor,
        event=EventType.ROLE_GRANTED,
        obj=user,
        region_code=region.code,
        new={"role": role, "region": region.code, "institution": institution.pk},
    )
    return user


@transaction.atomic
def user_update(*, actor: Any, user_id: int, **changes: Any) -> User:
    user = _lock_user_in_scope(actor, user_id)
    before = _snapshot(user)
    for field in ("display_name", "phone", "email"):
        if field in changes:
            setattr(user, field, (changes[field] or "").strip())
    user.save(update_fields=["display_name", "phone", "email"])
    old, new = audit_changes(before, _snapshot(user))
    if new:
        audit_record(
            actor=actor,
            event=EventType.USER_UPDATED,
            obj=user,
            region_code=_home_code(user),
            old=old,
            new=new,
        )
    return user


@transaction.atomic
def user_set_active(*, actor: Any, user_id: int, active: bool) -> User:
    user = _lock_user_in_scope(actor, user_id)
    if not is_system(actor) and user.pk == actor.pk and not active:
        raise ValidationFailed(_("You cannot deactivate yourself."), code="self_deactivate")
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(
        actor=actor,
        event=EventType.USER_REACTIVATED if active else EventType.USER_DEACTIVATED,
        obj=user,
        region_code=_home_code(user),
        old={"is_active": not active},
        new={"is_active": active},
    )
    return user


@transaction.atomic
def user_set_password(*, actor: Any, user_id: int, password: str) -> User:
    """An administrator sets a user's password (the user should change it on next sign-in)."""
    user = _lock_user_in_scope(actor, user_id)
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, event=EventType.USER_PASSWORD_SET, obj=user, region_code=_home_code(user))
    return user


@transaction.atomic
def user_change_own_password(*, user: User, old_password: str, new_password: str) -> User:
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.check_password(old_password):
        raise ValidationFailed(
            _("The current password is wrong."), field="old_password", code="wrong_password"
        )
    _check_password(new_password, locked)
    locked.set_password(new_password)
    locked.save(update_fields=["password"])
    audit_record(
        actor=locked, event=EventType.USER_PASSWORD_CHANGED, obj=locked, region_code=_home_code(locked)
    )
    return locked


@transaction.atomic
def role_grant(
    *, actor: Any, user_id: int, role: str, region: Region | None, institution: Any = None
) -> RoleAssignment:
    user = _lock_user_in_scope(actor, user_id)
    region = _institution_binding(role, region, institution)
    _can_grant(actor, role, region)
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user,
        role=role,
        region=region,
        defaults={"region_code": region.code, "institution": institution, "created_by": user_or_none(actor)},
    )
    if not created:
        raise Conflict(_("The user already holds this role in this region."), code="role_exists")
    audit_record(
        actor=actor,
        event=EventType.ROLE_GRANTED,
        obj=user,
        region_code=region.code,
        new={"role": role, "region": region.code},
    )
    user.forget_assignments()
    return assignment


@transaction.atomic
def role_revoke(*, actor: Any, assignment_id: int) -> None:
    assignment = RoleAssignment.objects.select_for_update().filter(pk=assignment_id).first()
    if assignment is None:
        raise NotFound()
    user = _lock_user_in_scope(actor, assignment.user_id)
    if not is_system(actor):
        authorize(actor, Perm.ACCOUNTS_MANAGE, assignment.region_code)
        _can_grant(actor, assignment.role, assignment.region)
    if user.role_assignments.count() == 1:
        raise ValidationFailed(
            _("A user keeps at least one role; deactivate the user instead."), code="last_role"
        )
    audit_record(
        actor=actor,
        event=EventType.ROLE_REVOKED,
        obj=user,
        region_code=assignment.region_code,
        old={"role": assignment.role, "region": assignment.region_code},
    )
    assignment.delete()


@transaction.atomic
def token_issue(*, actor: Any, user_id: int, name: str = "") -> tuple[ApiToken, str]:
    """Issue an API token; returns the token object and the raw token (shown once, never stored)."""
    if not is_system(actor) and actor.pk == user_id:
        user = User.objects.select_for_update().get(pk=user_id)
    else:
        user = _lock_user_in_scope(actor, user_id)
    if not user.is_active:
        raise ValidationFailed(_("The user is deactivated."), code="user_inactive")
    raw = "cl_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:10], digest=ApiToken.digest_of(raw))
    audit_record(
        actor=actor,
        event=EventType.TOKEN_ISSUED,
        obj=user,
        region_code=_home_code(user),
        new={"token": token.prefix, "name": name},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, actor: Any, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None:
        raise NotFound()
    if is_system(actor) or actor.pk != token.user_id:
        _lock_user_in_scope(actor, token.user_id)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            event=EventType.TOKEN_REVOKED,
            obj=token.user,
            region_code=_home_code(token.user),
            old={"token": token.prefix},
        )
    return token
