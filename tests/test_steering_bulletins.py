"""Bulletins (月调度 / 季通报 / 年总结): the sentences stated from the figures, the weighted score and the
ranking with ties (1, 2, 2, 4), the lagging regions with how far behind, the default scheme, the
scheme action, the .docx and .xlsx documents (read back), the downloads' audit rows, scope, and the
care cadence pages' link to the all-domain bulletin."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook
from steering_targets_world import install, more_counties, put, target

from canlian.core.audit.models import AuditEvent
from canlian.platform.errors import NotFound, PermissionDenied, ValidationFailed
from canlian.reporting.models import BulletinScheme
from canlian.reporting.steering import targets as actions
from canlian.reporting.steering.bulletins import bulletin
from canlian.reporting.steering.documents import bulletin_docx, bulletin_xlsx

YEAR = 2025
TODAY = dt.date(2026, 3, 1)  # the year is over: a quarter is stated as of its last month's end

LIVING_SENTENCE = (
    "截至9月底，全市困难残疾人生活补贴发放3,412人，完成年度目标的76.3%，超序时进度（75.0%）1.3个百分点。"
)
AMOUNT_SENTENCE = "截至9月底，全市两项补贴发放金额1,048.33万元。"
RATE_SENTENCE = "截至9月底，全市精准康复服务率96.5%，低于目标（98.0%）1.5个百分点。"
CARE_SENTENCE = "截至9月底，全市结对关爱覆盖率87.5%。"
RANKING = "按综合得分排名，第一位的是东营区（86.7分），最后一位的是利津县（66.7分）。"
LAGGING = (
    "落后序时进度5个百分点以上的有：垦利区（精准康复服务率88.2%，低于目标9.8个百分点）、"
    "利津县（困难残疾人生活补贴发放完成年度目标的50.0%，落后序时进度25.0个百分点）。"
)


@pytest.fixture
def world(regions, monkeypatch):
    """东营市 and its four counties in September 2025. The city: 3,412 people of a target of 4,472,
    10,483,250 yuan paid (5,000,000 in January + 5,483,250 in July), a service rate of 965/1000
    against 98%, care coverage 875/1000 (no target). The counties (living ÷ 1,000; rate ÷ 1,000):
    东营区 800, 980; 河口区 700, 980; 垦利区 750, 882; 利津县 500, 980. With the weights living 2,
    rate 1 their scores are 86.7, 80.0, 80.0 and 66.7."""
    install(monkeypatch)
    more_counties(regions)
    put("t.living", "3705", 9, 3412)
    put("t.living", "3705", 8, 3000)
    target("t.living", "3705", 4472)
    put("t.amount", "3705", 1, "5000000.00")
    put("t.amount", "3705", 7, "5483250.00")
    put("t.amount", "3705", 10, "999.00")  # after the quarter: not counted
    put("t.rate", "3705", 9, 965, 1000)
    target("t.rate", "3705", "0.98")
    put("t.care", "3705", 9, 875, 1000)
    for code, people, served in (
        ("370502", 800, 980),
        ("370503", 700, 980),
        ("370505", 750, 882),
        ("370522", 500, 980),
    ):
        put("t.living", code, 9, people)
        target("t.living", code, 1000)
        put("t.rate", code, 9, served, 1000)
        target("t.rate", code, "0.98")
    BulletinScheme.objects.create(
        region_code="3705",
        name="季通报",
        items=[{"indicator": "t.living", "weight": "2"}, {"indicator": "t.rate", "weight": "1"}],
    )
    return regions


def quarterly(user, **extra):
    return bulletin(
        user=user, region_code="3705", year=YEAR, period_kind="quarterly", period=3, today=TODAY, **extra
    )


def test_sentences_from_the_figures(world, city_admin):
    b = quarterly(city_admin)
    assert b.title == "东营市2025年第三季度工作通报"
    assert b.as_of == dt.date(2025, 9, 30) and b.month == 9 and b.elapsed == Decimal("0.75")
    sections = {s.area: s.sentences for s in b.sections}
    assert sections["两项补贴"] == [LIVING_SENTENCE, AMOUNT_SENTENCE]
    assert sections["康复"] == [RATE_SENTENCE]
    assert sections["关爱"] == [CARE_SENTENCE]  # the care section, through the care indicators
    assert "登记" not in sections  # no figure, no target: nothing to state
    assert b.ranking_text == RANKING
    assert b.lagging_text == LAGGING
    assert b.sentences[-2:] == [RANKING, LAGGING]


def test_weighted_score_and_ties_share_a_rank(world, city_admin):
    b = quarterly(city_admin)
    assert [(r.rank, r.region.code, r.score_percent) for r in b.ranking] == [
        (1, "370502", Decimal("86.7")),  # (2 × 0.8 + 1 × 1.0) ÷ 3
        (2, "370503", Decimal("80.0")),  # (2 × 0.7 + 1 × 1.0) ÷ 3
        (2, "370505", Decimal("80.0")),  # (2 × 0.75 + 1 × 0.9) ÷ 3
        (4, "370522", Decimal("66.7")),  # (2 × 0.5 + 1 × 1.0) ÷ 3
    ]
    assert b.ranking[1].score == Decimal("0.8") and b.ranking[2].score == Decimal("0.8")
    lagging = {r.region.code: [(lag.figure.indicator.code, lag.points) for lag in r.lags] for r in b.lagging}
    # 河口区 at 70.0% is exactly 5 points behind 75.0%: on track, not named
    assert lagging == {"370505": [("t.rate", Decimal("9.8"))], "370522": [("t.living", Decimal("25.0"))]}


def test_default_scheme_every_indicator_with_a_target_weight_one(world, city_admin):
    BulletinScheme.objects.all().delete()
    b = quarterly(city_admin)
    assert b.scheme is None
    assert [(i.indicator.code, i.weight) for i in b.items] == [("t.living", 1), ("t.rate", 1)]
    assert [(r.rank, r.region.code, r.score_percent) for r in b.ranking] == [
        (1, "370502", Decimal("90.0")),
        (2, "370503", Decimal("85.0")),
        (3, "370505", Decimal("82.5")),
        (4, "370522", Decimal("75.0")),
    ]


def test_monthly_and_yearly_and_a_period_not_over(world, city_admin):
    monthly = bulletin(
        user=city_admin, region_code="3705", year=YEAR, period_kind="monthly", period=8, today=TODAY
    )
    assert monthly.title == "东营市2025年8月工作调度"
    assert (
        monthly.sections[0]
        .sentences[0]
        .startswith("截至8月底，全市困难残疾人生活补贴发放3,000人，完成年度目标的67.1%")
    )
    yearly = bulletin(user=city_admin, region_code="3705", year=YEAR, period_kind="yearly", today=TODAY)
    assert yearly.title == "东营市2025年工作总结" and yearly.month == 12
    assert (
        yearly.sections[0].sentences[1] == "2025年，全市两项补贴发放金额1,048.42万元。"
    )  # 10,484,249 yuan: + 999 in October
    current = bulletin(
        user=city_admin,
        region_code="3705",
        year=YEAR,
        period_kind="quarterly",
        period=4,
        today=dt.date(2025, 11, 15),
    )
    assert current.month == 11 and current.as_of == dt.date(2025, 11, 15)
    assert current.when == "截至11月15日"
    with pytest.raises(ValidationFailed):
        bulletin(
            user=city_admin, region_code="3705", year=YEAR, period_kind="quarterly", period=5, today=TODAY
        )


def test_scope_a_county_never_ranks_or_reads_a_sibling(world, make_user):
    county = make_user("county_admin", "370505")
    with pytest.raises(NotFound):
        bulletin(user=county, region_code="370502", year=YEAR, period_kind="quarterly", period=3, today=TODAY)
    with pytest.raises(NotFound):
        bulletin(user=county, region_code="3705", year=YEAR, period_kind="quarterly", period=3, today=TODAY)
    own = bulletin(
        user=county, region_code="370505", year=YEAR, period_kind="quarterly", period=3, today=TODAY
    )
    assert [r.region.code for r in own.ranking] == ["370505001"]
    assert own.sections[0].sentences[0] == (
        "截至9月底，全区困难残疾人生活补贴发放750人，完成年度目标的75.0%，与序时进度（75.0%）持平。"
    )


def test_a_figure_where_lower_is_better(world, city_admin):
    """Expired certificates against a ceiling: the sentence says within or over it; the score is
    target ÷ value (none expired: the cap); behind = more of the ceiling used than of the year."""
    put("t.expired", "3705", 9, 12)
    target("t.expired", "3705", 20)
    for code, value, ceiling in (("370502", 10, 20), ("370503", 0, 5), ("370505", 25, 20)):
        put("t.expired", code, 9, value)
        target("t.expired", code, ceiling)
    BulletinScheme.objects.all().delete()
    BulletinScheme.objects.create(
        region_code="3705", name="证件", items=[{"indicator": "t.expired", "weight": 1}]
    )
    b = quarterly(city_admin)
    sections = {s.area: s.sentences for s in b.sections}
    assert sections["登记"] == ["截至9月底，全市残疾人证过期12个，控制在年度目标（20个）以内。"]
    assert [(r.rank, r.region.code, r.score_percent) for r in b.ranking] == [
        (1, "370502", Decimal("120.0")),  # 20 ÷ 10 = 200%, counted as 120%
        (1, "370503", Decimal("120.0")),  # none expired
        (3, "370505", Decimal("80.0")),  # 20 ÷ 25
        (0, "370522", None),  # no ceiling set: not ranked
    ]
    assert b.lagging_text == (
        "落后序时进度5个百分点以上的有：垦利区（残疾人证过期已达年度控制目标的125.0%，超出序时进度50.0个百分点）。"
    )
    over = bulletin(
        user=city_admin, region_code="370505", year=YEAR, period_kind="quarterly", period=3, today=TODAY
    )
    assert "截至9月底，全区残疾人证过期25个，超出年度目标（20个）5个。" in over.sentences


# --- the scheme action ------------------------------------------------------------------------------


def test_scheme_save_validates_and_is_audited(world, city_admin, make_user):
    BulletinScheme.objects.all().delete()
    scheme = actions.scheme_save(
        actor=city_admin, region_code="3705", name="月调度", items=[{"indicator": "t.living", "weight": "3"}]
    )
    assert scheme.items == [{"indicator": "t.living", "weight": "3"}]
    actions.scheme_save(
        actor=city_admin,
        region_code="3705",
        name="月调度",
        items=[{"indicator": "t.living", "weight": 3}, {"indicator": "t.rate", "weight": "0.5"}],
    )
    rows = list(AuditEvent.objects.filter(event_type="steering.scheme_saved").order_by("pk"))
    assert len(rows) == 2 and rows[0].old_values is None
    assert rows[1].old_values == {"items": [{"indicator": "t.living", "weight": "3"}]}
    assert rows[1].new_values["items"][1] == {"indicator": "t.rate", "weight": "0.5"}
    for bad in (
        [],
        [{"indicator": "t.living", "weight": 0}],
        [{"indicator": "t.x", "weight": 1}],
        [{"indicator": "t.living", "weight": 1}, {"indicator": "t.living", "weight": 2}],
    ):
        with pytest.raises(ValidationFailed):
            actions.scheme_save(actor=city_admin, region_code="3705", name="月调度", items=bad)
    county = make_user("county_admin", "370505")
    with pytest.raises(NotFound):
        actions.scheme_save(actor=county, region_code="3705", items=[{"indicator": "t.living", "weight": 1}])
    with pytest.raises(PermissionDenied):
        actions.scheme_save(
            actor=make_user("leader", "3705"),
            region_code="3705",
            items=[{"indicator": "t.living", "weight": 1}],
        )
    assert BulletinScheme.objects.count() == 1
    b = quarterly(city_admin)
    assert b.scheme == scheme and [i.weight for i in b.items] == [3, Decimal("0.5")]


# --- documents ------------------------------------------------------------------------------------


HEADER = [
    "排名",
    "地区",
    "综合得分",
    "困难残疾人生活补贴发放（权重2）",
    "困难残疾人生活补贴发放完成率",
    "困难残疾人生活补贴发放状态",
    "精准康复服务率（权重1）",
    "精准康复服务率完成率",
    "精准康复服务率状态",
]


def test_docx_holds_the_title_date_sentences_and_ranking(world, city_admin):
    document = Document(io.BytesIO(bulletin_docx(quarterly(city_admin))))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "东营市2025年第三季度工作通报"
    assert paragraphs[1] == "数据截至2025年9月30日，序时进度75.0%"
    assert paragraphs[3:11] == [
        "一、两项补贴",
        LIVING_SENTENCE,
        AMOUNT_SENTENCE,
        "二、关爱",
        CARE_SENTENCE,
        "三、康复",
        RATE_SENTENCE,
        "四、各县（市、区）排名",
    ]
    assert RANKING in paragraphs and LAGGING in paragraphs
    (table,) = document.tables
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == HEADER
    # 东营区 at 80.0% is 5 points ahead of 75.0%: ahead (超进度); 垦利区 at 75.0%: on track
    assert cells[1] == ["1", "东营区", "86.7", "800人", "80.0%", "超进度", "98.0%", "100.0%", "超进度"]
    assert cells[3] == ["2", "垦利区", "80.0", "750人", "75.0%", "符合进度", "88.2%", "90.0%", "落后"]
    assert cells[4] == ["4", "利津县", "66.7", "500人", "50.0%", "落后", "98.0%", "100.0%", "超进度"]
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


def test_xlsx_holds_the_text_the_typed_ranking_and_the_figures(world, city_admin):
    data, _rows = bulletin_xlsx(quarterly(city_admin))
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["通报", "排名", "指标"]
    text = [r[0] for r in book["通报"].iter_rows(values_only=True)]
    assert text[0] == "东营市2025年第三季度工作通报" and LIVING_SENTENCE in text and LAGGING in text
    ranking = list(book["排名"].iter_rows(values_only=True))
    assert ranking[0][:4] == ("排名", "地区", "综合得分", "困难残疾人生活补贴发放")
    assert ranking[1] == (1, "东营区", 86.7, 800, 1000, 80, "超进度", 98, 98, 100, "超进度")
    assert ranking[3] == (2, "垦利区", 80, 750, 1000, 75, "符合进度", 88.2, 98, 90, "落后")
    figures_ = {r[1]: r for r in book["指标"].iter_rows(values_only=True)}
    assert figures_["两项补贴发放金额"][2] == "1,048.33万元"
    assert figures_["困难残疾人生活补贴发放"][2:] == ("3,412人", "4,472人", 76.3, 75, "符合进度")


# --- pages and downloads ----------------------------------------------------------------------------


def test_bulletin_page_is_printable(client, world, city_admin):
    client.force_login(city_admin)
    response = client.get(
        reverse("steering:bulletin"), {"kind": "quarterly", "year": YEAR, "period": 3, "region": "3705"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "@media print" in body and "size: A4" in body
    assert LIVING_SENTENCE in body and LAGGING in body
    assert 'data-testid="ranking-table"' in body and 'data-region="370522" class="lagging"' in body
    assert (
        f"{reverse('steering:bulletin-docx')}?kind=quarterly&amp;year={YEAR}&amp;period=3&amp;region=3705"
        in body
    )


def test_downloads_are_audited(client, world, city_admin):
    client.force_login(city_admin)
    params = {"kind": "quarterly", "year": YEAR, "period": 3, "region": "3705"}
    docx = client.get(reverse("steering:bulletin-docx"), params)
    assert docx["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert (
        Document(io.BytesIO(b"".join(docx.streaming_content))).paragraphs[0].text
        == "东营市2025年第三季度工作通报"
    )
    xlsx = client.get(reverse("steering:bulletin-xlsx"), params)
    load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    rows = list(AuditEvent.objects.filter(event_type="steering.bulletin_exported").order_by("pk"))
    assert [r.new_values["format"] for r in rows] == ["docx", "xlsx"]
    assert rows[0].region_code == "3705" and rows[0].object_repr == "东营市2025年第三季度工作通报"
    assert rows[0].new_values["regions"] == 4 and rows[0].actor == city_admin


def test_a_county_page_falls_back_to_its_own_region(client, world, make_user):
    client.force_login(make_user("county_admin", "370505"))
    body = client.get(
        reverse("steering:bulletin"), {"kind": "quarterly", "year": YEAR, "period": 3, "region": "370502"}
    ).content.decode()
    assert "垦利区2025年第三季度工作通报" in body and "东营区" not in body


def test_scheme_page_saves_the_weights(client, world, city_admin):
    client.force_login(city_admin)
    page = client.get(reverse("steering:schemes"), {"region": "3705"})
    assert page.status_code == 200 and 'name="w_t.living"' in page.content.decode()
    assert 'value="2"' in page.content.decode()
    response = client.post(
        reverse("steering:schemes") + "?region=3705",
        {"region": "3705", "name": "季通报", "w_t.living": "1", "w_t.rate": "3"},
    )
    assert response.status_code == 302
    scheme = BulletinScheme.objects.get()
    assert scheme.items == [{"indicator": "t.living", "weight": "1"}, {"indicator": "t.rate", "weight": "3"}]


def test_care_cadence_pages_link_to_the_all_domain_bulletin(client, world, city_admin, make_user):
    client.force_login(city_admin)
    body = client.get(
        reverse("care:bulletin"), {"region": "3705", "year": YEAR, "quarter": 3}
    ).content.decode()
    assert f"/steering/bulletin/?kind=quarterly&amp;year={YEAR}&amp;period=3&amp;region=3705" in body
    monthly = client.get(
        reverse("care:monthly"), {"region": "3705", "year": YEAR, "month": 8}
    ).content.decode()
    assert f"/steering/bulletin/?kind=monthly&amp;year={YEAR}&amp;period=8&amp;region=3705" in monthly
    client.force_login(make_user("cadre", "370502001"))  # care.view without steering.view: no link
    body = client.get(reverse("care:bulletin"), {"year": YEAR, "quarter": 3}).content.decode()
    assert "/steering/bulletin/" not in body
    page = client.get(reverse("steering:bulletin"))
    assert page.status_code == 403
