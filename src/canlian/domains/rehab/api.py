"""API of children's rehabilitation. ``register(router)`` is called by canlian.config.api."""

from typing import Any

from canlian.domains.rehab import api_settlement


def register(router: Any) -> None:
    api_settlement.register(router)
