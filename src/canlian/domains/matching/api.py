"""The /api/v1/ viewsets of data comparison."""

from __future__ import annotations

from typing import Any


def register(router: Any) -> None:
    """Called by config/api.py."""
