"""Hooks for the layers above: a person's facts changed (death, move, certificate, hardship status),
and who reaches a person other than by region (a cadre: the people they are paired with).

The registry never imports the engine. The engine registers a function from its ``AppConfig.ready()``
(``register_person_change_hook``); registry actions call ``persons_changed`` inside their own
transaction, so what the engine does about the change (withdraw unpaid lines, find money to recover)
commits or rolls back with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

PersonChangeHook = Callable[..., None]
_HOOKS: list[PersonChangeHook] = []


def register_person_change_hook(fn: PersonChangeHook) -> PersonChangeHook:
    """Register ``fn(*, actor, person_ids, reason)`` (once; a second ``ready()`` does not add it again)."""
    if fn not in _HOOKS:
        _HOOKS.append(fn)
    return fn


def persons_changed(*, actor: Any, person_ids: Iterable[int], reason: str) -> None:
    ids = sorted({int(i) for i in person_ids})
    if not ids:
        return
    for fn in _HOOKS:
        fn(actor=actor, person_ids=ids, reason=reason)


# --- reach: people a user sees without their region -------------------------------------------------

#: ``fn(user, permission, prefix) -> Q | None``: a filter on Person (its fields behind ``prefix``,
#: e.g. "person__" for a certificate) for the people ``user`` reaches for ``permission`` although
#: their region is not in the user's scope for it.
PersonReach = Callable[[Any, str, str], Any]
_REACH: list[PersonReach] = []


def register_person_reach(fn: PersonReach) -> PersonReach:
    if fn not in _REACH:
        _REACH.append(fn)
    return fn


def person_reach_q(user: Any, permission: str, prefix: str = "") -> Any:
    """The OR of the registered reaches (None when none applies)."""
    found = None
    for fn in _REACH:
        q = fn(user, permission, prefix)
        if q is not None:
            found = q if found is None else found | q
    return found
