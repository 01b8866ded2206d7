"""Forms of the reporting pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from canlian.core.accounts.forms import RegionBoundForm
from canlian.core.permissions import Perm
from canlian.core.regions.forms import RegionField
from canlian.platform.forms import date_field
from canlian.reporting.rehab_figures import default_period


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class RehabFiguresForm(RegionBoundForm):
    """A region inside the user's rehab.view scope (blank: the whole scope) and a period of days
    (default: this year)."""

    region = RegionField(label=_("Region"), required=False, permission=Perm.REHAB_VIEW)
    start = date_field(_("From"), required=False)
    end = date_field(_("To"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, _last = default_period()
        start = data.get("start") or (first if not data.get("end") else data["end"].replace(month=1, day=1))
        end = data.get("end") or dt.date(start.year, 12, 31)
        if end < start:
            self.add_error("end", _("The period ends before it starts."))
        elif (end - start).days > 366 * 5:
            self.add_error("end", _("Choose a period of at most five years."))
        data["start"], data["end"] = start, end
        return data

    def values(self) -> tuple[str, dt.date, dt.date]:
        """(region code or "", first day, last day); the defaults when the form is invalid."""
        if self.is_valid():
            region = self.cleaned_data.get("region")
            return (region.code if region else "", self.cleaned_data["start"], self.cleaned_data["end"])
        first, last = default_period()
        return "", first, last
