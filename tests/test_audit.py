"""Audit rows: written with the change, carry the request id, and cannot be edited or deleted."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from canlian.core.accounts import actions
from canlian.core.audit.actions import audit_record
from canlian.core.audit.models import AuditEvent
from canlian.platform.errors import InvalidState


@pytest.fixture
def event(county_admin):
    with transaction.atomic():
        return audit_record(
            actor=county_admin,
            event="user.updated",
            object_type="accounts.user",
            object_id=1,
            region_code="370502",
            old={"phone": "1"},
            new={"phone": "2"},
        )


def test_audit_row_fields(event, county_admin):
    assert event.actor == county_admin and event.actor_label == "dyq_admin"
    assert event.changes() == [("phone", "1", "2")]
    assert event.request_id


@pytest.mark.django_db(transaction=True)
def test_audit_requires_a_transaction(county_admin):
    with pytest.raises(RuntimeError):
        audit_record(actor=county_admin, event="user.updated")


def test_audit_rows_cannot_be_changed_or_deleted_through_the_app(event):
    event.object_repr = "tampered"
    with pytest.raises(InvalidState):
        event.save()
    with pytest.raises(InvalidState):
        event.delete()
    with pytest.raises(InvalidState):
        AuditEvent.objects.filter(pk=event.pk).update(object_repr="x")
    with pytest.raises(InvalidState):
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.object_repr == ""


def test_database_trigger_refuses_update(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET object_repr = 'x' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).object_repr == ""


def test_failed_action_leaves_no_audit_row(county_admin, regions):
    with pytest.raises(Exception):  # noqa: B017 - any refusal
        actions.user_create(
            actor=county_admin, username="z", password="1", role="cadre", region=regions["370502"]
        )
    assert not AuditEvent.objects.exists()


def test_request_id_links_the_rows_of_one_request(client, county_admin, make_user):
    worker = make_user("township_worker", "370502001")
    client.force_login(county_admin)
    response = client.post(f"/users/{worker.pk}/deactivate/", HTTP_X_REQUEST_ID="req-test-0001")
    assert response.status_code == 302
    assert response["X-Request-ID"] == "req-test-0001"
    event = AuditEvent.objects.get(event_type="user.deactivated")
    assert event.request_id == "req-test-0001" and event.object_id == str(worker.pk)
    assert event.old_values == {"is_active": True} and event.new_values == {"is_active": False}


def test_auditor_sees_only_events_of_their_region(client, make_user, regions):
    auditor = make_user("auditor", "3705")
    with transaction.atomic():
        audit_record(actor=None, event="regions.imported", object_repr="IN-3705", region_code="370502")
        audit_record(actor=None, event="regions.imported", object_repr="IN-3706", region_code="370602")
    client.force_login(auditor)
    body = client.get("/audit/").content.decode()
    assert "IN-3705" in body and "IN-3706" not in body
    filtered = client.get("/audit/", {"event_type": "user.created"}).content.decode()
    assert "IN-3705" not in filtered
