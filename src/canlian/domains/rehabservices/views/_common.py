"""What the pages of rehabilitation services share: permissions, request parsing, lookups."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_sensitive_read
from canlian.core.permissions import Perm
from canlian.core.registry.models import Person
from canlian.core.registry.selectors import region_names
from canlian.domains.rehabservices.events import ServicesEvent
from canlian.platform.access import scope_roots
from canlian.platform.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from canlian.platform.tabular import read_table
from canlian.platform.views import FormPageView, form_error_from, int_param

VIEW = Perm.SERVICES_VIEW
RECORD = Perm.SERVICES_RECORD
MANAGE = Perm.SERVICES_MANAGE
PAY = Perm.SERVICES_PAY
APPROVE = Perm.SERVICES_APPROVE
PER_PAGE = 50


def _year(request: HttpRequest) -> int:
    year = int_param(request.GET.get("year"))
    return year if year and 2000 <= year <= 2100 else timezone.localdate().year


def _region(request: HttpRequest) -> str:
    region = request.GET.get("region", "").strip()
    return region if region.isdigit() and len(region) <= 12 else ""


def _query(request: HttpRequest) -> str:
    q = request.GET.copy()
    q.pop("page", None)
    return q.urlencode()


def _download(data: bytes, filename: str, content_type: str) -> FileResponse:
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=filename, content_type=content_type)


def _raise_not_found(exc: DomainError) -> None:
    if isinstance(exc, (NotFound, PermissionDenied)):
        raise exc


def _errors(form: Any, exc: DomainError) -> list[str]:
    """Attach the error to the form; return row errors of an import."""
    form_error_from(form, exc)
    if isinstance(exc, ValidationFailed):
        return [f"{_('Row')} {e.row}: {e.field} — {e.message}" if e.row else e.message for e in exc.errors]
    return []


def _regions(user: Any, permission: str) -> list[tuple[str, str]]:
    """The user's scope roots and their regions one level below, for a region picker."""
    from canlian.core.regions.models import Region

    roots = [r for r in scope_roots(user, permission) if r]
    codes = list(roots) + list(
        Region.objects.filter(parent__code__in=roots).order_by("code").values_list("code", flat=True)
    )
    names = region_names(codes)
    return [(c, f"{names.get(c, c)} ({c})") for c in codes]


def _person(request: HttpRequest, permission: str = RECORD) -> Person | None:
    pid = int_param(request.GET.get("person") or request.POST.get("person"))
    if pid is None:
        return None
    return Person.objects.get_for_user(request.user, permission, pk=pid)


def _lookup(request: HttpRequest, permission: str = RECORD) -> Person | None:
    """The person of a lookup by ID number (the phone pages' first step)."""
    from canlian.core.registry.identity import parse_resident_id
    from canlian.core.registry.selectors import person_by_id_number

    raw = (request.GET.get("id_number") or "").strip()
    if not raw:
        return None
    try:
        number = parse_resident_id(raw).number
    except Exception:
        return None
    return person_by_id_number(user=request.user, id_number=number, action=permission)


class PersonFormView(FormPageView):
    """A phone page's form about one person: found first by ID number (``?id_number=``), then
    carried as ``person``; a POST without the person is refused (400). ``template`` gets the person,
    the form, the lookup form and ``extra_context``; a refusal goes on the field it names."""

    required_permission = RECORD
    template = ""

    @cached_property
    def person(self) -> Person | None:
        person = _person(self.request)
        if person is None and self.request.method == "GET":
            return _lookup(self.request)
        return person

    def extra_context(self, form: Any) -> dict[str, Any]:
        return {}

    def form_error(self, form: Any, exc: DomainError) -> None:
        form_error_from(form, exc)

    def render_form(self, form: Any, status: int) -> HttpResponse:
        from canlian.domains.rehabservices.forms import PersonLookupForm

        context = {
            "person": self.person,
            "form": form,
            "lookup": PersonLookupForm(self.request.GET or None),
            "searched": bool(self.request.GET.get("id_number")),
            **self.extra_context(form),
        }
        return render(self.request, self.template, context, status=status)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.person is None:
            form = self.get_form(request.POST)
            form.is_valid()
            form.add_error(None, _("Find the person first."))
            return self.render_form(form, 400)
        return super().post(request, *args, **kwargs)


def _audit_read(request: HttpRequest, obj: Any) -> None:
    audit_sensitive_read(actor=request.user, event=ServicesEvent.RECORD_VIEWED, obj=obj, page=request.path)


def _read_upload(upload: Any) -> Any:
    suffix = Path(upload.name or "").suffix.lower() or ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
        fh.flush()
        return read_table(fh.name, name=upload.name)
