"""Page view plumbing: every page declares ``required_permission`` (None = any signed-in user);
the generic authorization suite reads that attribute for every route."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy
from django.views import View

from canlian.platform.errors import DomainError, NotFound, PermissionDenied


class CanlianView(LoginRequiredMixin, View):
    required_permission: str | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.required_permission and not request.user.has_canlian_perm(self.required_permission):
            raise DjangoPermissionDenied()
        return super().dispatch(request, *args, **kwargs)  # type: ignore[return-value]


class ActionFormView(CanlianView):
    """A form posted to one action: valid → ``act`` → redirect with a success message; an invalid
    form, or a domain error put on the form (``form_errors_from``), shows the page again with
    ``invalid_status``. Out of scope and forbidden pass through (404/403). Subclasses set
    ``form_class`` (or override ``get_form``), ``required_permission`` and ``act``, and say where
    to go (``success_url`` or ``get_success_url``) and how to show the form (``render_form``);
    ``form_error`` may put a refusal elsewhere (an import's rejected rows).
    The hooks read ``self.request`` and ``self.kwargs``."""

    form_class: Any = None
    field_map: dict[str, str | None] | None = None  # action fields → form fields (None: the form)
    success_url = ""  # a URL name without arguments
    success_message: Any = gettext_lazy("Saved.")
    invalid_status = 400

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return self.form_class(data, files)

    def act(self, data: dict[str, Any]) -> Any:
        """Call the action with the cleaned data; its result goes to the success hooks."""
        raise NotImplementedError

    def get_success_url(self, result: Any) -> str:
        return self.success_url

    def get_success_message(self, result: Any) -> str:
        return str(self.success_message)

    def form_error(self, form: Any, exc: DomainError) -> None:
        """Put the action's refusal on the form (each row error on the field it names)."""
        form_errors_from(form, exc, self.field_map)

    def render_form(self, form: Any, status: int) -> HttpResponse:
        raise NotImplementedError

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = self.act(form.cleaned_data)
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                self.form_error(form, exc)
            else:
                messages.success(request, self.get_success_message(result))
                return redirect(self.get_success_url(result))
        return self.render_form(form, self.invalid_status)


class FormPageView(ActionFormView):
    """An ``ActionFormView`` that is also the form's page: GET shows the unbound form."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_form(self.get_form(), 200)


def form_error_from(form: Any, exc: DomainError) -> None:
    """Attach a domain error to the form field it names (or to the form)."""
    field = exc.field if exc.field in getattr(form, "fields", {}) else None
    form.add_error(field, exc.message)


def flash_error(request: HttpRequest, exc: DomainError) -> None:
    if isinstance(exc, NotFound):
        raise exc
    messages.error(request, exc.message)


def paginate(request: HttpRequest, queryset: Any, per_page: int = 50) -> Any:
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))


# --- keyset pages ----------------------------------------------------------------------------------

_CURSOR_SEP = "~"


@dataclass
class KeysetPage:
    """One page of a keyset-paged list: no COUNT(*), only whether a next/previous page exists."""

    items: list[Any]
    next_url: str | None = None
    prev_url: str | None = None
    first_url: str | None = None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def _cursor_of(obj: Any, fields: tuple[str, ...]) -> str:
    values = []
    for f in fields:
        value = getattr(obj, f.lstrip("-"))
        values.append(value.isoformat() if hasattr(value, "isoformat") else str(value))
    return _CURSOR_SEP.join(values)


def _beyond_q(fields: tuple[str, ...], cursor: str, *, backwards: bool) -> Q:
    """Rows after the cursor in the list's order (before it when ``backwards``)."""
    values = cursor.split(_CURSOR_SEP)
    if len(values) != len(fields):
        raise ValueError(cursor)
    q = Q()
    for i, f in enumerate(fields):
        descending = f.startswith("-") != backwards
        equal = {fields[j].lstrip("-"): values[j] for j in range(i)}
        q |= Q(**equal, **{f"{f.lstrip('-')}__{'lt' if descending else 'gt'}": values[i]})
    return q


def _with_params(request: HttpRequest, **changes: str | None) -> str:
    params = request.GET.copy()
    for key in ("after", "before"):
        params.pop(key, None)
    for key, value in changes.items():
        if value is not None:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def keyset_page(
    request: HttpRequest, queryset: Any, per_page: int = 50, ordering: tuple[str, ...] = ("-id",)
) -> KeysetPage:
    """Page a list by keyset (``?after=<cursor>`` / ``?before=<cursor>``) in ``ordering``, which must
    end with a unique field (the cursor is the last row's values, joined by "~"). Links keep the other
    query parameters, so filters survive paging. Constant cost at any depth; never counts the rows."""
    after, before = request.GET.get("after", ""), request.GET.get("before", "")
    try:
        if before:
            reverse_order = [f[1:] if f.startswith("-") else f"-{f}" for f in ordering]
            rows = list(
                queryset.filter(_beyond_q(ordering, before, backwards=True)).order_by(*reverse_order)[
                    : per_page + 1
                ]
            )
            has_prev, rows = len(rows) > per_page, rows[:per_page][::-1]
            has_next = True
        else:
            qs = queryset.order_by(*ordering)
            if after:
                qs = qs.filter(_beyond_q(ordering, after, backwards=False))
            rows = list(qs[: per_page + 1])
            has_next, rows = len(rows) > per_page, rows[:per_page]
            has_prev = bool(after)
    except (ValueError, TypeError, DjangoValidationError):
        return keyset_page(_without_cursor(request), queryset, per_page, ordering)
    page = KeysetPage(items=rows)
    if rows and has_next:
        page.next_url = _with_params(request, after=_cursor_of(rows[-1], ordering))
    if rows and has_prev:
        page.prev_url = _with_params(request, before=_cursor_of(rows[0], ordering))
    if after or before:
        page.first_url = _with_params(request)
    return page


def _without_cursor(request: HttpRequest) -> HttpRequest:
    """A malformed cursor shows the first page rather than an error."""
    clone = copy.copy(request)
    clone.GET = request.GET.copy()  # type: ignore[assignment]
    clone.GET.pop("after", None)  # type: ignore[misc]
    clone.GET.pop("before", None)
    return clone


def form_errors_from(form: Any, exc: DomainError, field_map: Mapping[str, str | None] | None = None) -> None:
    """Like ``form_error_from``, but each row error of a ValidationFailed goes to the field it names
    (its bare message, without the "field:" prefix). ``field_map`` renames action fields to form
    fields (e.g. ``{"note": "outcome_note"}``)."""
    field_map = field_map or {}
    fields = getattr(form, "fields", {})
    errors = getattr(exc, "errors", None) or []
    if not errors:
        field = field_map.get(exc.field or "", exc.field)
        form.add_error(field if field in fields else None, exc.message)
        return
    for error in errors:
        field = field_map.get(error.field or "", error.field)
        form.add_error(field if field in fields else None, error.message)


def int_param(value: Any) -> int | None:
    """A page's integer query parameter (``?year=``, ``?institution=``), or None when it is absent
    or not a whole number: a page falls back to its default instead of refusing (the API's
    ``api.query_int`` is the strict one, a 400 naming the parameter)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
