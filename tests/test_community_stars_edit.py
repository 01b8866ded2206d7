"""The star criteria and bands as edited data (weights adding up to 100, bands from 0 to 100 without a
gap or an overlap, effective from a year so past assessments keep theirs; audited) and the evidence
photos on the assessment page, served through its scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import community_world as cw
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from canlian.core.audit.models import AuditEvent
from canlian.domains.community import actions
from canlian.domains.community.actions.stars import bands_for, criteria_for, stars_for
from canlian.domains.community.models import StarBand, StarCriterion, StarEvidence
from canlian.platform.errors import InvalidState, ValidationFailed

pytestmark = pytest.mark.usefixtures("english")
YEAR = cw.YEAR
NEXT = dt.date(YEAR + 1, 1, 1)
SCORES = {"facilities": 90, "services": 90, "management": 90, "staff": 90, "satisfaction": 90}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17 + b"\x00\x00\x00\x00IEND\xaeB`\x82"


def rows(*specs):
    return [{"code": c, "name": n, "weight": w, "max_score": 100} for c, n, w in specs]


def band(stars, low, high):
    return {"stars": stars, "min_score": low, "max_score": high}


def assessed(home):
    return actions.assessment_save(
        actor=None, home_id=home.pk, year=YEAR, assessed_on=dt.date(YEAR, 6, 1), scores=SCORES
    )


def test_weights_must_add_up_to_100_nothing_changed(regions, county_admin):
    before = StarCriterion.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        actions.star_criteria_save(
            actor=county_admin,
            region_code="370502",
            year=YEAR + 1,
            criteria=rows(("premises", "Premises", "50"), ("services", "Services", "45")),
        )
    assert exc.value.errors[0].field == "weight"
    assert "add up to 95; they must add up to 100" in exc.value.errors[0].message
    assert StarCriterion.objects.count() == before


def test_new_criteria_from_a_year_past_assessment_keeps_its_own(regions, county_admin):
    home = cw.home("370502001")
    past = assessed(home)
    national = [c.code for c in criteria_for("370502001", dt.date(YEAR, 6, 1))]
    criteria = rows(("premises", "Premises", "40"), ("services", "Services", "60"))
    criteria.append(
        {"code": "staff", "name": "Staff", "weight": "10", "retire": True}
    )  # retired: not carried
    actions.star_criteria_save(actor=county_admin, region_code="370502", year=YEAR + 1, criteria=criteria)
    assert [c.code for c in criteria_for("370502001", NEXT)] == ["premises", "services"]
    assert [c.code for c in criteria_for("370502001", NEXT - dt.timedelta(days=1))] == national
    assert sorted(past.scores.values_list("criterion__code", flat=True)) == sorted(national)
    assert AuditEvent.objects.filter(event_type="community.star_criteria_saved").count() == 1
    # a second save of the same year replaces it; the new set scores a new year's assessment
    actions.star_criteria_save(
        actor=county_admin,
        region_code="370502",
        year=YEAR + 1,
        criteria=rows(("premises", "Premises", "50"), ("services", "Services", "50")),
    )
    a = actions.assessment_save(
        actor=None, home_id=home.pk, year=YEAR + 1, assessed_on=NEXT, scores={"premises": 80, "services": 90}
    )
    assert a.total_score == Decimal("85.0") and a.stars == 4
    # now an assessment is dated in that year: changing its criteria is refused
    with pytest.raises(InvalidState):
        actions.star_criteria_save(
            actor=county_admin, region_code="370502", year=YEAR + 1, criteria=rows(("premises", "P", "100"))
        )


def test_bands_gap_and_overlap_refused_naming_the_band(regions, county_admin):
    before = StarBand.objects.count()
    gap = [band(3, "70", "100"), band(2, "60", "68"), band(1, "0", "59.9")]
    with pytest.raises(ValidationFailed) as exc:
        actions.star_bands_save(actor=county_admin, region_code="370502", year=YEAR + 1, bands=gap)
    assert exc.value.errors[0].message == (
        "Between band ★★ (60.0–68.0) and band ★★★ (70.0–100.0) the scores 68.1–69.9 have no band."
    )
    overlap = [band(3, "70", "100"), band(2, "60", "70"), band(1, "0", "59.9")]
    with pytest.raises(ValidationFailed) as exc:
        actions.star_bands_save(actor=county_admin, region_code="370502", year=YEAR + 1, bands=overlap)
    assert exc.value.errors[0].message == "Band ★★★ (70.0–100.0) overlaps band ★★ (60.0–70.0)."
    with pytest.raises(ValidationFailed) as exc:
        actions.star_bands_save(
            actor=county_admin, region_code="370502", year=YEAR + 1, bands=[band(1, "5", "100")]
        )
    assert "The lowest band ★ (5.0–100.0) must start at 0." in exc.value.errors[0].message
    assert StarBand.objects.count() == before
    actions.star_bands_save(
        actor=county_admin,
        region_code="370502",
        year=YEAR + 1,
        bands=[band(3, "75", "100"), band(2, "50", "74.9"), band(1, "0", "49.9")],
    )
    new = bands_for("370502001", NEXT)
    assert (stars_for(new, Decimal("74.9")), stars_for(new, Decimal("75.0"))) == (2, 3)
    assert (
        stars_for(bands_for("370502001", NEXT - dt.timedelta(days=1)), Decimal("75.0")) == 3
    )  # seeded 3★ ≥ 70


def test_pages_refuse_naming_the_field_then_save(client, regions, county_admin):
    client.force_login(county_admin)
    assert client.get(reverse("community:star-rules") + f"?year={YEAR + 1}").status_code == 200
    data = {"region_code": "370502", "year": YEAR + 1}
    data.update({"code_0": "premises", "name_0": "Premises", "weight_0": "50", "max_score_0": "100"})
    data.update({"code_1": "services", "name_1": "Services", "weight_1": "45", "max_score_1": "100"})
    response = client.post(reverse("community:star-criteria-save"), data)
    assert response.status_code == 400
    assert "they must add up to 100" in response.content.decode()
    data["weight_1"] = "50"
    assert client.post(reverse("community:star-criteria-save"), data).status_code == 302
    assert [c.code for c in criteria_for("370502", NEXT)] == ["premises", "services"]
    bands = {"region_code": "370502", "year": YEAR + 1, "min_score_2": "60", "max_score_2": "100"}
    bands.update({"min_score_1": "0", "max_score_1": "58"})
    response = client.post(reverse("community:star-bands-save"), bands)
    assert response.status_code == 400 and "have no band" in response.content.decode()


def test_evidence_photos_shown_and_served_through_scope(
    client, regions, county_admin, make_user, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    a = assessed(cw.home("370502001"))
    client.force_login(county_admin)
    url = reverse("community:assessment-detail", kwargs={"star_assessment_id": a.pk})
    refused = client.post(url, {"photo": SimpleUploadedFile("x.html", b"<script>", "text/html")})
    assert refused.status_code == 400 and not StarEvidence.objects.exists()
    # the content decides, not the name: a script called .png is refused
    disguised = client.post(url, {"photo": SimpleUploadedFile("site.png", b"<script>", "image/png")})
    assert disguised.status_code == 400 and not StarEvidence.objects.exists()
    assert (
        client.post(
            url, {"photo": SimpleUploadedFile("site.png", PNG, "image/png"), "caption": "活动室"}
        ).status_code
        == 302
    )
    evidence = StarEvidence.objects.get()
    photo = reverse(
        "community:evidence-photo", kwargs={"star_assessment_id": a.pk, "star_evidence_id": evidence.pk}
    )
    body = client.get(url).content.decode()
    assert f'<img src="{photo}"' in body and f'<a href="{photo}"' in body and "活动室" in body
    response = client.get(photo)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    client.force_login(make_user("county_admin", "370505", username="kenli"))
    assert client.get(photo).status_code == 404
