"""Plumbing shared by the community pages."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.registry.models import Person
from canlian.domains.community.forms import UploadForm
from canlian.domains.community.views.page import FormBlock, page
from canlian.platform.errors import DomainError, ValidationFailed
from canlian.platform.views import ActionFormView, FormPageView

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def uploaded(upload: Any, run: Any) -> Any:
    """Run ``run(path, name)`` on a temporary copy of an uploaded file (the readers take a path)."""
    with tempfile.NamedTemporaryFile(suffix=Path(upload.name).suffix.lower()) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        return run(handle.name, upload.name)


class FileImportView(ActionFormView):
    """A file posted to an import (``run``): the rows it refuses are listed on the page
    (``row_errors``), any other refusal goes on the form; nothing is saved then (400)."""

    form_class: Any = UploadForm
    row_errors: list[Any] = []

    def run(self, path: str, name: str, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def act(self, data: dict[str, Any]) -> Any:
        return uploaded(data["file"], lambda path, name: self.run(path, name, data))

    def form_error(self, form: Any, exc: DomainError) -> None:
        if isinstance(exc, ValidationFailed) and exc.errors:
            self.row_errors = list(exc.errors)
        else:
            form.add_error(None, exc.message)


class FormPage(FormPageView):
    """A form on a page of its own: ``title()`` above one form block that posts back to the page."""

    block_title: Any = ""
    submit: Any = gettext_lazy("Save")
    intro: Any = ""
    multipart = False
    testid = ""

    def title(self) -> str:
        raise NotImplementedError

    def links(self) -> list[tuple[Any, str]]:
        return []

    def page_errors(self) -> list[Any]:
        return []

    def render_form(self, form: Any, status: int) -> HttpResponse:
        block = FormBlock(
            self.block_title,
            form,
            self.request.path,
            self.submit,
            multipart=self.multipart,
            testid=self.testid,
        )
        return page(
            self.request,
            self.title(),
            intro=self.intro,
            forms=[block],
            links=self.links(),
            errors=self.page_errors(),
            status=status,
        )


class ImportPageView(FileImportView, FormPage):
    """An import's own page: its title, the columns expected (``intro``) and the file form."""

    block_title, submit, multipart = gettext_lazy("File"), gettext_lazy("Upload"), True

    def page_errors(self) -> list[Any]:
        return self.row_errors


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
