"""The OpenAPI schema is the API (issue 15 item 5): schemathesis generates requests from
/api/schema/ for every operation and checks each answer against the schema (no server error, the
status code documented, the body as documented, schema-valid requests accepted). In-process (WSGI,
inside the test's transaction: nothing outside the throwaway test database is touched), a fixed seed
and a bounded number of examples per operation, so the run is repeatable and short."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from schemathesis.config import SchemathesisConfig

from canlian.core.accounts.actions import token_issue

#: Examples per operation (CANLIAN_API_CONTRACT_EXAMPLES to explore more, e.g. before a release).
EXAMPLES = int(os.environ.get("CANLIAN_API_CONTRACT_EXAMPLES", "4"))
#: "A schema-valid request is accepted" (positive_data_acceptance): a request that fits the schema is
#: never a 400 (malformed); it may be refused as well-formed-but-refused, 422 (an object it names does
#: not exist, a rule the schema cannot state), besides the check's 401, 403, 404, 409 and 429
#: (docs/decisions/0004-api-refusal-status.md).
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
#: No NUL characters in generated strings: the platform refuses a NUL anywhere with a 400 before any
#: view (platform/inputguard.py, DRF's CharField; tests/test_platform_input_guard.py), documented
#: under 400 for every operation; JSON Schema could state it only as a pattern on every string.
CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"allow-x00": False},
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
    }
)

schema = schemathesis.openapi.from_dict(
    SchemaGenerator().get_schema(request=None, public=True), config=CONFIG
)
schema.app = get_wsgi_application()  # every request (and every probe a check sends) goes in-process


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes the database connection at the end of every request; inside a test that
    would close the test's own connection (PostgreSQL), so the signal is held off as Django's test
    client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def auth(db, regions, make_user) -> dict[str, str]:
    admin = make_user("county_admin", "370502", username="contract_admin")
    _token, raw = token_issue(actor=None, user_id=admin.pk, name="contract")
    return {"Authorization": f"Token {raw}"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_schema_says(case, auth):
    case.call_and_validate(headers=auth)


def test_requests_django_refuses_before_any_view_get_the_json_error(client, auth, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5  # Django answers TooManyFieldsSent itself
    fields = "&".join(f"f{i}=1" for i in range(10))
    response = client.post(
        "/api/v1/rehab/attendance/", fields, content_type="application/x-www-form-urlencoded", headers=auth
    )
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "bad_request"
    missing = client.get("/api/v1/no-such-thing/", headers=auth)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
