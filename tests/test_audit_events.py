"""Audit event codes are declared by the app that writes them; ``audit_record`` refuses any other."""

from __future__ import annotations

import pathlib
import re

import pytest
from django.db import transaction

import canlian
from canlian.core.audit.actions import audit_record
from canlian.core.audit.events import event_label, is_registered

SRC = pathlib.Path(canlian.__file__).parent


@pytest.mark.django_db
def test_an_undeclared_code_is_refused():
    with transaction.atomic(), pytest.raises(ValueError, match="unregistered audit event code"):
        audit_record(actor=None, event="care.contact_recordde", object_type="x", object_id=1)


def test_every_code_written_as_text_in_the_code_is_declared():
    """A code passed as a string (``event="…"`` or an ``EVENT_… = "…"`` constant) must be registered:
    the check would otherwise first fail in production."""
    found = set()
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"event=\"([a-z_]+\.[a-z_]+)\"", text))
        found |= set(re.findall(r"EVENT_[A-Z_]+ = \"([a-z_]+\.[a-z_]+)\"", text))
    assert found, "the scan found nothing"
    assert sorted(c for c in found if not is_registered(c)) == []


def test_the_apps_own_their_codes_with_labels():
    from canlian.domains.care.events import CareEvent
    from canlian.programs.events import ProgramEvent

    assert is_registered(CareEvent.CONTACT_RECORDED) and is_registered(ProgramEvent.RECOVERY_FOUND)
    assert event_label("cycle.lines_withdrawn") != "cycle.lines_withdrawn"  # a label, not the raw code
