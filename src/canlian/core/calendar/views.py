"""Pages of the working-day calendar (namespace "calendar"): the known years and the open provisional
deadlines; one year's listed days; set or remove a day; import a year's schedule."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.accounts.http import AuthenticatedHttpRequest
from canlian.core.calendar import actions, selectors
from canlian.core.calendar.forms import CalendarImportForm, DayForm, DayRemoveForm
from canlian.core.permissions import Perm
from canlian.platform.errors import DomainError, NotFound, ValidationFailed
from canlian.platform.views import CanlianView, form_error_from

#: How many open provisional deadlines the index shows.
DEADLINES_SHOWN = 200


class CalendarIndexView(CanlianView):
    """The known years, and the open provisional deadlines of the user's region."""

    required_permission = Perm.CALENDAR_VIEW

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        deadlines = list(selectors.deadlines_visible(user=request.user)[: DEADLINES_SHOWN + 1])
        return render(
            request,
            "calendar/index.html",
            {
                "years": list(selectors.calendar_years()),
                "deadlines": selectors.describe_deadlines(deadlines[:DEADLINES_SHOWN]),
                "more_deadlines": len(deadlines) > DEADLINES_SHOWN,
                "can_manage": request.user.has_canlian_perm(Perm.CALENDAR_MANAGE),
                "next_year": timezone.localdate().year + 1,
            },
        )


def _year_page(request: AuthenticatedHttpRequest, year: int, *, form: Any = None) -> HttpResponse:
    return render(
        request,
        "calendar/year.html",
        {
            "year": year,
            "known": selectors.calendar_year(year),
            "days": list(selectors.calendar_days_of(year)),
            "form": form or DayForm(initial={"date": f"{year}-01-01"}),
            "can_manage": request.user.has_canlian_perm(Perm.CALENDAR_MANAGE),
        },
    )


class CalendarYearView(CanlianView):
    """One year: its listed holidays and make-up working days; the form to set or remove one."""

    required_permission = Perm.CALENDAR_VIEW

    def get(self, request: AuthenticatedHttpRequest, calendar_year: int) -> HttpResponse:
        return _year_page(request, calendar_year)


class CalendarDaySetView(CanlianView):
    required_permission = Perm.CALENDAR_MANAGE
    http_method_names = ["post"]

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = DayForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.calendar_day_set(
                    actor=request.user, date=data["date"], kind=data["kind"], name=data["name"]
                )
            except NotFound:
                raise
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                messages.success(request, _("%(date)s saved.") % {"date": data["date"].isoformat()})
                return redirect("calendar:year", calendar_year=data["date"].year)
        day = form.cleaned_data.get("date") if hasattr(form, "cleaned_data") else None
        year = day.year if day else timezone.localdate().year
        return _year_page(request, year, form=form)


class CalendarDayRemoveView(CanlianView):
    required_permission = Perm.CALENDAR_MANAGE
    http_method_names = ["post"]

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = DayRemoveForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a date."))
            return redirect("calendar:index")
        day = form.cleaned_data["date"]
        try:
            actions.calendar_day_remove(actor=request.user, date=day)
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("%(date)s removed: it is an ordinary day again.") % {"date": day.isoformat()}
            )
        return redirect("calendar:year", calendar_year=day.year)


class CalendarImportView(CanlianView):
    """Upload next year's schedule (all or nothing; every bad row listed)."""

    required_permission = Perm.CALENDAR_MANAGE

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        return render(request, "calendar/import.html", {"form": CalendarImportForm(), "errors": []})

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = CalendarImportForm(request.POST, request.FILES)
        errors: list[Any] = []
        if form.is_valid():
            upload = form.cleaned_data["file"]
            with tempfile.NamedTemporaryFile(suffix=Path(upload.name).suffix.lower()) as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
                fh.flush()
                try:
                    result = actions.calendar_import(
                        actor=request.user, path=fh.name, name=upload.name, year=form.cleaned_data["year"]
                    )
                except ValidationFailed as exc:
                    errors = exc.errors
                    form.add_error(None, exc.message)
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(
                        request,
                        _(
                            "Imported %(years)s: %(holidays)s holidays, %(workdays)s make-up working days; "
                            "%(recomputed)s provisional deadlines settled."
                        )
                        % {
                            "years": ", ".join(str(y) for y in result.years),
                            "holidays": result.holidays,
                            "workdays": result.workdays,
                            "recomputed": result.recomputed,
                        },
                    )
                    return redirect("calendar:year", calendar_year=result.years[0])
        return render(request, "calendar/import.html", {"form": form, "errors": errors})
