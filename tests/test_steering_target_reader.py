"""A domain's own report reads the steering targets through platform.indicators.targets_of (a domain
never imports reporting): the reader reporting registers returns the targets of the regions asked."""

from __future__ import annotations

from decimal import Decimal

from canlian.platform.indicators import targets_of
from canlian.reporting.models import Target


def test_targets_of_reads_the_targets_of_the_regions_asked(regions):
    Target.objects.create(
        indicator="registry.certified", region_code="370502", year=2026, value=Decimal("120")
    )
    Target.objects.create(
        indicator="registry.certified", region_code="370505", year=2026, value=Decimal("80")
    )
    Target.objects.create(
        indicator="registry.certified", region_code="370502", year=2025, value=Decimal("99")
    )
    assert targets_of("registry.certified", 2026, ["370502", "370602"]) == {"370502": Decimal("120")}
    assert targets_of("registry.certified", 2026, []) == {}
    assert targets_of("care.on_track", 2026, ["370502"]) == {}
