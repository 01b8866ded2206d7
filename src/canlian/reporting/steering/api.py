"""API of the steering layer (indicators, values, targets, bulletins)."""

from __future__ import annotations

from typing import Any


def register(router: Any) -> None:
    """Register the steering viewsets on the /api/v1/ router."""
