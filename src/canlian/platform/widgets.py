"""The project's form widgets for dates and months: the browser's own pickers, fed ISO values
(``<input type="date">`` takes only ``2026-12-02``, ``type="month"`` only ``2026-12``) whatever the
interface language."""

from __future__ import annotations

from typing import Any

from django import forms


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m")
