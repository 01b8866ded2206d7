"""Institution subsidies as program lines: construction for a home opened in the year (31 December of
the year before does not pay, 1 January does), rent pro rata, equipment capped, social insurance per
person, a standard ending the day before pays nothing, a second construction subsidy is refused,
maker-checker, and the pages (region list with its export, the institution's page, the home page)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import community_world as cw
import pytest
from django.urls import reverse
from openpyxl import load_workbook

from canlian.core.audit.models import AuditEvent
from canlian.domains.community import actions
from canlian.domains.community.models import InstitutionSubsidyBatch, InstitutionSubsidyLine
from canlian.platform.errors import InvalidState, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.usefixtures("english")
YEAR = cw.YEAR


def standard(kind, amount, *, region="370502", start=dt.date(2020, 1, 1), end=None):
    return actions.subsidy_standard_save(
        actor=None, region_code=region, kind=kind, valid_from=start, amount=amount, valid_to=end
    )


def lines(batch):
    return {(x.institution.name, x.kind): x for x in batch.lines.select_related("institution")}


def test_construction_pays_a_home_opened_on_1_january_not_on_31_december_before(regions, county_admin):
    standard("construction", "80000")
    cw.home("370502001", name="旧家园", opened_on=dt.date(YEAR - 1, 12, 31))
    cw.home("370502001", name="新家园", opened_on=dt.date(YEAR, 1, 1))
    cw.home("370502001", name="年末家园", opened_on=dt.date(YEAR, 12, 31))
    batch = actions.subsidy_batch_generate(actor=county_admin, region_code="370502", year=YEAR)
    got = lines(batch)
    assert set(got) == {("新家园", "construction"), ("年末家园", "construction")}
    line = got[("新家园", "construction")]
    assert line.amount == Decimal("80000.00") and line.quantity == 1
    assert line.basis == f"Opened on {YEAR}-01-01: one-off 80,000.00"
    assert batch.total_amount == Decimal("160000.00") and batch.line_count == 2
    # the home opened on 31 December of the year before was the previous year's
    previous = actions.subsidy_batch_generate(actor=county_admin, region_code="370502", year=YEAR - 1)
    assert set(lines(previous)) == {("旧家园", "construction")}


def test_rent_equipment_insurance_exact_and_a_standard_ending_the_day_before(regions, county_admin):
    shop = cw.institution("employment", "370502", name="阳光工场")
    care = cw.institution("care", "370502", name="托养中心")
    standard("rent", "12000", end=dt.date(YEAR - 1, 12, 31))  # ends the day before the year
    standard("equipment", "5000")
    standard("insurance", "600")
    apply = actions.subsidy_apply
    apply(actor=county_admin, institution_id=shop.pk, year=YEAR, kind="rent", quantity=7)
    apply(actor=county_admin, institution_id=shop.pk, year=YEAR, kind="equipment", cost="5000.01")
    apply(actor=county_admin, institution_id=care.pk, year=YEAR, kind="equipment", cost="4999.99")
    apply(actor=county_admin, institution_id=care.pk, year=YEAR, kind="insurance", quantity=6)
    batch = actions.subsidy_batch_generate(actor=county_admin, region_code="370502", year=YEAR)
    got = lines(batch)
    assert ("阳光工场", "rent") not in got
    assert "阳光工场 (Rent subsidy)" in batch.note
    assert got[("阳光工场", "equipment")].amount == Decimal("5000.00")  # capped at the standard
    assert got[("阳光工场", "equipment")].basis == "Equipment cost 5,000.01, at most 5,000.00"
    assert got[("托养中心", "equipment")].amount == Decimal("4999.99")  # below the cap: the cost
    assert got[("托养中心", "insurance")].amount == Decimal("3600.00")
    assert got[("托养中心", "insurance")].basis == "6 people insured × 600.00"
    # a standard from 1 January pays: 7 months of 12,000 a year
    standard("rent", "12000", start=dt.date(YEAR, 1, 1))
    batch = actions.subsidy_batch_generate(actor=county_admin, region_code="370502", year=YEAR)
    rent = lines(batch)[("阳光工场", "rent")]
    assert rent.amount == Decimal("7000.00") and rent.basis == "7 months rented × 12,000.00 a year ÷ 12"
    assert batch.note == ""


def test_second_construction_subsidy_refused_nothing_written(regions, county_admin, make_user):
    standard("construction", "80000")
    cw.home("370502001", name="新家园", opened_on=dt.date(YEAR, 3, 1))
    batch = actions.subsidy_batch_generate(actor=county_admin, region_code="370502", year=YEAR)
    with pytest.raises(PermissionDenied):  # maker-checker
        actions.subsidy_batch_approve(actor=county_admin, batch_id=batch.pk)
    actions.subsidy_batch_approve(
        actor=make_user("county_admin", "370502", username="checker"), batch_id=batch.pk
    )
    with pytest.raises(InvalidState):  # approved: no regeneration
        actions.subsidy_batch_generate(actor=county_admin, region_code="370502", year=YEAR)
    before = (InstitutionSubsidyBatch.objects.count(), InstitutionSubsidyLine.objects.count())
    with pytest.raises(ValidationFailed) as exc:  # the township's own batch would pay it again
        actions.subsidy_batch_generate(actor=None, region_code="370502001", year=YEAR)
    assert "新家园 already received its construction subsidy (one-off)" in exc.value.errors[0].message
    assert (InstitutionSubsidyBatch.objects.count(), InstitutionSubsidyLine.objects.count()) == before
    actions.subsidy_batch_mark_paid(actor=county_admin, batch_id=batch.pk, paid_on=dt.date(YEAR, 5, 1))
    batch.refresh_from_db()
    assert batch.status == "paid" and batch.paid_on == dt.date(YEAR, 5, 1)
    assert AuditEvent.objects.filter(event_type="community.subsidy_paid").count() == 1


def test_applications_refused_with_the_field_named(regions, county_admin):
    shop = cw.institution("employment", "370502")
    with pytest.raises(ValidationFailed) as exc:
        actions.subsidy_apply(actor=county_admin, institution_id=shop.pk, year=YEAR, kind="rent", quantity=13)
    assert exc.value.errors[0].field == "quantity"
    with pytest.raises(ValidationFailed) as exc:
        actions.subsidy_apply(actor=county_admin, institution_id=shop.pk, year=YEAR, kind="construction")
    assert exc.value.errors[0].field == "kind"
    with pytest.raises(ValidationFailed) as exc:
        actions.subsidy_apply(actor=county_admin, institution_id=shop.pk, year=YEAR, kind="equipment")
    assert exc.value.errors[0].field == "cost"


def test_pages_list_export_institution_and_home(client, regions, county_admin, make_user):
    standard("construction", "80000")
    home = cw.home("370502001", name="文汇如康家园", opened_on=dt.date(YEAR, 2, 1))
    client.force_login(county_admin)
    response = client.post(reverse("community:subsidy-generate"), {"region_code": "370502", "year": YEAR})
    batch = InstitutionSubsidyBatch.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "community:subsidy-detail", kwargs={"inst_subsidy_batch_id": batch.pk}
    )
    body = client.get(reverse("community:subsidy-list") + f"?year={YEAR}").content.decode()
    assert "文汇如康家园" in body and f"Opened on {YEAR}-02-01: one-off 80,000.00" in body
    data = client.get(reverse("community:subsidy-export") + f"?year={YEAR}")
    sheet = load_workbook(io.BytesIO(b"".join(data.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][2] == "文汇如康家园" and Decimal(str(rows[1][6])) == Decimal("80000")
    page = client.get(reverse("community:home-detail", kwargs={"home_id": home.pk})).content.decode()
    assert 'data-testid="home-subsidies"' in page and "80000.00" in page
    url = reverse("community:subsidy-institution", kwargs={"subsidy_institution_id": home.institution_id})
    assert "80000.00" in client.get(url).content.decode()
    # another home's staff: 404
    other = cw.home("370502001", name="另一家园")
    client.force_login(make_user("institution_staff", "370502", institution=other.institution))
    assert client.get(url).status_code == 404
    # a refused generation shows the message on the page
    client.force_login(county_admin)
    response = client.post(reverse("community:subsidy-generate"), {"region_code": "370502001", "year": YEAR})
    assert (
        response.status_code == 400
        and "already received its construction subsidy" in response.content.decode()
    )
