"""Form fields every page uses: a date and a month, on the project's widgets (``platform/widgets.py``).

Forms carry no logic (actions validate); these only give one field the browser's picker and the
input formats it sends, so that every page's date reads and renders the same way.
"""

from __future__ import annotations

from typing import Any

from django import forms

from canlian.platform.widgets import DateInput, MonthInput

MONTH_INPUT_FORMATS = ["%Y-%m", "%Y-%m-%d"]


def date_field(label: Any, *, required: bool = True, **kwargs: Any) -> forms.DateField:
    """A ``DateField`` on the ISO date picker (``<input type="date">``)."""
    kwargs.setdefault("widget", DateInput())
    return forms.DateField(label=label, required=required, **kwargs)


def month_field(label: Any, *, required: bool = True, **kwargs: Any) -> forms.DateField:
    """A ``DateField`` on the month picker: ``YYYY-MM`` (or a full date) read as that date.

    The value is the date as typed (``2026-03`` → 1 March 2026); an action taking a month normalises
    it with ``inputs.as_month``.
    """
    kwargs.setdefault("widget", MonthInput())
    kwargs.setdefault("input_formats", MONTH_INPUT_FORMATS)
    return forms.DateField(label=label, required=required, **kwargs)
