"""The one scoping path (platform/scoping.py): the national scope is a tautology, not an empty Q;
the scope with the regions above it; a scope widened to the county level."""

from __future__ import annotations

from django.db.models import Q
from supervision_world import institution

from canlian.core.institutions.models import Institution
from canlian.core.regions.models import Region
from canlian.platform.scoping import Scope


def test_the_national_scope_keeps_every_row_when_combined(regions):
    everyone = Region.objects.filter(Scope.all().q("code"))
    assert everyone.count() == len(regions)
    # Q() | X would be X alone: the national scope must stay every row when or-ed with a narrow filter
    assert Region.objects.filter(Scope.all().q("code") | Q(code="44")).count() == len(regions)
    assert not Region.objects.filter(Scope.nothing().q("code")).exists()


def test_the_scope_with_the_regions_above_it(regions):
    township = Scope.of({"370502001"})
    assert township.ancestors() == frozenset({"", "37", "3705", "370502"})
    codes = set(Region.objects.filter(township.q_with_ancestors("code")).values_list("code", flat=True))
    assert codes == {"37", "3705", "370502", "370502001", "370502001001"}


def test_a_scope_widened_to_the_county():
    assert Scope.of({"370502001", "370502001001", "370505001"}).widened(6) == Scope.of({"370502", "370505"})
    assert Scope.of({"3705"}).widened(6) == Scope.of({"3705"})  # already wider: unchanged
    assert Scope.all().widened(6).everything and Scope.nothing().widened(6).is_empty


def test_a_township_worker_names_the_service_points_of_its_county_only(make_user):
    worker = make_user("township_worker", "370502001")
    own_county, other_county = institution("370502"), institution("370505")
    seen = set(Institution.objects.for_user_widened(worker, "services.record", digits=6))
    assert own_county in seen and other_county not in seen
    assert not Institution.objects.for_user(worker, "services.record").filter(pk=own_county.pk).exists()
