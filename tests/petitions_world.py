"""Region A's petitions objects for tests/test_authorization.py's world: ``build`` returns them under
their URL keyword names; ``snapshot`` returns what must not change when a refused request is made."""

from __future__ import annotations

from typing import Any


def build(*, owner: Any, person: Any, make_user: Any) -> dict[str, Any]:
    return {}


def snapshot() -> tuple[Any, ...]:
    return ()
