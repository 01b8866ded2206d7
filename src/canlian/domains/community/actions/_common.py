"""Helpers shared by the community actions: locked fetches through ``for_user``, the region a row
belongs to, people fetched in scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from canlian.core.institutions.models import Institution
from canlian.core.registry.models import Person
from canlian.platform.access import is_system, lock_for
from canlian.platform.errors import NotFound
from canlian.platform.inputs import field_error

VIEW = "community.view"
RECORD = "community.record"
MANAGE = "community.manage"
PAY = "community.pay"
APPROVE = "community.approve"


def person_for(actor: Any, person_id: Any, *, field: str = "person_id") -> Person:
    """A registered person the actor may read (``persons.view`` in their region): enrolling someone
    needs the registry's reach, which an institution's staff do not have."""
    try:
        key = int(person_id)
    except (TypeError, ValueError) as exc:
        raise field_error(field, _("Choose a registered person."), person_id) from exc
    if is_system(actor):
        person = Person.objects.filter(pk=key).first()
    else:
        person = Person.objects.for_user(actor, "persons.view").filter(pk=key).first()
    if person is None:
        raise NotFound(_("No registered person with this id in your region."))
    return person


def institution_for(
    actor: Any, institution_id: Any, *, act: str, kinds: tuple[str, ...] | None = None
) -> Institution:
    """An institution the actor may act on for community work (``act``), locked."""
    inst = lock_for(actor, Institution.objects, institution_id, view=VIEW, act=act)
    if kinds and inst.kind not in kinds:
        raise field_error("institution_id", _("This institution is not of the right kind."), inst.name)
    return inst


def month_first(day: dt.date) -> dt.date:
    return day.replace(day=1)
