"""Job kinds: each app registers a handler ``handler(job, progress) -> dict`` for its long work.

A handler must be idempotent and write its effects in one transaction (or in idempotent chunks),
so that running it again after a failure never duplicates anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class JobKind:
    code: str
    label: str | Promise
    handler: Callable[..., dict[str, Any] | None]
    permission: str


_KINDS: dict[str, JobKind] = {}


def register_job_kind(code: str, *, label: str | Promise, permission: str) -> Callable[..., Any]:
    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        _KINDS[code] = JobKind(code=code, label=label, handler=func, permission=permission)
        return func

    return decorator


def get_job_kind(code: str) -> JobKind:
    return _KINDS[code]


def job_kind_label(code: str) -> str | Promise:
    kind = _KINDS.get(code)
    return kind.label if kind else code


def job_kinds() -> list[JobKind]:
    return sorted(_KINDS.values(), key=lambda k: k.code)


#: What a job's counts mean, by key (the handlers' ``progress.count(**counts)``). Apps add theirs
#: with ``register_count_labels``; a key nobody named is shown as it is.
_COUNT_LABELS: dict[str, str | Promise] = {
    "created": _("Created"),
    "new": _("New"),
    "updated": _("Updated"),
    "unchanged": _("Unchanged"),
    "rejected": _("Rejected"),
    "written": _("Lines written"),
    "lines": _("Lines in the cycle"),
    "no_standard": _("Without a standard"),
    "batches": _("Batches"),
    "skipped": _("Skipped"),
    "children": _("Children"),
}


def register_count_labels(**labels: str | Promise) -> None:
    _COUNT_LABELS.update(labels)


def count_label(key: str) -> str | Promise:
    return _COUNT_LABELS.get(key, key)
