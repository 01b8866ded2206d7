"""Authorise and fetch in one step, for actions (the write side of the one scoping path).

``authorize(actor, permission, code)`` checks that a user holds a permission over a region (or, for
institution staff, their own institution). ``lock_for(actor, Model, pk, view=, act=)`` fetches a row
locked for update *through the model's own* ``for_user``: out of the actor's ``view`` scope it is
``NotFound`` (like a missing row, so ids reveal nothing), in view but without ``act`` it is
``PermissionDenied``. ``SYSTEM`` is the actor of the command line and the daily tasks: it may do
anything, and the audit log names it "system".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from canlian.platform.errors import NotFound, PermissionDenied
from canlian.platform.scoping import Scope, assert_in_institution_scope


class SystemActor:
    """The operator at the command line, the daily tasks and the demo generator."""

    pk = None
    id = None
    username = "system"
    is_authenticated = False
    is_active = True
    is_superuser = False

    def __bool__(self) -> bool:  # ``if actor:`` reads as "a signed-in user"
        return False

    def __repr__(self) -> str:
        return "SYSTEM"

    def has_canlian_perm(self, permission: str) -> bool:
        return True

    def scope_for(self, permission: str) -> Scope:
        return Scope.all()

    def institutions_for(self, permission: str) -> frozenset[int]:
        return frozenset()


SYSTEM = SystemActor()


def is_system(actor: Any) -> bool:
    return actor is None or isinstance(actor, SystemActor)


def user_or_none(actor: Any) -> Any:
    """The actor as a user to store on a row (``created_by``…): None for the system."""
    return None if is_system(actor) else actor


def require(actor: Any, permission: str) -> None:
    """The actor holds ``permission`` somewhere: ``PermissionDenied`` before any lookup otherwise
    (a missing row then reads as forbidden, not as not found)."""
    if not is_system(actor) and not actor.has_canlian_perm(permission):
        raise PermissionDenied()


def authorize(
    actor: Any, permission: str, region_code: str | None, institution_id: int | None = None
) -> None:
    """The actor holds ``permission`` over ``region_code`` (or its own ``institution_id``):
    ``PermissionDenied`` without the permission, ``NotFound`` outside its scope."""
    if is_system(actor):
        return
    if not actor.has_canlian_perm(permission):
        raise PermissionDenied()
    assert_in_institution_scope(actor, permission, region_code, institution_id)


def may(actor: Any, permission: str, region_code: str | None, institution_id: int | None = None) -> bool:
    try:
        authorize(actor, permission, region_code, institution_id)
    except (PermissionDenied, NotFound):
        return False
    return True


def lock_for(
    actor: Any,
    model: Any,
    pk: Any,
    *,
    view: str = "view",
    act: str | None = None,
    related: tuple[str, ...] = (),
    permission: str | None = None,
) -> Any:
    """The row ``pk`` of ``model`` (a model or a queryset), locked, if ``actor`` may see it (``view``)
    and, when given, act on it (``act``); both are actions or permissions of the model's
    ``for_user``. The lock is on the row's own table only (``of=("self",)``).

    With ``permission`` the row is instead locked whatever the actor's view, then
    ``authorize(actor, permission, <the row's region>)`` decides (``view`` and ``act`` are not used):
    ``PermissionDenied`` without the permission anywhere, ``NotFound`` outside its scope (the
    engine's review and payment steps, whose permission is the step's, not the row's ``for_user``)."""
    manager = model if hasattr(model, "model") else model.objects
    try:
        key = int(pk)
    except (TypeError, ValueError) as exc:
        raise NotFound() from exc
    if permission is not None:
        rows = manager.all()
    elif is_system(actor):
        rows = manager.all()
    else:
        rows = manager.for_user(actor, view)
        if act is not None and not manager.for_user(actor, act).filter(pk=key).exists():
            if rows.filter(pk=key).exists():
                raise PermissionDenied()
            raise NotFound()
    if related:
        rows = rows.select_related(*related)
    obj = rows.select_for_update(of=("self",)).filter(pk=key).first()
    if obj is None:
        raise NotFound()
    if permission is not None:
        authorize(actor, permission, getattr(obj, getattr(manager.model, "scope_field", "region_code")))
    return obj


def region_in_scope(actor: Any, permission: str, code: str | None) -> bool:
    """Whether a region the user names (a filter, a form's region) lies in their scope for
    ``permission``; for region pickers and parameters, not for reading rows (``for_user`` does)."""
    from canlian.platform.scoping import scope_of

    return scope_of(actor, permission).contains(code)


def region_checker(actor: Any, permission: str) -> Callable[[str | None], bool]:
    """``region_in_scope`` for many codes: the scope is read once (a file's rows, a batch)."""
    from canlian.platform.scoping import scope_of

    if is_system(actor):
        return lambda code: True
    return scope_of(actor, permission).contains


def scope_roots(actor: Any, permission: str) -> list[str]:
    """The top region codes of the user's scope for ``permission`` ([""] for the national scope, []
    for none): the default region of a report or preview."""
    from canlian.platform.scoping import scope_of

    scope = scope_of(actor, permission)
    if scope.everything:
        return [""]
    return sorted(scope.prefixes)
