"""Test helpers for the registry: valid resident ID numbers and people made through the actions."""

from __future__ import annotations

import datetime as dt
import itertools

from stdnum.cn import ric

from canlian.core.registry.actions import certificate_issue, person_register

_seq = itertools.count(101)


def resident_id(
    area: str = "370502", birth: str = "19800101", seq: int | None = None, male: bool = True
) -> str:
    """A valid 18-character ID: area code, birth date, a sequence whose last digit gives the sex."""
    n = next(_seq) if seq is None else seq
    order = f"{(2 * (n % 500) + (1 if male else 0)):03d}"
    body = f"{area}{birth}{order}"
    return body + ric.calc_check_digit(body + "0")


def registered(
    *,
    name: str = "张三",
    region_code: str = "370502001001",
    birth: str = "19800101",
    category: int | None = 4,
    grade: int = 2,
    issued: dt.date = dt.date(2020, 5, 1),
    actor=None,
    **extra,
):
    """A person registered (and certified unless category is None) through the actions."""
    person = person_register(
        actor=actor,
        id_number=resident_id(region_code[:6], birth),
        name=name,
        region_code=region_code,
        **extra,
    )
    if category is not None:
        certificate_issue(actor=actor, person_id=person.pk, category=category, grade=grade, issue_date=issued)
    return person
