"""The cadence pages agree with themselves (issue 15 item 15): the period pickers show the period the
page shows, a region with nobody due has no rank (not "None") and comes last, and figures carry
thousands separators."""

from __future__ import annotations

import re
from decimal import Decimal

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from canlian.reporting.cadence import LedgerRow, quarter_of, rank


def selected(html: str, name: str) -> str:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    chosen = re.findall(r'<option value="(\d+)"[^>]*selected', select.group(1))
    return chosen[0] if chosen else ""


def test_the_pickers_show_the_period_of_the_page(client, county_admin):
    client.force_login(county_admin)
    today = timezone.localdate()
    bulletin = client.get(reverse("care:bulletin")).content.decode()
    assert selected(bulletin, "quarter") == str(quarter_of(today))
    assert selected(bulletin, "year") == str(today.year)
    monthly = client.get(reverse("care:monthly")).content.decode()
    assert selected(monthly, "month") == str(today.month)
    # a past year without a month: December, as the page shows
    last_year = client.get(reverse("care:monthly"), {"year": today.year - 1}).content.decode()
    assert selected(last_year, "month") == "12" and selected(last_year, "year") == str(today.year - 1)
    # a month in error falls back to the default, and the picker says which
    wrong = client.get(reverse("care:monthly"), {"month": "13"}).content.decode()
    assert selected(wrong, "month") == str(today.month)
    chosen = client.get(reverse("care:bulletin"), {"year": today.year - 1, "quarter": 2}).content.decode()
    assert selected(chosen, "quarter") == "2"


def row(code: str, due: int, on_track: int, **figures) -> LedgerRow:
    return LedgerRow(code=code, name=code, due=due, on_track=on_track, **figures)


def test_a_region_with_nobody_due_is_not_ranked_and_comes_last():
    ranked = rank([row("370502001", 0, 0), row("370502002", 4, 2), row("370502003", 4, 4)])
    assert [(r.code, r.rank) for r in ranked] == [("370502003", 1), ("370502002", 2), ("370502001", None)]


def test_the_ledger_shows_thousands_separators_and_a_dash_for_no_rank():
    rows = rank(
        [row("370502001", 0, 0), row("370502002", 2000, 1500, paired=12345, money=Decimal("123456.50"))]
    )
    total = LedgerRow(code="total", name="全区", paired=12345, money=Decimal("123456.50"))
    with translation.override("zh-hans"):
        html = render_to_string(
            "reporting/cadence/_ledger.html", {"rows": rows, "total": total, "ranked": True}
        )
    empty = html.split('data-region="370502001"')[1].split("</tr>")[0]
    assert "None" not in html and "—" in empty.split("</td>")[0]
    assert "12,345" in html and "123,456.50" in html
