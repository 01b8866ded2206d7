"""The parameters of the dashboard pages: a region inside the user's steering scope (the cascading
picker), a year, a month and, on the dashboard, the indicator its charts show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.core.accounts.forms import RegionBoundForm
from canlian.core.permissions import Perm
from canlian.core.regions.forms import RegionField
from canlian.platform.errors import NotFound
from canlian.platform.indicators import Indicator
from canlian.reporting.steering.charts import month_label
from canlian.reporting.steering.selectors import current_month, default_region

FIRST_YEAR = 2000


class DashboardForm(RegionBoundForm):
    region = RegionField(label=_("Region"), required=False, permission=Perm.STEERING_VIEW)
    year = forms.IntegerField(label=_("Year"), required=False)
    month = forms.TypedChoiceField(
        label=_("Month"), required=False, choices=[(m, m) for m in range(1, 13)], coerce=int
    )
    indicator = forms.ChoiceField(label=_("Chart"), required=False)

    def __init__(self, *args: Any, indicators: list[Indicator], today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_year = today.year + 1
        self.fields["year"].widget.attrs.update({"min": FIRST_YEAR, "max": self.last_year, "class": "year"})
        self.fields["indicator"].choices = [(i.code, i.name) for i in indicators]
        self.fields["month"].choices = [
            (m, month_label(m)) for m in range(1, 13)
        ]  # in the request's language

    def clean_year(self) -> int | None:
        year = self.cleaned_data.get("year")
        top = self.last_year
        if year is not None and not FIRST_YEAR <= year <= top:
            raise forms.ValidationError(
                _("Choose a year from %(first)s to %(last)s."), params={"first": FIRST_YEAR, "last": top}
            )
        return year


@dataclass
class Params:
    region_code: str
    year: int
    month: int
    indicator: str
    form: DashboardForm

    def query(self, **changes: Any) -> str:
        """The query string of these parameters (with ``changes``), for links between the pages."""
        from django.http import QueryDict

        values = {"region": self.region_code, "year": self.year, "month": self.month}
        values.update(changes)
        query = QueryDict(mutable=True)
        for key, value in values.items():
            if value is not None and value != "":
                query[key] = str(value)
        return query.urlencode()


def read_params(request: HttpRequest, indicators: list[Indicator], today: dt.date | None = None) -> Params:
    """The page's parameters; a region outside the user's scope (or unknown) is a 404, other bad
    values fall back to their defaults and are shown as form errors."""
    today = today or timezone.localdate()
    form = DashboardForm(request.GET, request=request, indicators=indicators, today=today)
    form.is_valid()
    if "region" in form.errors:
        raise NotFound()
    data = getattr(form, "cleaned_data", {})
    region = data.get("region")
    region_code = region.code if region is not None else default_region(user=request.user)
    year = data.get("year") or today.year
    month = data.get("month") or current_month(year, today)
    indicator = data.get("indicator") or (indicators[0].code if indicators else "")
    # The picker and the fields show what the page shows (the defaults included).
    form.data = form.data.copy()
    for key, value in {"region": region_code, "year": year, "month": month, "indicator": indicator}.items():
        form.data[key] = str(value)
    return Params(region_code=region_code, year=year, month=month, indicator=indicator, form=form)
