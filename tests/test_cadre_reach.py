"""A cadre reads the people paired with them and nothing else of the registry (issue: the cadre
role read the whole county, 514 people, though it works with 13), unless another role grants more."""

from __future__ import annotations

import pytest
from registry_factories import registered

from canlian.core.accounts.actions import role_grant
from canlian.core.registry.models import Certificate, HardshipStatus, Person
from canlian.domains.care import actions


@pytest.fixture
def pair(regions, county_admin, make_user):
    cadre = make_user("cadre", "370502", username="cadre_wang")
    paired = registered(name="刘一", region_code="370502001001")
    other = registered(name="陈二", region_code="370502001001")
    actions.pairing_create(actor=county_admin, person_id=paired.pk, cadre_id=cadre.pk)
    return cadre, paired, other


def test_a_cadre_sees_only_their_paired_people(pair, client):
    cadre, paired, other = pair
    assert list(Person.objects.for_user(cadre, "persons.view")) == [paired]
    assert set(Certificate.objects.for_user(cadre, "persons.view").values_list("person_id", flat=True)) == {
        paired.pk
    }
    assert not HardshipStatus.objects.for_user(cadre, "persons.view").exclude(person=paired).exists()
    client.force_login(cadre)
    assert client.get(f"/registry/persons/{paired.pk}/").status_code == 200
    assert client.get(f"/registry/persons/{other.pk}/").status_code == 404
    listing = client.get("/registry/persons/").content.decode()
    assert "刘一" in listing and "陈二" not in listing
    api = client.get("/api/v1/persons/").json()
    assert [p["id"] for p in api["results"]] == [paired.pk]


def test_an_ended_pairing_ends_the_reach(pair, county_admin):
    cadre, paired, _other = pair
    pairing = paired.care_pairings.get()
    actions.pairing_end(
        actor=county_admin, pairing_id=pairing.pk, ended_on=pairing.started_on, reason="other"
    )
    assert not Person.objects.for_user(cadre, "persons.view").exists()


def test_another_role_still_grants_its_region(pair, county_admin, regions):
    cadre, paired, other = pair
    role_grant(actor=county_admin, user_id=cadre.pk, role="township_worker", region=regions["370502001"])
    cadre.forget_assignments()
    assert set(Person.objects.for_user(cadre, "persons.view")) == {paired, other}
