"""Employment by real name (实名制): the status history, the employment rate's exact arithmetic with
its neighbours (ages 15/16 and 59/60, unable to work, uncertified, a status ending the day after),
new employment in the year, people trained in the year, the import (all or nothing, row and field
named), the not-employed list with its export, the person's panel, the timeline and the API."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from registry_factories import registered, resident_id

from canlian.core.registry.selectors import person_timeline
from canlian.domains.employment import actions, indicators
from canlian.domains.employment.models import EmploymentStatus, TrainingRecord
from canlian.platform.errors import Conflict, ValidationFailed
from canlian.platform.indicators import Period, window_for
from canlian.platform.tabular import Table

pytestmark = pytest.mark.django_db
_names = iter(a + b for a in "赵钱孙李周吴郑王冯陈" for b in "一二三四五六七八九十")


def person(birth="19800101", **kw):
    return registered(name=next(_names), birth=birth, **kw)


@pytest.fixture
def admin(regions, make_user):
    return make_user("county_admin", "370502", username="rn_admin")


def status(admin, p, kind, day, **kw):
    return actions.employment_status_record(actor=admin, person_id=p.pk, status=kind, started_on=day, **kw)


def totals(rows):
    rows = list(rows)
    return sum(r["numerator"] for r in rows), sum(r.get("denominator", 0) for r in rows)


def test_a_new_status_ends_the_open_one_and_history_is_not_rewritten(admin):
    p = person()
    first = status(admin, p, "not_employed", dt.date(2025, 3, 1))
    second = status(admin, p, "employer", dt.date(2026, 2, 1), employer_name="东营润泽物流")
    first.refresh_from_db()
    assert first.ended_on == dt.date(2026, 1, 31) and second.ended_on is None
    with pytest.raises(Conflict):
        status(admin, p, "flexible", dt.date(2026, 2, 1))
    with pytest.raises(ValidationFailed) as exc:
        status(admin, p, "employer", dt.date(2026, 5, 1))  # an employer's name is required
    assert exc.value.errors[0].field == "employer_name"
    assert EmploymentStatus.objects.filter(person=p).count() == 2


def test_the_employment_rate_on_exact_neighbours(admin):
    day = dt.date(2026, 6, 30)
    sixteen = person(birth="20100630")  # 16 on the day: counted
    status(admin, sixteen, "flexible", dt.date(2026, 6, 30))
    fifteen = person(birth="20100701")  # 16 only tomorrow: not of working age
    status(admin, fifteen, "flexible", dt.date(2026, 1, 1))
    fifty_nine = person(birth="19660701")  # 59 on the day: counted, not employed
    status(admin, fifty_nine, "not_employed", dt.date(2026, 1, 1))
    sixty = person(birth="19660630")  # 60 on the day: out
    status(admin, sixty, "employer", dt.date(2026, 1, 1), employer_name="甲")
    unable = person()
    status(admin, unable, "unable", dt.date(2026, 1, 1))  # out of the denominator
    person()  # never recorded: able, not employed
    uncertified = person(category=None)
    status(admin, uncertified, "farming", dt.date(2026, 1, 1))
    leaving = person()  # employed until the day, not employed from the day after
    status(admin, leaving, "employer", dt.date(2026, 1, 1), employer_name="乙")
    status(admin, leaving, "not_employed", dt.date(2026, 7, 1))
    starting = person()  # employed only from the day after
    status(admin, starting, "not_employed", dt.date(2026, 1, 1))
    status(admin, starting, "employer", dt.date(2026, 7, 1), employer_name="丙")

    window = window_for(Period.SNAPSHOT, 2026, 6)
    assert window.end == day
    # denominator: 16, 59, never recorded, leaving, starting = 5; employed: 16, leaving = 2
    assert totals(indicators.rate_leaf(window)) == (2, 5)
    # 31 July: the fifteen-year-old is 16 (employed) and the 59-year-old 60 (out); leaving is out of
    # work, starting in work: 16, 15→16, never recorded, leaving, starting; employed 16, 15→16, starting
    july = window_for(Period.SNAPSHOT, 2026, 7)
    assert totals(indicators.rate_leaf(july)) == (3, 5)
    records = list(indicators.rate_records(admin, window, "370502"))
    assert {r.pk for r in records if r.employed} == {sixteen.pk, leaving.pk}


def test_new_employment_and_training_in_the_year(admin):
    back = person()  # not employed, then employed in the year: new
    status(admin, back, "not_employed", dt.date(2025, 3, 1))
    status(admin, back, "employer", dt.date(2026, 2, 1), employer_name="甲")
    first = person()  # first record employed, starting in the year: new
    status(admin, first, "self_employed", dt.date(2026, 3, 1))
    switch = person()  # from one job to another: not new
    status(admin, switch, "employer", dt.date(2025, 1, 1), employer_name="乙")
    status(admin, switch, "self_employed", dt.date(2026, 4, 1))
    before = person()  # started the day before the year: not new
    status(admin, before, "employer", dt.date(2025, 12, 31), employer_name="丙")
    window = window_for(Period.CUMULATIVE, 2026, 12)
    assert totals(indicators.new_jobs_leaf(window))[0] == 2
    assert {s.person_id for s in indicators.new_jobs_records(admin, window, "37")} == {back.pk, first.pk}
    assert totals(indicators.new_jobs_leaf(window_for(Period.CUMULATIVE, 2026, 2)))[0] == 1

    in_year, last_year = person(), person()
    actions.training_record(
        actor=admin,
        person_id=in_year.pk,
        course="电商",
        hours="40",
        started_on="2025-12-01",
        ended_on="2026-01-01",
    )
    actions.training_record(
        actor=admin,
        person_id=last_year.pk,
        course="电商",
        hours="40",
        started_on="2025-12-01",
        ended_on="2025-12-31",
    )
    actions.training_record(
        actor=admin, person_id=in_year.pk, course="盲人按摩", hours="12.5", started_on="2026-05-01"
    )
    assert totals(indicators.trained_leaf(window))[0] == 1


HEADER = ["身份证号", "就业状态", "起始日期", "就业单位", "岗位", "备注"]


def test_the_status_import_is_all_or_nothing_and_names_row_and_field(admin, make_user):
    a, b = person(), person()
    status(admin, a, "not_employed", dt.date(2025, 1, 1))
    outsider = registered(name="外地", region_code="370602001")
    bad = Table(
        header=HEADER,
        rows=[
            [a.id_number, "单位就业", "2026-03-01", "东营润泽物流", "司机", ""],
            [b.id_number, "打工", "2026-03-01", "", "", ""],  # row 3: unknown status
            [a.id_number, "灵活就业", "2026-03-01", "", "", ""],  # row 4: same start as row 2
            [outsider.id_number, "未就业", "2026-03-01", "", "", ""],  # row 5: outside the region
            [resident_id("370502", "19900101"), "未就业", "2026-03-01", "", "", ""],  # row 6: unknown
            [b.id_number, "单位就业", "2026-03-01", "", "", ""],  # row 7: no employer
        ],
    )
    with pytest.raises(ValidationFailed) as exc:
        actions.realname_import(actor=admin, table=bad, kind="statuses")
    assert [(e.row, e.field) for e in exc.value.errors] == [
        (3, "status"),
        (4, "started_on"),
        (5, "id_number"),
        (6, "id_number"),
        (7, "employer_name"),
    ]
    assert EmploymentStatus.objects.count() == 1 and EmploymentStatus.objects.get().ended_on is None

    good = Table(
        header=HEADER,
        rows=[
            [a.id_number, "单位就业", "2026-03-01", "东营润泽物流", "司机", ""],
            [b.id_number, "未就业", "2026-01-01", "", "", ""],
            [b.id_number, "公益性岗位", "2026-04-01", "社区", "保洁", ""],
        ],
    )
    result = actions.realname_import(actor=admin, table=good, kind="statuses")
    assert (result.rows, result.closed) == (3, 1)
    assert list(
        EmploymentStatus.objects.filter(person=b).order_by("started_on").values_list("status", "ended_on")
    ) == [("not_employed", dt.date(2026, 3, 31)), ("public_welfare", None)]
    assert EmploymentStatus.objects.get(person=a, started_on=dt.date(2025, 1, 1)).ended_on == dt.date(
        2026, 2, 28
    )

    trainings = Table(
        header=["身份证号", "培训项目", "培训机构", "学时", "开始日期", "结束日期", "所获证书", "资金来源"],
        rows=[
            [a.id_number, "盲人按摩", "市盲协", "80", "2026-03-01", "2026-04-30", "保健按摩师", "就业保障金"],
            [b.id_number, "电商", "", "-4", "2026-03-01", "", "", ""],
        ],
    )
    with pytest.raises(ValidationFailed) as exc:
        actions.realname_import(actor=admin, table=trainings, kind="trainings")
    assert [(e.row, e.field) for e in exc.value.errors] == [(3, "hours")]
    assert not TrainingRecord.objects.exists()
    trainings.rows[1][3] = "24"
    assert actions.realname_import(actor=admin, table=trainings, kind="trainings").rows == 2
    assert TrainingRecord.objects.get(person=a).certificate_obtained


def test_the_not_employed_list_panel_timeline_and_api(client, admin, make_user):
    idle = person(phone="13812345678")
    status(admin, idle, "not_employed", dt.date(2025, 1, 1))
    actions.training_record(
        actor=admin, person_id=idle.pk, course="面点制作", hours="30", started_on="2025-06-01"
    )
    actions.job_offer_record(
        actor=admin, person_id=idle.pk, employer_name="东营民生食品", post="包装工", offered_on="2025-07-01"
    )
    working = person()
    status(admin, working, "employer", dt.date(2025, 1, 1), employer_name="甲")
    registered(name="外地人", region_code="370602001")
    client.force_login(admin)
    page = client.get("/employment/not-employed/").content.decode()
    assert idle.name in page and idle.masked_id in page and idle.id_number not in page
    assert "138****5678" in page and "面点制作" in page and "包装工" in page
    assert working.name not in page and "外地人" not in page
    assert idle.name not in client.get("/employment/not-employed/?offered=no").content.decode()
    download = client.get("/employment/not-employed/?format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "姓名" and any(r[0] == idle.name and r[1] == idle.masked_id for r in rows[1:])

    panel = f"/employment/people/{idle.pk}/"
    response = client.post(
        panel, {"form": "status", "status-status": "assisted", "status-started_on": "2026-02-01"}
    )
    assert response.status_code == 302
    assert EmploymentStatus.objects.get(person=idle, ended_on__isnull=True).status == "assisted"
    assert (
        client.post(
            panel,
            {
                "form": "training",
                "training-course": "x",
                "training-hours": "0",
                "training-started_on": "2026-01-01",
            },
        ).status_code
        == 400
    )
    assert (
        "辅助性就业" in client.get(panel).content.decode() or "Assisted" in client.get(panel).content.decode()
    )
    kinds = {e.kind for e in person_timeline(person=idle, user=admin)}
    assert {"employment.status", "employment.training", "employment.offer"} <= kinds

    listed = client.get(f"/api/v1/employment/statuses/?person={idle.pk}&current=1").json()
    items = listed.get("results", listed)
    assert [i["status"] for i in items] == ["assisted"] and items[0]["id_number"] == idle.masked_id
    created = client.post(
        "/api/v1/employment/trainings/",
        {"person": working.pk, "course": "叉车", "hours": "16", "started_on": "2026-03-01"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["course"] == "叉车"
    outsider = make_user("county_admin", "370602", username="rn_outsider")
    client.force_login(outsider)
    assert client.get(panel).status_code == 404
    assert (
        client.get(f"/api/v1/employment/statuses/{EmploymentStatus.objects.first().pk}/").status_code == 404
    )
