"""API of reporting. ``register(router)`` is called by canlian.config.api."""

from typing import Any


def register(router: Any) -> None:
    pass
