from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from canlian.core.calendar.choices import DayKind
from canlian.core.calendar.importing import NAME_MAX, YEARS
from canlian.platform.forms import date_field
from canlian.platform.tabular import CSV_SUFFIXES, EXCEL_SUFFIXES


class DayForm(forms.Form):
    """List one day of a known year as a holiday or a make-up working day."""

    date = date_field(_("Date"))
    kind = forms.ChoiceField(label=_("Kind"), choices=DayKind.choices)
    name = forms.CharField(
        label=_("Holiday"),
        max_length=NAME_MAX,
        required=False,
        help_text=_("As published, e.g. 春节, 国庆节."),
    )


class DayRemoveForm(forms.Form):
    date = date_field(_("Date"))


class CalendarImportForm(forms.Form):
    file = forms.FileField(
        label=_("Schedule file"),
        help_text=_(".xlsx, .xls or .csv with the columns date, kind (休 or 班) and name"),
    )
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=YEARS[0],
        max_value=YEARS[1],
        help_text=_("Optional: every date must then be in this year."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in EXCEL_SUFFIXES | CSV_SUFFIXES:
            raise forms.ValidationError(_("Use an .xlsx, .xls or .csv file."))
        return upload
