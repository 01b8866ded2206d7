"""The subsidy of employers above the quota (超比例奖励): whole persons counted above staff × ratio ×
the effective-dated standard of the region in force on 1 January of the levy year; exactly at the
quota pays nothing, one above pays one standard, grade 1–2 count as two; shown step by step on the
review page; paid as a maker-checker batch."""

from __future__ import annotations

from decimal import Decimal

import pytest
from employment_world import employee_row, employer, wages
from registry_factories import registered

from canlian.domains.employment import actions
from canlian.domains.employment.models import QuotaSubsidyLine
from canlian.domains.employment.subsidy import compute_subsidy
from canlian.platform.errors import InvalidState, PermissionDenied

pytestmark = pytest.mark.django_db
_names = iter(a + b for a in "甲乙丙丁" for b in "子丑寅卯辰巳午未申酉")


def test_the_arithmetic_on_neighbours():
    std, ratio = Decimal("3000.00"), Decimal("0.015")
    assert compute_subsidy(staff=Decimal("200"), quota_ratio=ratio, counted=3, standard=std).amount == 0
    one = compute_subsidy(staff=Decimal("200"), quota_ratio=ratio, counted=4, standard=std)
    assert (one.persons, one.amount) == (1, Decimal("3000.00"))
    # 201 staff need 3.015: four counted are 0.985 above, not a whole person
    assert compute_subsidy(staff=Decimal("201"), quota_ratio=ratio, counted=4, standard=std).amount == 0
    assert compute_subsidy(staff=Decimal("201"), quota_ratio=ratio, counted=5, standard=std).persons == 1
    assert compute_subsidy(staff=Decimal("200"), quota_ratio=ratio, counted=2, standard=std).persons == 0


def reviewed(admin, name, staff, grades):
    emp = employer(admin, name)
    people = [registered(name=next(_names), grade=g) for g in grades]
    declaration = actions.declaration_record(
        actor=admin,
        employer_id=emp.pk,
        year=2025,
        staff=staff,
        average_wage="80000.00",
        employees=[employee_row(p) for p in people],
    )
    return actions.declaration_review(actor=admin, declaration_id=declaration.pk)


def test_batch_of_a_year_paid_by_maker_checker(client, regions, make_user):
    maker = make_user("county_admin", "370502", username="sub_maker")
    checker = make_user("county_admin", "370502", username="sub_checker")
    city = make_user("city_admin", "3705", username="sub_city")
    wages()
    actions.subsidy_standard_set(actor=city, region_code="3705", valid_from="2025-01-01", amount="2000.00")
    actions.subsidy_standard_set(actor=city, region_code="3705", valid_from="2026-01-01", amount="3000.00")
    actions.subsidy_standard_set(actor=city, region_code="3705", valid_from="2026-01-02", amount="9999.00")
    at_quota = reviewed(maker, "恰好达标公司", "200", [3, 3, 3])  # 3 counted = 200 × 1.5 %
    one_above = reviewed(maker, "超一人公司", "200", [3, 4, 3, 4])  # 4 counted
    severe = reviewed(maker, "重度双计公司", "200", [2, 1, 3])  # 2 + 2 + 1 = 5 counted: 2 above
    assert (at_quota.counted, one_above.counted, severe.counted) == (3, 4, 5)

    client.force_login(maker)
    page = client.get(f"/employment/declarations/{severe.pk}/").content.decode()
    assert 'data-testid="subsidy-steps"' in page and "6000.00" in page
    assert (
        'data-testid="subsidy-steps"'
        not in client.get(f"/employment/declarations/{at_quota.pk}/").content.decode()
    )

    batch = actions.subsidy_batch_generate(actor=maker, region_code="370502", year=2025)
    lines = {line.declaration_id: line for line in QuotaSubsidyLine.objects.filter(batch=batch)}
    assert set(lines) == {one_above.pk, severe.pk}
    assert (lines[one_above.pk].above, lines[one_above.pk].amount) == (1, Decimal("3000.00"))
    assert (lines[severe.pk].above, lines[severe.pk].amount) == (2, Decimal("6000.00"))
    assert batch.total_amount == Decimal("9000.00") and batch.line_count == 2
    with pytest.raises(InvalidState):  # every subsidised declaration is in a batch already
        actions.subsidy_batch_generate(actor=maker, region_code="370502", year=2025)
    with pytest.raises(PermissionDenied):
        actions.subsidy_batch_approve(actor=maker, batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == "generated" and batch.approved_by is None
    client.force_login(checker)
    assert 'data-testid="approve-button"' in client.get(f"/employment/subsidies/{batch.pk}/").content.decode()
    assert client.post(f"/employment/subsidies/{batch.pk}/approve/").status_code == 302
    batch.refresh_from_db()
    assert batch.status == "approved" and batch.approved_by == checker
    assert "9000.00" in client.get("/employment/subsidies/").content.decode()
    outsider = make_user("county_admin", "370602", username="sub_outsider")
    client.force_login(outsider)
    assert client.get(f"/employment/subsidies/{batch.pk}/").status_code == 404
