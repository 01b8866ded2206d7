"""Forms of the two subsidies' pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.core.accounts.forms import RegionBoundForm
from canlian.core.permissions import Perm
from canlian.core.regions.forms import RegionField
from canlian.platform.forms import month_field


def default_months(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """January to the current month of this year."""
    today = today or timezone.localdate()
    return today.replace(month=1, day=1), today.replace(day=1)


class StatisticsForm(RegionBoundForm):
    region = RegionField(label=_("Region"), required=False, permission=Perm.ENROLLMENTS_VIEW)
    start = month_field(_("From month"), required=False)
    end = month_field(_("To month"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, last = default_months()
        start = (data.get("start") or first).replace(day=1)
        end = (data.get("end") or (last if not data.get("start") else max(start, last))).replace(day=1)
        if end < start:
            self.add_error("end", _("The last month comes before the first."))
        data["start"], data["end"] = start, end
        return data

    def values(self) -> tuple[str, dt.date, dt.date]:
        """(region code or "", first month, last month); the defaults when the form is invalid."""
        if self.is_valid():
            region = self.cleaned_data.get("region")
            return (region.code if region else "", self.cleaned_data["start"], self.cleaned_data["end"])
        first, last = default_months()
        return "", first, last
