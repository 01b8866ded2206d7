"""Plumbing shared by the community pages."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.registry.models import Person
from canlian.platform.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from canlian.platform.views import form_error_from

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attempt(form: Any, call: Any) -> Any:
    """Run an action for a form: out-of-scope and forbidden pass through (404/403), any other domain
    error goes to the form; returns the action's result or None."""
    try:
        return call()
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        if isinstance(exc, ValidationFailed) and exc.errors and form is not None:
            for e in exc.errors:
                form.add_error(e.field if e.field in form.fields else None, e.message)
        elif form is not None:
            form_error_from(form, exc)
        return None


def person_id_for(user: Any, id_number: str) -> int:
    """The registered person with this ID number in the user's registry scope."""
    person = (
        Person.objects.for_user(user, "persons.view")
        .filter(id_number=(id_number or "").strip().upper())
        .first()
    )
    if person is None:
        raise ValidationFailed(
            _("No registered person with this ID number in your region."), field="id_number"
        )
    return person.pk


def uploaded(request: HttpRequest, form: Any, run: Any) -> Any:
    upload = form.cleaned_data["file"]
    with tempfile.NamedTemporaryFile(suffix=Path(upload.name).suffix.lower()) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        return run(handle.name, upload.name)


def download(data: bytes, name: str, content_type: str = XLSX) -> HttpResponse:
    import io

    from django.http import FileResponse

    return FileResponse(io.BytesIO(data), as_attachment=True, filename=name, content_type=content_type)


def month_of(raw: str | None) -> dt.date:
    today = timezone.localdate()
    try:
        year, month = (raw or "").split("-")[:2]
        return dt.date(int(year), int(month), 1)
    except (ValueError, TypeError):
        return today.replace(day=1)


def day_of(raw: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat((raw or "")[:10])
    except ValueError:
        return timezone.localdate()


def int_or_none(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None
