"""API of settlement rules and batches."""

from typing import Any


def register(router: Any) -> None:
    pass
