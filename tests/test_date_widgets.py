"""Dates reach the browser's pickers in ISO form in Chinese and English (the zh_Hans default
``2026/12/02`` left every <input type="date"> blank)."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.utils import translation

from canlian.platform.widgets import DateInput, MonthInput

DAY = dt.date(2026, 12, 2)


class Form(forms.Form):
    plain = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    day = forms.DateField(widget=DateInput())
    month = forms.DateField(widget=MonthInput(), input_formats=["%Y-%m", "%Y-%m-%d"])


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_date_and_month_inputs_render_iso_values(language):
    with translation.override(language):
        html = str(Form(initial={"plain": DAY, "day": DAY, "month": DAY}))
    assert 'type="date" name="plain" value="2026-12-02"' in html
    assert 'type="date" name="day" value="2026-12-02"' in html
    assert 'type="month" name="month" value="2026-12"' in html
    assert "2026/12/02" not in html


def test_chinese_dates_are_still_accepted_when_typed():
    with translation.override("zh-hans"):
        form = Form(data={"plain": "2026/12/02", "day": "2026年12月2日", "month": "2026-12"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data == {"plain": DAY, "day": DAY, "month": dt.date(2026, 12, 1)}


@pytest.mark.django_db
def test_a_form_page_shows_its_date(client, county_admin):
    """The petitions form (接待来访) comes up with today's date, not blank."""
    client.force_login(county_admin)
    with translation.override("zh-hans"):
        response = client.get("/petitions/receive/")
    assert response.status_code == 200
    import re

    values = re.findall(r'type="date"[^>]*value="([^"]*)"', response.content.decode())
    assert values and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in values), values
