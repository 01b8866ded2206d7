"""Hooks for the layers above: a person's facts changed (death, move, certificate, hardship status).

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
