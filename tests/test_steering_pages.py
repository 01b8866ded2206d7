"""The steering pages: the dashboard's cards and charts, one indicator by sub-region (drilling down
one level per click), the records behind a figure (scoped, masked, audited), the refresh button,
and ECharts installed and served from /static/ with no remote script, style or font anywhere.

The world: certified people of 东营市 refreshed for 2025 (a past year, so every month is computed
and the time elapsed at the end of April is exactly 4/12), targets set for the city and its two
counties, and one person in 烟台市 that no 东营 page may show.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from registry_factories import registered

from canlian.core.audit.models import AuditEvent
from canlian.core.jobs.models import Job
from canlian.platform.indicators import Indicator, Period, Unit
from canlian.reporting.events import ReportingEvent
from canlian.reporting.models import IndicatorRefresh, Target
from canlian.reporting.steering import views_dashboard
from canlian.reporting.steering.charts import progress_chart
from canlian.reporting.steering.formatting import change_text, present, value_text
from canlian.reporting.steering.refresh import indicator_refresh
from canlian.reporting.steering.selectors import Figure, indicators_visible

YEAR = 2025
CODE = "registry.certified"
SRC = Path(__file__).resolve().parent.parent / "src" / "canlian"


@pytest.fixture
def world(regions):
    people = {
        "甲": registered(name="张甲", region_code="370502001001", issued=dt.date(2025, 2, 10)),
        "乙": registered(name="李乙", region_code="370502001001", issued=dt.date(2024, 5, 1)),
        "丙": registered(name="王丙", region_code="370505001", issued=dt.date(2025, 4, 1)),
        "丁": registered(name="赵丁", region_code="370505001", category=None),  # not certified
        "戊": registered(name="钱戊", region_code="370602001", issued=dt.date(2024, 1, 1)),
    }
    indicator_refresh(indicators=[CODE], year=YEAR)
    for region, value in (("3705", 6), ("370502", 2), ("370505", 4)):
        Target.objects.create(indicator=CODE, region_code=region, year=YEAR, value=Decimal(value))
    return people


def _url(name: str, code: str | None = None, **query: object) -> str:
    path = reverse(name, kwargs={"indicator_code": code}) if code else reverse(name)
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _payload(html: str, dom_id: str) -> dict:
    found = re.search(rf'<script id="{dom_id}-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, dom_id
    return json.loads(found.group(1))


def _card(html: str, code: str) -> str:
    found = re.search(rf'<article [^>]*data-testid="card-{re.escape(code)}".*?</article>', html, re.S)
    assert found, code
    return found.group(0)


def _testid(fragment: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</', fragment, re.S)
    assert found, testid
    return found.group(1).strip()


# --- the dashboard ----------------------------------------------------------------------------------


def test_dashboard_cards_show_value_target_progress_status_change_and_as_of(
    client, world, make_user, english
):
    client.force_login(make_user("city_admin", "3705"))
    response = client.get(_url("steering:dashboard", year=YEAR, month=4))
    assert response.status_code == 200
    html = response.content.decode()
    card = _card(html, CODE)
    # End of April: 乙 (2024), 甲 (February), 丙 (1 April) = 3 of a target of 6; March had 2.
    assert _testid(card, "value") == "3 people"
    assert _testid(card, "target") == "6 people"
    assert _testid(card, "progress") == "50.0%"
    assert 'style="width: 50.0%"' in card
    assert 'style="left: 33.3%"' in card  # 序时进度 4/12
    assert _testid(card, "status") == "Ahead"  # 50% ≥ 33.3% + 5%
    assert 'data-status="ahead"' in card
    assert _testid(card, "change") == "+1 people"
    as_of = IndicatorRefresh.objects.get(indicator=CODE, year=YEAR).refreshed_at
    from django.utils import timezone

    assert _testid(card, "as-of") == f"as of {timezone.localtime(as_of):%Y-%m-%d %H:%M}"
    assert "东营市" in html and "烟台" not in html
    # the cards link to the indicator page of the same region and period
    assert f'href="/steering/indicator/{CODE}/?region=3705&amp;year={YEAR}&amp;month=4"' in card


def test_an_indicator_never_refreshed_says_so(client, regions, make_user, english):
    client.force_login(make_user("city_admin", "3705"))
    html = client.get(_url("steering:dashboard", year=2024, month=12)).content.decode()
    card = _card(html, CODE)
    assert _testid(card, "as-of") == "not computed yet"
    assert _testid(card, "target") == "no target"
    assert _testid(card, "status") == "No target"


def test_dashboard_charts_carry_the_numbers_and_their_tables(client, world, make_user, english):
    client.force_login(make_user("city_admin", "3705"))
    html = client.get(_url("steering:dashboard", year=YEAR, month=4, indicator=CODE)).content.decode()
    progress = _payload(html, "chart-progress-registry-certified")
    assert progress["suffix"] == " people"
    option = progress["option"]
    assert option["animation"] is False and option["backgroundColor"] == "#ffffff"
    assert option["xAxis"]["data"] == ["Month 1", "Month 2", "Month 3", "Month 4"]
    bars, expected = option["series"]
    assert bars["type"] == "bar" and bars["data"] == [1.0, 2.0, 2.0, 3.0]
    assert expected["type"] == "line" and expected["data"] == [0.5, 1.0, 1.5, 2.0]  # 6 × m/12
    table = re.search(r'data-testid="chart-progress-registry-certified-table">(.*?)</table>', html, re.S)
    assert table
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", table.group(1))
    assert cells[-3:] == ["Month 4", "3", "2.0"]
    ranking = _payload(html, "chart-ranking-registry-certified")["option"]
    assert ranking["yAxis"]["data"] == ["东营区", "垦利区"]
    assert [d["value"] for d in ranking["series"][0]["data"]] == [100.0, 25.0]  # progress: 2/2, 1/4
    assert ranking["series"][0]["markLine"]["data"] == [{"xAxis": 33.3}]
    ranking_table = re.search(
        r'data-testid="chart-ranking-registry-certified-table">(.*?)</table>', html, re.S
    )
    assert ranking_table
    rows = re.findall(r"<tr>(.*?)</tr>", ranking_table.group(1), re.S)
    assert [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r) for r in rows[1:]] == [
        ["1", "东营区", "2", "2", "100.0%", "Ahead"],
        ["2", "垦利区", "1", "4", "25.0%", "Behind"],
    ]
    # ECharts and the chart helper come from this site's static files
    assert '<script src="/static/vendor/echarts/echarts.min.js"></script>' in html
    assert '<script src="/static/canlian/charts.js"></script>' in html
    assert 'href="/static/canlian/steering.css"' in html


def test_a_county_sees_its_own_dashboard_and_gets_404_for_a_sibling_county(client, world, make_user):
    county = make_user("county_admin", "370505")
    client.force_login(county)
    own = client.get(_url("steering:dashboard", year=YEAR, month=4))
    assert own.status_code == 200
    assert _testid(_card(own.content.decode(), CODE), "value").startswith("1 ")  # 丙
    for url in (
        _url("steering:dashboard", region="370502", year=YEAR),
        _url("steering:indicator", CODE, region="370502", year=YEAR),
        _url("steering:records", CODE, region="370502", year=YEAR, month=4),
        _url("steering:dashboard", region="3705"),  # the city above is not the county's either
        _url("steering:dashboard", region="999999"),  # unknown
    ):
        assert client.get(url).status_code == 404, url
    assert not AuditEvent.objects.filter(event_type=ReportingEvent.INDICATOR_RECORDS_VIEWED).exists()


def test_bad_parameters_fall_back_to_the_defaults(client, world, make_user):
    client.force_login(make_user("city_admin", "3705"))
    response = client.get(_url("steering:dashboard", year="abc", month="13", indicator="nope"))
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    assert client.get(_url("steering:indicator", "no.such.indicator")).status_code == 404


def test_a_role_without_the_indicators_permission_sees_no_card(client, world, make_user):
    # institution staff hold no steering.view: refused outright
    client.force_login(make_user("institution_staff", "370502"))
    assert client.get(_url("steering:dashboard")).status_code == 403


# --- one indicator, drilling down ------------------------------------------------------------------


def test_the_indicator_page_drills_down_one_level_per_click_to_the_records(client, world, make_user, english):
    client.force_login(make_user("city_admin", "3705"))
    html = client.get(_url("steering:indicator", CODE, year=YEAR, month=4)).content.decode()
    drill = f"/steering/indicator/{CODE}/?region=370502&amp;year={YEAR}&amp;month=4"
    assert f'href="{drill}" data-testid="drill-370502"' in html
    row = re.search(r'data-testid="subregion-370505">(.*?)</tr>', html, re.S)
    assert row
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    assert cells[0] == "2" and "垦利区" in cells[1] and cells[2:5] == ["1 people", "4 people", "25.0%"]

    # 东营区 → 文汇街道 → 王家村 (a village: nothing below, the records link stays)
    html = client.get(drill.replace("&amp;", "&")).content.decode()
    assert 'data-testid="drill-370502001"' in html
    assert "垦利区" not in html.split('data-testid="subregions"')[1]
    assert 'data-testid="crumbs"' in html and ">东营市</a>" in html
    html = client.get(
        _url("steering:indicator", CODE, region="370502001001", year=YEAR, month=4)
    ).content.decode()
    assert 'data-testid="subregions"' not in html
    assert "There is no region below this one." in html
    records = f"/steering/indicator/{CODE}/records/?region=370502001001&amp;year={YEAR}&amp;month=4"
    assert f'href="{records}"' in html


# --- the records behind a figure -------------------------------------------------------------------


def test_records_are_scoped_masked_and_every_page_view_is_audited(client, world, make_user, monkeypatch):
    monkeypatch.setattr(views_dashboard, "PER_PAGE", 1)
    user = make_user("city_admin", "3705")
    client.force_login(user)
    url = _url("steering:records", CODE, region="370502", year=YEAR, month=4)
    first = client.get(url)
    assert first.status_code == 200
    html = first.content.decode()
    jia, yi, bing = world["甲"], world["乙"], world["丙"]
    assert yi.name not in html or jia.name not in html  # one per page
    shown = jia if jia.name in html else yi
    assert shown.masked_id in html and shown.id_number not in html
    assert bing.name not in html and world["戊"].name not in html
    next_url = re.search(r'href="([^"]+)" data-testid="pager-next"', html)
    assert next_url
    second = client.get(
        reverse("steering:records", kwargs={"indicator_code": CODE}) + next_url.group(1).replace("&amp;", "&")
    )
    html2 = second.content.decode()
    other = yi if shown is jia else jia
    assert other.name in html2 and other.masked_id in html2 and other.id_number not in html2
    assert 'data-testid="pager-next"' not in html2
    events = list(
        AuditEvent.objects.filter(event_type=ReportingEvent.INDICATOR_RECORDS_VIEWED).order_by("pk")
    )
    assert len(events) == 2
    assert events[0].actor == user and events[0].region_code == "370502" and events[0].object_id == CODE
    assert events[0].new_values == {
        "indicator": CODE,
        "region": "370502",
        "year": YEAR,
        "month": 4,
        "from": "2025-04-01",
        "to": "2025-04-30",
        "count": 1,
        "page": "",
    }
    assert events[1].new_values["count"] == 1 and events[1].new_values["page"] == str(shown.pk)
    # the name links to the person page (whose read is audited there)
    assert f'href="/registry/persons/{shown.pk}/"' in html


def test_a_leader_reads_the_records_of_the_whole_city(client, world, make_user):
    client.force_login(make_user("leader", "3705"))
    html = client.get(_url("steering:records", CODE, year=YEAR, month=4)).content.decode()
    for key in ("甲", "乙", "丙"):
        assert world[key].name in html and world[key].masked_id in html
    assert world["丁"].name not in html  # not certified
    assert world["戊"].name not in html  # 烟台
    assert world["甲"].id_number not in html
    event = AuditEvent.objects.get(event_type=ReportingEvent.INDICATOR_RECORDS_VIEWED)
    assert event.region_code == "3705" and event.new_values["count"] == 3


def test_the_pages_cost_the_same_queries_whatever_the_rows(client, world, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(make_user("city_admin", "3705"))

    def queries(url: str) -> list[str]:
        client.get(url)  # warm the session and the caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return [q["sql"] for q in ctx.captured_queries]

    # 2 people in 东营区, 3 in the city: the list reads one page in one query
    assert len(queries(_url("steering:records", CODE, region="370502", year=YEAR, month=4))) == len(
        queries(_url("steering:records", CODE, region="3705", year=YEAR, month=4))
    )
    # the dashboard (every indicator, the city and its counties) reads the summary rows in one query,
    # the targets in one and the "as of" times in one, and never a base table
    sql = queries(_url("steering:dashboard", year=YEAR, month=4))
    for table in ("reporting_indicatorvalue", "reporting_target", "reporting_indicatorrefresh"):
        assert sum(f'"{table}"' in q for q in sql) == 1, table
    assert not [q for q in sql if '"registry_person"' in q or '"registry_certificate"' in q]


# --- refresh now -----------------------------------------------------------------------------------


def test_refresh_now_queues_the_job_for_the_region_and_audits_it(client, world, make_user):
    county = make_user("county_admin", "370505")
    client.force_login(county)
    assert 'data-testid="refresh-form"' in client.get(_url("steering:dashboard", year=YEAR)).content.decode()
    response = client.post(reverse("steering:refresh"), {"region": "370505", "year": YEAR, "month": 4})
    assert response.status_code == 302
    assert response["Location"] == f"/steering/?region=370505&year={YEAR}&month=4"
    job = Job.objects.get(kind="indicators.refresh")
    assert job.region_code == "370505" and job.actor == county and job.params["year"] == YEAR
    # the dashboard's button: every indicator the user sees
    assert job.params["indicators"] == [i.code for i in indicators_visible(user=county)]
    assert CODE in job.params["indicators"]
    event = AuditEvent.objects.get(event_type=ReportingEvent.INDICATORS_REFRESHED)
    assert event.actor == county and event.region_code == "370505"
    assert event.new_values == {
        "job": job.pk,
        "year": YEAR,
        "region": "370505",
        "indicators": job.params["indicators"],
    }


def test_refresh_one_indicator_runs_the_job_after_commit(
    client, world, make_user, django_capture_on_commit_callbacks
):
    client.force_login(make_user("county_admin", "370505"))
    page = client.get(_url("steering:indicator", CODE, year=YEAR, month=4)).content.decode()
    assert f'<input type="hidden" name="indicator" value="{CODE}">' in page
    before = IndicatorRefresh.objects.get(indicator=CODE, year=YEAR).refreshed_at
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("steering:refresh"), {"region": "370505", "year": YEAR, "month": 4, "indicator": CODE}
        )
    assert response["Location"] == f"/steering/indicator/{CODE}/?region=370505&year={YEAR}&month=4"
    job = Job.objects.get(kind="indicators.refresh")
    assert job.params["indicators"] == [CODE]
    job.refresh_from_db()
    assert job.status == "succeeded"
    assert IndicatorRefresh.objects.get(indicator=CODE, year=YEAR).refreshed_at > before


def test_refresh_is_refused_without_the_permission_or_outside_the_scope(client, world, make_user):
    client.force_login(make_user("leader", "3705"))
    html = client.get(_url("steering:dashboard", year=YEAR)).content.decode()
    assert 'data-testid="refresh-form"' not in html
    assert client.post(reverse("steering:refresh"), {"region": "3705", "year": YEAR}).status_code == 403
    client.force_login(make_user("county_admin", "370505"))
    assert client.post(reverse("steering:refresh"), {"region": "370502", "year": YEAR}).status_code == 404
    # no region at all: a message, nothing queued
    assert client.post(reverse("steering:refresh"), {}).status_code == 302
    # an indicator the user may not see, or unknown: refused the same way
    assert (
        client.post(
            reverse("steering:refresh"), {"region": "370505", "year": YEAR, "indicator": "x.y"}
        ).status_code
        == 302
    )
    assert not Job.objects.filter(kind="indicators.refresh").exists()
    assert not AuditEvent.objects.filter(event_type=ReportingEvent.INDICATORS_REFRESHED).exists()


# --- formatting by unit (pure) ---------------------------------------------------------------------


def _indicator(unit: Unit, **extra: object) -> Indicator:
    return Indicator(
        code=f"test.{unit}",
        name="T",
        area="A",
        unit=unit,
        period=Period.IN_PERIOD,
        permission="persons.view",
        leaf=lambda window: None,  # type: ignore[arg-type,return-value]
        **extra,  # type: ignore[arg-type]
    )


def test_values_read_by_unit(english):
    amount, rate, people, times, count = (
        _indicator(u) for u in (Unit.AMOUNT, Unit.RATE, Unit.PEOPLE, Unit.TIMES, Unit.COUNT)
    )
    assert value_text(amount, Decimal("10483300.00")) == "1,048.33 10k yuan"
    assert value_text(amount, Decimal("4999.99")) == "0.50 10k yuan"
    assert value_text(rate, Decimal("0.98245")) == "98.2%"
    assert value_text(people, Decimal("36000")) == "36,000 people"
    assert value_text(times, Decimal("4476")) == "4,476 person-times"
    assert value_text(count, Decimal("50")) == "50"
    assert value_text(people, None) == "—"
    assert change_text(rate, Decimal("0.012")) == "+1.2 percentage points"
    assert change_text(amount, Decimal("-5000")) == "-0.50 10k yuan"
    figure = Figure(indicator=amount, region_code="3705", year=2025, month=6, numerator=Decimal("10483300"))
    figure.target = Decimal("20000000")
    figure.elapsed = Decimal(6) / Decimal(12)
    view = present(figure)
    assert view.value_title == "10,483,300.00 yuan"
    assert (view.progress, view.bar, view.mark, view.status) == ("52.4%", "52.4", "50.0", "on_track")
    rated = Figure(indicator=rate, region_code="3705", year=2025, month=6, numerator=Decimal(95))
    rated.denominator, rated.target = Decimal(100), Decimal("0.98")
    rated.elapsed = Decimal("0.5")
    view = present(rated)
    assert (view.value, view.target, view.mark, view.status) == ("95.0%", "98.0%", None, "on_track")
    rated.series = [(1, Decimal("0.9")), (2, Decimal("0.95"))]
    chart = progress_chart(rated, today=dt.date(2026, 1, 1))
    assert chart.suffix == "%"
    assert [s["data"] for s in chart.option["series"]] == [[90.0, 95.0], [98.0, 98.0]]  # flat target
    assert chart.option["yAxis"]["axisLabel"]["formatter"] == "{value}%"


# --- ECharts served locally, nothing remote --------------------------------------------------------


def test_echarts_is_installed_and_served_from_static(client, db):
    found = finders.find("vendor/echarts/echarts.min.js")
    assert found, "run `make install` (scripts/install-assets.sh) to install ECharts"
    assert Path(found).stat().st_size > 500_000
    assert finders.find("vendor/echarts/LICENSE")
    response = client.get("/static/vendor/echarts/echarts.min.js")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == Path(found).read_bytes()
    assert b"echarts" in body[:2000] and b"Apache" in body[:2000]
    package = json.loads((SRC.parent.parent / "package-lock.json").read_text())
    assert package["packages"]["node_modules/echarts"]["version"] == "6.1.0"
    assert client.get("/static/canlian/charts.js").status_code == 200
    assert client.get("/static/canlian/steering.css").status_code == 200


REMOTE = [
    re.compile(r"<script[^>]+src\s*=\s*[\"']?\s*(https?:)?//", re.I),
    re.compile(r"<link[^>]+href\s*=\s*[\"']?\s*(https?:)?//", re.I),
    re.compile(r"@import\s+(url\()?\s*[\"']?\s*(https?:)?//", re.I),
    re.compile(r"url\(\s*[\"']?\s*(https?:)?//", re.I),
    re.compile(r"\bimport\s*\(?\s*[\"'](https?:)?//", re.I),
    re.compile(r"\bsrc\s*:\s*url\(\s*[\"']?(https?:)?//", re.I),  # @font-face
]


def test_no_template_or_static_file_loads_anything_remote():
    files = [
        p
        for p in SRC.rglob("*")
        if p.is_file()
        and p.suffix in {".html", ".js", ".css", ".txt"}
        and ("templates" in p.parts or "static" in p.parts)
        and "vendor" not in p.parts
    ]
    assert any(p.name == "charts.js" for p in files) and any(p.name == "dashboard.html" for p in files)
    offending = [
        f"{p.relative_to(SRC)}: {m.group(0)}"
        for p in files
        for pattern in REMOTE
        for m in pattern.finditer(p.read_text(encoding="utf-8"))
    ]
    assert offending == []
    # our own scripts and styles name no remote address at all (namespaces aside)
    for p in files:
        if p.suffix in {".js", ".css"}:
            text = re.sub(r"http://www\.w3\.org/[\w/.]*", "", p.read_text(encoding="utf-8"))
            assert "http://" not in text and "https://" not in text, p


def test_record_cells_are_masked_whatever_the_column_is_called(world):
    from canlian.core.registry.models import Certificate, Person
    from canlian.reporting.steering.record_table import page_ordering, record_rows, related_paths

    person = world["甲"]
    Person.objects.filter(pk=person.pk).update(phone="13812345678")
    person.refresh_from_db()
    indicator = _indicator(
        Unit.PEOPLE,
        record_columns=(
            ("Name", "name"),
            ("ID", "id_number"),
            ("Phone", "phone"),
            ("Anything", lambda p: p.id_number),  # an ID under another name: masked too
            ("Village", "region_code"),
        ),
    )
    headers, rows = record_rows(indicator, Person, [person])
    assert headers == ["Name", "ID", "Phone", "Anything", "Village"]
    assert [c.text for c in rows[0]] == ["张甲", person.masked_id, "138****5678", person.masked_id, "王家村"]
    assert rows[0][0].url == f"/registry/persons/{person.pk}/"
    assert person.id_number not in str(rows)
    # columns through a relation are fetched with the page, and a record of a person links to them
    through = _indicator(Unit.COUNT, record_columns=(("Name", "person.name"), ("Valid", "valid_until")))
    assert related_paths(through, Certificate) == ["person"]
    certificate = Certificate.objects.select_related("person").get(person=person)
    _h, rows = record_rows(through, Certificate, [certificate])
    assert rows[0][0].text == "张甲" and rows[0][0].url == f"/registry/persons/{person.pk}/"
    # the records' own order is kept for paging when it ends with the key
    assert page_ordering(Person.objects.order_by("name", "id")) == ("name", "id")
    assert page_ordering(Person.objects.order_by("name")) == ("pk",)
