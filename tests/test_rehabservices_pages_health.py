"""Rehabilitation services: health lists and service programs (exact amounts), and the pages and API
a township worker uses on a phone (survey at home, device delivery, a modification step with a
photo), exports, scope of lists."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from rehabservices_world import D, adult, fitted, hardship, photo, project, station, survey

from canlian.domains.rehabservices import actions, selectors
from canlian.domains.rehabservices.models import (
    HealthApplication,
    HealthSigning,
    HealthStandard,
    ModificationPhoto,
    NeedsSurvey,
)
from canlian.platform.errors import Conflict, InvalidState, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_health_list_is_matched_set_based_and_gives_coverage(regions, make_user):
    worker = make_user("township_worker", "370502001")
    a, b = adult(), adult()
    elsewhere = adult("370602001")
    header = ["身份证号", "签约日期", "签约团队"]
    rows = [
        [a.id_number, "2026-02-01", "王医生团队"],
        [elsewhere.id_number, "2026-02-01", ""],
        ["110101199003074514", "", ""],
    ]
    upload = actions.health_list_import(
        actor=worker,
        kind="family_doctor",
        year=2026,
        region_code="370502001",
        header=header,
        rows=rows,
        filename="fd.xlsx",
    )
    assert (upload.rows, upload.matched, upload.unmatched) == (3, 1, 2)
    assert list(HealthSigning.objects.values_list("person_id", flat=True)) == [a.pk]
    assert selectors.coverage_for(worker, year=2026, kind="family_doctor") == {
        "total": 2,
        "signed": 1,
        "unsigned": 1,
    }
    assert list(selectors.unsigned_people(worker, year=2026, kind="family_doctor")) == [b]
    again = actions.health_list_import(
        actor=worker,
        kind="family_doctor",
        year=2026,
        region_code="370502001",
        header=header,
        rows=rows[:1],
        filename="fd2.xlsx",
    )
    assert again.matched == 1 and HealthSigning.objects.count() == 1
    with pytest.raises(ValidationFailed) as exc:
        actions.health_list_import(
            actor=worker,
            kind="insurance",
            year=2026,
            region_code="370502001",
            header=header,
            rows=[["bad", "", ""]],
            filename="x",
        )
    assert exc.value.errors[0].row == 2 and HealthSigning.objects.count() == 1
    from canlian.domains.rehabservices.indicators import _signing_leaf
    from canlian.platform.indicators import Period, window_for

    rows_ = list(_signing_leaf("family_doctor")(window_for(Period.SNAPSHOT, 2026, 11)))
    local = [r for r in rows_ if r["region"].startswith("370502")]
    assert sum(r["numerator"] for r in local) == 1 and sum(r["denominator"] for r in local) == 2


@pytest.mark.parametrize(
    ("cost", "paid"), [("1799.99", "1799.99"), ("1800.00", "1800.00"), ("1800.01", "1800.00")]
)
def test_cataract_operation_pays_the_cost_up_to_the_standard(regions, cost, paid):
    person = adult(category=1, grade=2)
    hardship(person)
    app = actions.health_apply(actor=None, person_id=person.pk, program="cataract", applied_on=D)
    actions.health_decide(actor=None, application_id=app.pk, approve=True, decided_on=D)
    actions.health_serve(
        actor=None,
        application_id=app.pk,
        served_on=dt.date(2026, 3, 9),
        hospital="市人民医院",
        service="白内障复明手术",
        cost=cost,
    )
    app = actions.health_pay(actor=None, application_id=app.pk, paid_on=dt.date(2026, 3, 20))
    assert app.amount == Decimal(paid) and app.payee == "hospital" and app.status == "paid"


def test_a_regional_health_standard_applies_from_its_first_day(regions):
    HealthStandard.objects.create(
        program="check", region_code="370502", valid_from=dt.date(2026, 3, 10), amount=Decimal("200.00")
    )
    amounts = []
    for served in (dt.date(2026, 3, 9), dt.date(2026, 3, 10)):
        person = adult()
        app = actions.health_apply(actor=None, person_id=person.pk, program="check", applied_on=D)
        actions.health_decide(actor=None, application_id=app.pk, approve=True, decided_on=D)
        actions.health_serve(
            actor=None,
            application_id=app.pk,
            served_on=served,
            hospital="社区医院",
            service="体检",
            cost="260.00",
        )
        amounts.append(
            actions.health_pay(actor=None, application_id=app.pk, paid_on=dt.date(2026, 3, 20)).amount
        )
    assert amounts == [Decimal("150.00"), Decimal("200.00")]


def test_health_refusals(regions):
    person = adult(category=4)
    with pytest.raises(InvalidState):  # medication aid is for mental disability
        actions.health_apply(actor=None, person_id=person.pk, program="mental", applied_on=D)
    with pytest.raises(InvalidState):  # cataract needs a hardship household
        actions.health_apply(actor=None, person_id=person.pk, program="cataract", applied_on=D)
    app = actions.health_apply(actor=None, person_id=person.pk, program="check", applied_on=D)
    with pytest.raises(Conflict):
        actions.health_apply(actor=None, person_id=person.pk, program="check", applied_on=dt.date(2026, 4, 1))
    with pytest.raises(InvalidState):
        actions.health_pay(actor=None, application_id=app.pk, paid_on=D)
    with pytest.raises(InvalidState):
        actions.health_serve(
            actor=None, application_id=app.pk, served_on=D, hospital="x", service="y", cost="1"
        )
    with pytest.raises(ValidationFailed):
        actions.health_decide(actor=None, application_id=app.pk, approve=False, decided_on=D)
    app.refresh_from_db()
    assert app.status == "applied" and HealthApplication.objects.count() == 1


# --- pages -------------------------------------------------------------------------------------------------


def test_township_worker_records_a_survey_on_the_phone_page(client, regions, make_user, english):
    worker = make_user("township_worker", "370502001")
    person = adult()
    client.force_login(worker)
    page = client.get("/services/surveys/new/", {"id_number": person.id_number})
    assert page.status_code == 200 and person.name in page.content.decode()
    assert 'name="viewport"' in page.content.decode()
    response = client.post(
        "/services/surveys/new/",
        {"person": person.pk, "surveyed_on": "2026-03-02", "needs": ["training", "device"]},
    )
    assert response.status_code == 302
    s = NeedsSurvey.objects.get(person=person)
    assert sorted(s.needs.values_list("kind", flat=True)) == ["device", "training"]
    detail = client.get(response["Location"])
    assert "Not yet served" in detail.content.decode()
    bad = client.post(
        "/services/surveys/new/", {"person": person.pk, "surveyed_on": "2026-03-03", "needs": ["surgery"]}
    )
    assert bad.status_code == 400 and NeedsSurvey.objects.count() == 1
    other = make_user("township_worker", "370505001")
    client.force_login(other)
    assert client.get(f"/services/surveys/{s.pk}/").status_code == 404
    assert person.name not in client.get("/services/surveys/").content.decode()


def test_device_delivery_page_serves_the_need(client, regions, make_user, english):
    worker = make_user("township_worker", "370502001")
    st = station("370502")
    person = adult()
    s = survey(person, ("device",))
    from canlian.domains.rehabservices.models import DeviceType

    client.force_login(worker)
    r = client.post(
        "/services/devices/new/",
        {
            "person": person.pk,
            "device_type": DeviceType.objects.get(code="wheelchair").pk,
            "station": st.pk,
            "assessed_on": "2026-03-02",
        },
    )
    assert r.status_code == 302, [line for line in r.content.decode().splitlines() if "errorlist" in line]
    r = client.post(r["Location"] + "deliver/", {"fitted_on": "2026-03-04"})
    assert r.status_code == 302
    s = selectors.surveys_for(worker).get(pk=s.pk)
    assert s.served


def test_modification_step_with_a_phone_photo(client, regions, make_user, media, english):
    worker = make_user("township_worker", "370502001")
    person = adult()
    hardship(person)
    p = project(person, upto="applied")
    client.force_login(worker)
    page = client.get(f"/services/modifications/{p.pk}/").content.decode()
    assert 'capture="environment"' in page and 'accept="image/*"' in page and "Home assessment" in page
    r = client.post(
        f"/services/modifications/{p.pk}/step/",
        {
            "step": "assess",
            "assessed_on": "2026-03-05",
            "assessor": "评估员",
            "item_ramp": "on",
            "note_ramp": "入户坡道",
            "photos": [photo("a.jpg")],
        },
    )
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.status == "assessed" and list(p.items.values_list("item", flat=True)) == ["ramp"]
    ph = ModificationPhoto.objects.get(project=p)
    img = client.get(f"/services/modifications/{p.pk}/photos/{ph.pk}/")
    assert img.status_code == 200 and img["Content-Type"] == "image/jpeg"
    wrong = client.post(
        f"/services/modifications/{p.pk}/step/", {"step": "accept", "accepted_on": "2026-03-06"}
    )
    assert wrong.status_code == 302
    p.refresh_from_db()
    assert p.status == "assessed"
    r = client.post(
        f"/services/modifications/{p.pk}/step/",
        {"step": "plan", "agreed_on": "2026-03-06", "plan": "坡道", "cost_ramp": "800.00"},
    )
    assert r.status_code == 400  # the signed form photo is required
    r = client.post(
        f"/services/modifications/{p.pk}/step/",
        {
            "step": "plan",
            "agreed_on": "2026-03-06",
            "plan": "坡道",
            "cost_ramp": "800.00",
            "signed_form": photo("f.jpg"),
        },
    )
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.status == "planned" and p.budget == Decimal("800.00")
    # a township worker may not post the public notice (services.manage)
    r = client.post(f"/services/modifications/{p.pk}/step/", {"step": "notice", "notice_from": "2026-03-09"})
    p.refresh_from_db()
    assert p.status == "planned"


def test_report_and_exports_download(client, regions, make_user, media):
    admin = make_user("county_admin", "370502")
    project(adult_with_hardship())
    client.force_login(admin)
    page = client.get("/services/modifications/report/", {"region": "370502", "year": 2026, "quarter": 2})
    assert page.status_code == 200 and "report-table" in page.content.decode()
    for url in (
        "/services/modifications/report/xlsx/",
        "/services/modifications/report/docx/",
        "/services/modifications/export/",
        "/services/surveys/export/",
        "/services/devices/export/",
    ):
        r = client.get(url, {"region": "370502", "year": 2026, "quarter": 2})
        assert r.status_code == 200 and r.streaming, url
        data = b"".join(r.streaming_content)
        assert data[:2] == b"PK"
    from openpyxl import load_workbook

    r = client.get("/services/modifications/export/")
    book = load_workbook(io.BytesIO(b"".join(r.streaming_content)), read_only=True)
    cells = [c for row in book.active.iter_rows(values_only=True) for c in row]
    assert "WZA-2026-0001" in cells


def adult_with_hardship():
    person = adult()
    hardship(person)
    return person


def test_api_lists_are_scoped_and_masked(client, regions, make_user):
    person = adult()
    survey(person, ("training",))
    client.force_login(make_user("county_admin", "370502"))
    data = client.get("/api/v1/services/surveys/").json()
    row = data["results"][0]
    assert row["person_id_number"] != person.id_number and row["served"] is False
    client.force_login(make_user("county_admin", "370505"))
    assert client.get("/api/v1/services/surveys/").json()["results"] == []
    r = client.post(
        "/api/v1/services/surveys/",
        {"person": person.pk, "surveyed_on": "2026-03-02", "needs": ["training"]},
        content_type="application/json",
    )
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_person_page_timeline_and_links(client, regions, make_user, english):
    from django.urls import reverse

    person = adult()
    survey(person, ("training",))
    fitted(person, station())
    client.force_login(make_user("township_worker", "370502001"))
    page = client.get(reverse("registry:person-detail", args=[person.pk])).content.decode()
    assert "Rehabilitation needs survey 2026" in page
    assert "Assistive device:" in page
    assert "Record a needs survey" in page


@pytest.mark.parametrize("upto", ["applied", "assessed", "planned", "notice", "works", "accepted"])
def test_project_page_shows_the_next_step_at_every_state(client, regions, make_user, media, english, upto):
    person = adult()
    hardship(person)
    p = project(person, upto=upto)
    client.force_login(make_user("county_admin", "370502"))
    page = client.get(f"/services/modifications/{p.pk}/").content.decode()
    assert p.get_status_display() in page
    expected = {
        "applied": "Home assessment",
        "assessed": "Plan and budget",
        "planned": "Public notice",
        "notice": "Start of the works",
        "works": "Joint acceptance",
    }
    if upto in expected:
        assert 'data-testid="step-form"' in page and expected[upto] in page
    else:
        assert 'data-testid="step-form"' not in page
    assert client.get("/services/", {"year": 2026}).status_code == 200


def test_health_pages_walk_an_application(client, regions, make_user, english):
    person = adult()
    admin = make_user("county_admin", "370502")
    client.force_login(admin)
    r = client.post(
        "/services/health/applications/new/",
        {"person": person.pk, "program": "check", "applied_on": "2026-03-02"},
    )
    assert r.status_code == 302
    url = r["Location"]
    app = HealthApplication.objects.get(person=person)
    steps = [
        {"step": "decide", "approve": "yes", "decided_on": "2026-03-03"},
        {
            "step": "serve",
            "served_on": "2026-03-10",
            "hospital": "社区医院",
            "service": "体检",
            "cost": "99.50",
        },
        {"step": "pay", "paid_on": "2026-03-20"},
    ]
    for data in steps:
        assert client.post(f"/services/health/applications/{app.pk}/step/", data).status_code == 302
    app.refresh_from_db()
    assert app.status == "paid" and app.amount == Decimal("99.50")
    assert "99.50" in client.get(url).content.decode()
