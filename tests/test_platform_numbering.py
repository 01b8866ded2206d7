"""Yearly numbers: the next free sequence, and a retry when a concurrent writer took it."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from canlian.platform.numbering import NumberingExhausted, allocate_yearly, highest_sequence


def test_highest_sequence_ignores_numbers_of_another_shape():
    numbers = ["KF2026000007", "KF2026000012", "KF2026-hand", "KF20260001", "KF2025000099"]
    assert highest_sequence(numbers, "KF2026", 6) == 12
    assert highest_sequence([], "KF2026", 6) == 0


@pytest.mark.django_db
def test_a_clash_reads_the_sequence_again_and_takes_the_next():
    taken = {1, 2}
    reads = []

    def next_sequence() -> int:
        value = len(reads) + 1  # a stale read first: 1, then 2, then 3
        reads.append(value)
        return value

    def create(sequence: int) -> int:
        if sequence in taken:
            raise IntegrityError("duplicate number")
        return sequence

    with transaction.atomic():
        assert allocate_yearly(next_sequence=next_sequence, create=create) == 3
    assert reads == [1, 2, 3]


@pytest.mark.django_db
def test_every_attempt_clashing_is_reported():
    def create(sequence: int) -> int:
        raise IntegrityError("duplicate number")

    with transaction.atomic(), pytest.raises(NumberingExhausted):
        allocate_yearly(next_sequence=lambda: 1, create=create, attempts=3)
