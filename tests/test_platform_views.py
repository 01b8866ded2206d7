"""The form-post kit (``platform.views.ActionFormView``) through a real page: the community rule list
form (``community:rules-save``), which re-renders the rules page with its form on a refusal."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from canlian.core.audit.models import AuditEvent
from canlian.domains.community.models import EligibilityRuleSet

pytestmark = pytest.mark.usefixtures("english")

URL = "community:rules-save"
GOOD = {
    "purpose": "member",
    "region_code": "370502",
    "valid_from": "2025-01-01",
    "rules": '[{"rule": "alive"}]',
}


def _rules_form(response):
    """The rule list form as the page shows it again."""
    (block,) = [b for b in response.context["forms"] if b.action == reverse(URL)]
    return block.form


def _written():
    return EligibilityRuleSet.objects.filter(region_code="370502").count(), AuditEvent.objects.count()


def test_an_invalid_form_is_shown_again_with_400_and_writes_nothing(client, regions, county_admin):
    client.force_login(county_admin)
    before = _written()
    response = client.post(reverse(URL), {**GOOD, "valid_from": "not a date"})
    assert response.status_code == 400
    assert "valid_from" in _rules_form(response).errors
    assert _written() == before
    assert not list(get_messages(response.wsgi_request))


def test_a_domain_error_goes_on_the_form_field_it_names(client, regions, county_admin):
    client.force_login(county_admin)
    before = _written()
    response = client.post(reverse(URL), {**GOOD, "rules": "[{"})
    assert response.status_code == 400
    form = _rules_form(response)
    assert form.errors["rules"] == ["The rules are not valid JSON."]
    assert form.data["rules"] == "[{"  # what was typed is kept
    assert _written() == before


def test_success_redirects_with_the_message(client, regions, county_admin):
    client.force_login(county_admin)
    response = client.post(reverse(URL), GOOD)
    assert response.status_code == 302 and response["Location"] == reverse("community:rules")
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Saved."]
    assert EligibilityRuleSet.objects.filter(region_code="370502").count() == 1


def test_out_of_scope_passes_through_as_404_and_get_is_not_allowed(client, regions, make_user):
    client.force_login(make_user("county_admin", "370505"))
    before = _written()
    assert client.post(reverse(URL), GOOD).status_code == 404
    assert _written() == before
    assert client.get(reverse(URL)).status_code == 405
