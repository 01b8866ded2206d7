"""Roles, permissions and scope; user administration actions; tokens; the account commands."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from canlian.core.accounts import actions
from canlian.core.accounts.models import ApiToken, RoleAssignment, User
from canlian.core.audit.models import AuditEvent
from canlian.core.permissions import ROLE_PERMISSIONS, Perm, Role
from canlian.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed


def test_every_role_code_from_the_issue_exists():
    assert set(Role.values) == {
        "province_admin",
        "city_admin",
        "county_admin",
        "township_worker",
        "village_assistant",
        "cadre",
        "civil_affairs_reviewer",
        "institution_staff",
        "leader",
        "auditor",
        "sysadmin",
    }
    assert set(ROLE_PERMISSIONS) == set(Role.values)


def test_read_only_roles_hold_no_write_permission():
    writes = {Perm.REGIONS_IMPORT, Perm.ACCOUNTS_MANAGE, Perm.JOBS_MANAGE}
    assert not ROLE_PERMISSIONS[Role.LEADER] & writes
    assert not ROLE_PERMISSIONS[Role.AUDITOR] & writes
    assert Perm.AUDIT_VIEW in ROLE_PERMISSIONS[Role.AUDITOR]
    assert Perm.AUDIT_VIEW not in ROLE_PERMISSIONS[Role.COUNTY_ADMIN]


def test_scope_is_the_union_of_assignments_holding_the_permission(make_user, regions):
    user = make_user("county_admin", "370502")
    RoleAssignment.objects.create(user=user, role="cadre", region=regions["3706"], region_code="3706")
    user = User.objects.get(pk=user.pk)
    assert user.scope_for(Perm.ACCOUNTS_MANAGE).prefixes == frozenset({"370502"})
    assert user.scope_for(Perm.REGIONS_VIEW).prefixes == frozenset({"370502", "3706"})
    assert user.scope_for(Perm.AUDIT_VIEW).is_empty


def test_nested_scopes_collapse_and_deactivated_users_see_nothing(make_user, regions):
    user = make_user("city_admin", "3705")
    RoleAssignment.objects.create(
        user=user, role="county_admin", region=regions["370502"], region_code="370502"
    )
    user = User.objects.get(pk=user.pk)
    assert user.scope_for(Perm.REGIONS_VIEW).prefixes == frozenset({"3705"})
    user.is_active = False
    assert user.scope_for(Perm.REGIONS_VIEW).is_empty
    assert not user.has_canlian_perm(Perm.REGIONS_VIEW)


def test_user_create_in_scope_is_audited(county_admin, regions):
    user = actions.user_create(
        actor=county_admin,
        username="zhang",
        password="Wenhui-2026!",
        role="township_worker",
        region=regions["370502001"],
        display_name="张三",
    )
    assert user.check_password("Wenhui-2026!")
    assert user.password.startswith("md5$") or user.password.startswith("argon2")
    event = AuditEvent.objects.get(event_type="user.created")
    assert event.actor == county_admin and event.region_code == "370502001"
    assert event.new_values["role"] == "township_worker" and "password" not in event.new_values


def test_user_create_outside_scope_is_refused_and_writes_nothing(county_admin, regions):
    with pytest.raises(NotFound):
        actions.user_create(
            actor=county_admin,
            username="li",
            password="Xiangyang-2026!",
            role="township_worker",
            region=regions["370602001"],
        )
    assert not User.objects.filter(username="li").exists()
    assert not AuditEvent.objects.exists()


def test_county_admin_cannot_grant_higher_roles(county_admin, regions):
    with pytest.raises(ValidationFailed):  # city_admin is held at prefecture level
        actions.user_create(
            actor=county_admin,
            username="x",
            password="Abcdef-2026!",
            role="city_admin",
            region=regions["370502"],
        )
    with pytest.raises(PermissionDenied):
        actions.user_create(
            actor=county_admin,
            username="y",
            password="Abcdef-2026!",
            role="auditor",
            region=regions["370502"],
        )
    assert not User.objects.filter(username__in=["x", "y"]).exists()


def test_weak_password_and_duplicate_name(county_admin, regions):
    with pytest.raises(ValidationFailed) as caught:
        actions.user_create(
            actor=county_admin, username="w", password="123", role="cadre", region=regions["370502"]
        )
    assert caught.value.field == "password"
    actions.user_create(
        actor=county_admin, username="dup", password="Abcdef-2026!", role="cadre", region=regions["370502"]
    )
    with pytest.raises(Conflict):
        actions.user_create(
            actor=county_admin,
            username="DUP",
            password="Abcdef-2026!",
            role="cadre",
            region=regions["370502"],
        )


def test_grant_revoke_and_last_role(county_admin, make_user, regions):
    worker = make_user("township_worker", "370502001")
    assignment = actions.role_grant(
        actor=county_admin, user_id=worker.pk, role="cadre", region=regions["370502"]
    )
    assert worker.role_assignments.count() == 2
    actions.role_revoke(actor=county_admin, assignment_id=assignment.pk)
    assert worker.role_assignments.count() == 1
    with pytest.raises(ValidationFailed):
        actions.role_revoke(actor=county_admin, assignment_id=worker.role_assignments.get().pk)
    assert list(AuditEvent.objects.values_list("event_type", flat=True).order_by("id")) == [
        "role.granted",
        "role.revoked",
    ]


def test_admin_cannot_touch_users_of_another_county(county_admin, make_user):
    other = make_user("township_worker", "370505001")
    with pytest.raises(NotFound):
        actions.user_set_active(actor=county_admin, user_id=other.pk, active=False)
    other.refresh_from_db()
    assert other.is_active


def test_deactivation_revokes_tokens(county_admin, make_user):
    worker = make_user("township_worker", "370502001")
    token, raw = actions.token_issue(actor=county_admin, user_id=worker.pk)
    assert raw.startswith("cl_") and token.digest == ApiToken.digest_of(raw) and raw not in token.digest
    actions.user_set_active(actor=county_admin, user_id=worker.pk, active=False)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_own_password_change(make_user):
    user = make_user("cadre", "370502", password="Old-password-1")
    with pytest.raises(ValidationFailed):
        actions.user_change_own_password(user=user, old_password="wrong", new_password="New-password-2")
    actions.user_change_own_password(user=user, old_password="Old-password-1", new_password="New-password-2")
    user.refresh_from_db()
    assert user.check_password("New-password-2")


def test_create_user_and_issue_token_commands(regions):
    out = io.StringIO()
    call_command(
        "create_user", "wang", role="county_admin", region="370502", password="Dongying-2026!", stdout=out
    )
    user = User.objects.get(username="wang")
    assert user.roles() == {"county_admin"} and "370502" in out.getvalue()
    out = io.StringIO()
    call_command("issue_token", "wang", stdout=out)
    raw = out.getvalue().strip()
    assert ApiToken.objects.get(user=user).digest == ApiToken.digest_of(raw)
    with pytest.raises(CommandError):
        call_command("create_user", "bad", role="county_admin", region="999999", password="Dongying-2026!")
    with pytest.raises(CommandError):  # county admins live at county level
        call_command("create_user", "bad2", role="county_admin", region="3705", password="Dongying-2026!")
    assert not User.objects.filter(username__in=["bad", "bad2"]).exists()


def test_institution_staff_reach_their_institution_not_the_region(make_user, regions):
    from canlian.core.institutions.models import Institution

    own = Institution.objects.create(code="I-OWN", name="本机构", kind="rehab", region_code="370502")
    other = Institution.objects.create(code="I-OTHER", name="他机构", kind="rehab", region_code="370502")
    staff = make_user("institution_staff", "370502", institution=own)
    assert staff.scope_for(Perm.REHAB_VIEW).is_empty  # no region scope at all
    assert staff.institutions_for(Perm.REHAB_VIEW) == {own.pk}
    assert staff.institutions_for(Perm.ACCOUNTS_MANAGE) == frozenset()
    assert list(Institution.objects.for_user(staff, "view")) == [own]
    assert other not in Institution.objects.for_user(
        make_user("institution_staff", "370502", institution=own)
    )


def test_institution_staff_role_is_granted_only_with_an_institution(make_user, regions):
    from canlian.core.accounts import actions
    from canlian.core.institutions.models import Institution

    admin = make_user("county_admin", "370502")
    with pytest.raises(ValidationFailed) as refused:
        actions.user_create(
            actor=admin,
            username="inst_nobind",
            password=None,
            role="institution_staff",
            region=regions["370502"],
        )
    assert refused.value.field == "institution"
    assert not User.objects.filter(username="inst_nobind").exists()
    home = Institution.objects.create(code="I-H", name="康复中心", kind="rehab", region_code="370502001")
    user = actions.user_create(
        actor=admin,
        username="inst_bound",
        password=None,
        role="institution_staff",
        region=None,
        institution=home,
    )
    assignment = user.role_assignments.get()
    assert (assignment.institution_id, assignment.region_code) == (home.pk, "370502001")
    with pytest.raises(ValidationFailed):
        actions.role_grant(
            actor=admin, user_id=user.pk, role="cadre", region=regions["370502"], institution=home
        )
    far = Institution.objects.create(code="I-FAR", name="烟台机构", kind="rehab", region_code="370602")
    with pytest.raises(NotFound):  # outside the administrator's scope
        actions.user_create(
            actor=admin,
            username="inst_far",
            password=None,
            role="institution_staff",
            region=None,
            institution=far,
        )


def test_institution_sign_in_is_created_and_audited_as_user_and_role(make_user, regions):
    """What an institution's staff page calls: authorised by institutions.manage over the institution,
    the role institution_staff bound to it, audited as user.created and role.granted."""
    from canlian.core.institutions.models import Institution
    from canlian.platform.access import SYSTEM

    admin = make_user("county_admin", "370502", username="inst_admin")
    home = Institution.objects.create(code="I-S", name="康复中心", kind="rehab", region_code="370502001")
    with pytest.raises(ValidationFailed) as weak:
        actions.institution_staff_user_create(actor=admin, institution=home, username="s_weak", password="1")
    assert weak.value.field == "password"
    user = actions.institution_staff_user_create(
        actor=admin, institution=home, username="s_ok", password="Kangfu-2026!", display_name="张"
    )
    assignment = user.role_assignments.get()
    assert (assignment.role, assignment.institution_id, assignment.region_code) == (
        "institution_staff",
        home.pk,
        "370502001",
    )
    events = set(AuditEvent.objects.filter(object_id=str(user.pk)).values_list("event_type", flat=True))
    assert {"user.created", "role.granted"} <= events
    with pytest.raises(Conflict):
        actions.institution_staff_user_create(
            actor=admin, institution=home, username="S_OK", password="Kangfu-2026!"
        )
    leader = make_user("leader", "370502", username="inst_leader")
    with pytest.raises(PermissionDenied):
        actions.institution_staff_user_create(
            actor=leader, institution=home, username="s_leader", password="Kangfu-2026!"
        )
    far = Institution.objects.create(code="I-F", name="烟台机构", kind="rehab", region_code="370602")
    with pytest.raises(NotFound):
        actions.institution_staff_user_create(
            actor=admin, institution=far, username="s_far", password="Kangfu-2026!"
        )
    by_system = actions.institution_staff_user_create(
        actor=SYSTEM, institution=far, username="s_sys", password="Kangfu-2026!"
    )
    assert by_system.role_assignments.get().institution_id == far.pk


def test_the_system_actor_manages_accounts_like_the_command_line(regions):
    from canlian.platform.access import SYSTEM

    user = actions.user_create(
        actor=SYSTEM, username="sys_made", password=None, role="county_admin", region=regions["370502"]
    )
    actions.role_grant(actor=SYSTEM, user_id=user.pk, role="cadre", region=regions["370502"])
    actions.user_set_active(actor=SYSTEM, user_id=user.pk, active=False)
    user.refresh_from_db()
    assert not user.is_active and user.roles() == {"county_admin", "cadre"}
