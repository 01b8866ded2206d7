"""Yearly numbers (``DYZG-2026-001``, ``KF2026000001``): the next free sequence of a year, allocated
under concurrency.

The next sequence is read (one more than the year's highest), the row is created in a savepoint, and
when a concurrent writer took the same number first (the unique constraint on the number answers
``IntegrityError``) the sequence is read again. Two writers never share a number and no lock is held
across the table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.db import IntegrityError, transaction

T = TypeVar("T")


class NumberingExhausted(Exception):
    """Every attempt met a concurrent writer (vanishingly rare): the caller reports "try again"."""


def allocate_yearly(*, next_sequence: Callable[[], int], create: Callable[[int], T], attempts: int = 5) -> T:
    """``create(sequence)`` with the next free ``sequence`` of the year, retried on a clash."""
    for _attempt in range(attempts):
        sequence = next_sequence()
        try:
            with transaction.atomic():
                return create(sequence)
        except IntegrityError:
            continue
    raise NumberingExhausted()


def highest_sequence(numbers: Iterable[str], prefix: str, width: int) -> int:
    """The highest ``width``-digit sequence among numbers ``<prefix><sequence>`` (0 when none);
    numbers of another shape (entered by hand) are ignored."""
    highest = 0
    for number in numbers:
        tail = number[len(prefix) :] if number.startswith(prefix) else ""
        if len(tail) == width and tail.isdigit():
            highest = max(highest, int(tail))
    return highest
