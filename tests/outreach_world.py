"""Region A's objects of volunteers, donations and cases for the authorization world (tests/authorization_world.py)."""

from __future__ import annotations

from typing import Any

#: Text of region A's objects that no page of another region may show.
MARKERS: tuple[str, ...] = ()


def build(*, owner: Any, person: Any, make_user: Any) -> dict[str, Any]:
    """Region A objects under their URL keyword names."""
    return {}


def snapshot() -> tuple[Any, ...]:
    """What a refused request must leave unchanged."""
    return ()
