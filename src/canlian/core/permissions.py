"""Roles and their permissions: the one file to review when asking "who may do what".

A user holds role assignments; each is a role in a region. A permission held through an assignment
reaches that region's subtree (scope = region code prefix). Read-only roles hold only view permissions.
Later issues add their permissions here, next to the roles that hold them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", _("Provincial federation administrator")
    CITY_ADMIN = "city_admin", _("City federation administrator")
    COUNTY_ADMIN = "county_admin", _("County federation administrator")
    TOWNSHIP_WORKER = "township_worker", _("Township worker")
    VILLAGE_ASSISTANT = "village_assistant", _("Village assistant")
    CADRE = "cadre", _("Pairing cadre")
    CIVIL_AFFAIRS_REVIEWER = "civil_affairs_reviewer", _("Civil-affairs reviewer")
    INSTITUTION_STAFF = "institution_staff", _("Institution staff")
    LEADER = "leader", _("Leader (read-only)")
    AUDITOR = "auditor", _("Auditor (read-only, audit log)")
    SYSADMIN = "sysadmin", _("System administrator")


class Perm:
    """Permission codes: ``<area>.<action>``. Strings, so logs and tests read plainly."""

    REGIONS_VIEW = "regions.view"
    REGIONS_IMPORT = "regions.import"
    ACCOUNTS_VIEW = "accounts.view"
    ACCOUNTS_MANAGE = "accounts.manage"
    AUDIT_VIEW = "audit.view"
    JOBS_VIEW = "jobs.view"
    JOBS_MANAGE = "jobs.manage"
    API_DOCS = "api.docs"
    # registry: people, certificates, households, hardship statuses, screening
    PERSONS_VIEW = "persons.view"  # lists and person pages, identities masked
    PERSONS_EDIT = "persons.edit"  # register, correct, certificates, households, screening
    PERSONS_IMPORT = "persons.import"  # import ledgers
    PERSONS_EXPORT = "persons.export"  # export lists (masked)
    PERSONS_REVEAL = "persons.reveal"  # reveal a full ID number/phone (audited); export unmasked
    # programs (engine): rules, standards, applications and their review chain, payments
    PROGRAMS_VIEW = "programs.view"  # programs, rule settings, standards, eligibility explanations
    PROGRAMS_MANAGE = "programs.manage"  # change rule settings and standards in one's region
    ENROLLMENTS_VIEW = "enrollments.view"  # applications and enrollments, warnings, statistics
    ENROLLMENTS_APPLY = "enrollments.apply"  # record an application (township)
    ENROLLMENTS_FIRST_CHECK = "enrollments.first_check"  # 初审 (township)
    ENROLLMENTS_REVIEW = "enrollments.review"  # 审核: certificate check (county federation)
    ENROLLMENTS_DECIDE = "enrollments.decide"  # 审定 (county civil affairs)
    ENROLLMENTS_STOP = "enrollments.stop"  # stop or resume an enrollment (county federation)
    PAYMENTS_VIEW = "payments.view"  # payment cycles and lines
    PAYMENTS_GENERATE = "payments.generate"  # generate a cycle, record the bank's results
    PAYMENTS_APPROVE = "payments.approve"  # approve a cycle someone else generated
    PAYMENTS_EXPORT = "payments.export"  # the bank payment file (audited)
    # care of people: pairing, contacts and visits, needs; petitions and festival visits
    CARE_VIEW = "care.view"  # pairings, contacts, needs, compliance, cadence pages (a cadre: own pairs)
    CARE_RECORD = "care.record"  # record contacts, visits and needs
    CARE_MANAGE = "care.manage"  # pair cadres with people, contact rules, see every cadre's work
    PETITIONS_VIEW = "petitions.view"  # petitions, invitations, festival visits
    PETITIONS_HANDLE = "petitions.handle"  # record and handle them
    # institutions: registry, staff, training and certificates (institution staff: their own only)
    INSTITUTIONS_VIEW = "institutions.view"  # institutions, staff, courses, certificates, status history
    INSTITUTIONS_MANAGE = "institutions.manage"  # register institutions, agreements, status, staff sign-ins
    INSTITUTIONS_STAFF = "institutions.staff"  # keep an institution's staff list (the institution itself too)
    TRAINING_MANAGE = "training.manage"  # courses, exam results, completion certificates
    # children's rehabilitation assistance: plans, devices, surgery, attendance, settlement
    REHAB_VIEW = "rehab.view"  # children's plans, attendance, devices, settlements, figures
    REHAB_MANAGE = "rehab.manage"  # plans, devices, surgery referrals, settlement rules (county)
    REHAB_ATTENDANCE = "rehab.attendance"  # record daily sign-in, upload attendance sheets
    SETTLEMENTS_GENERATE = "settlements.generate"  # compute a settlement batch, export it, record payment
    SETTLEMENTS_APPROVE = "settlements.approve"  # approve a batch someone else generated
    # supervision of institutions: inspections, rectification notices, escalation
    SUPERVISION_VIEW = "supervision.view"  # plans, inspections, notices, ratings
    SUPERVISION_INSPECT = "supervision.inspect"  # plan and record inspections, issue/close/escalate notices
    SUPERVISION_RESPOND = "supervision.respond"  # an institution answers a notice
    # the working-day calendar (national): holidays and make-up days per year, provisional deadlines
    CALENDAR_VIEW = "calendar.view"  # the years and days, the provisional deadlines of one's region
    CALENDAR_MANAGE = "calendar.manage"  # load, import and edit the calendar (national data)
    # steering: indicators, dashboards, targets, bulletins (figures only; the people behind a figure
    # are read through the indicator's own permission)
    STEERING_VIEW = "steering.view"  # dashboards, indicator values, targets, bulletins of one's region
    STEERING_TARGETS = "steering.targets"  # set and import targets, bulletin schemes, refresh figures
    # --- community services (issue 14, domains/community): homes, care (托养), assisted employment
    COMMUNITY_VIEW = "community.view"  # homes, members, attendance, residents, workers, ratings, wages
    COMMUNITY_RECORD = "community.record"  # attendance, services delivered, residents' and workers' records
    COMMUNITY_MANAGE = "community.manage"  # homes, functions, eligibility, star criteria, standards, projects
    COMMUNITY_PAY = "community.pay"  # generate funding/subsidy batches and wage sheets, bank files, results
    COMMUNITY_APPROVE = "community.approve"  # approve a batch or wage sheet someone else generated
    # --- rehabilitation services (issue 16, domains/rehabservices)
    SERVICES_VIEW = "services.view"  # needs surveys, services, devices, modification projects, health
    SERVICES_RECORD = "services.record"  # record surveys, services, fittings, modification steps and photos
    SERVICES_MANAGE = "services.manage"  # catalogue and standards, approve plans and acceptance, contractors
    SERVICES_PAY = "services.pay"  # generate payment batches (contractors, hospitals), record payment
    SERVICES_APPROVE = "services.approve"  # approve a batch someone else generated
    # --- education (issue 17, domains/education)
    EDUCATION_VIEW = "education.view"  # placements, schools, allowances
    EDUCATION_MANAGE = "education.manage"  # record and import placements, schools, allowance rules
    # --- employment and social security (issue 17, domains/employment)
    EMPLOYMENT_VIEW = "employment.view"  # employers, reviews, the fund, training, jobs, premiums
    EMPLOYMENT_MANAGE = "employment.manage"  # record and import them, decide reviews, pay subsidies
    # --- data comparison (issue 18, domains/matching)
    MATCHING_VIEW = "matching.view"  # findings and runs of one's region, monitoring
    MATCHING_LISTS = "matching.lists"  # upload other departments' lists and read their rows
    MATCHING_MANAGE = "matching.manage"  # comparison rules, runs, monitoring households
    MATCHING_RESOLVE = "matching.resolve"  # resolve a finding with its outcome, record monitoring visits
    # --- volunteers, donations, typical cases (issue 18, domains/outreach)
    OUTREACH_VIEW = "outreach.view"  # volunteers, activities, donations, published cases
    OUTREACH_MANAGE = "outreach.manage"  # record them, receipts, review and publish cases


_STAFF_READ = {Perm.REGIONS_VIEW, Perm.JOBS_VIEW, Perm.API_DOCS, Perm.STEERING_VIEW}
_REGISTRY_WORK = {
    Perm.PERSONS_VIEW,
    Perm.PERSONS_EDIT,
    Perm.PERSONS_IMPORT,
    Perm.PERSONS_EXPORT,
    Perm.PERSONS_REVEAL,
}
_PROGRAM_READ = {Perm.PROGRAMS_VIEW, Perm.ENROLLMENTS_VIEW, Perm.PAYMENTS_VIEW}
_COUNTY_PROGRAM_WORK = _PROGRAM_READ | {
    Perm.PROGRAMS_MANAGE,
    Perm.ENROLLMENTS_APPLY,
    Perm.ENROLLMENTS_REVIEW,
    Perm.ENROLLMENTS_STOP,
    Perm.PAYMENTS_GENERATE,
    Perm.PAYMENTS_APPROVE,
    Perm.PAYMENTS_EXPORT,
}
_CARE_WORK = {
    Perm.CARE_VIEW,
    Perm.CARE_RECORD,
    Perm.CARE_MANAGE,
    Perm.PETITIONS_VIEW,
    Perm.PETITIONS_HANDLE,
}
_CARE_READ = {Perm.CARE_VIEW, Perm.PETITIONS_VIEW}
_INSTITUTION_READ = {Perm.INSTITUTIONS_VIEW, Perm.REHAB_VIEW, Perm.SUPERVISION_VIEW}
_INSTITUTION_WORK = _INSTITUTION_READ | {
    Perm.INSTITUTIONS_MANAGE,
    Perm.INSTITUTIONS_STAFF,
    Perm.TRAINING_MANAGE,
    Perm.REHAB_MANAGE,
    Perm.REHAB_ATTENDANCE,
    Perm.SETTLEMENTS_GENERATE,
    Perm.SETTLEMENTS_APPROVE,
    Perm.SUPERVISION_INSPECT,
}
# --- community services (issue 14)
_COMMUNITY_READ = {Perm.COMMUNITY_VIEW}
_COMMUNITY_TOWNSHIP = _COMMUNITY_READ | {Perm.COMMUNITY_RECORD}
_COMMUNITY_WORK = _COMMUNITY_TOWNSHIP | {Perm.COMMUNITY_MANAGE, Perm.COMMUNITY_PAY, Perm.COMMUNITY_APPROVE}
# --- rehabilitation services (issue 16)
_SERVICES_READ = {Perm.SERVICES_VIEW}
_SERVICES_TOWNSHIP = _SERVICES_READ | {Perm.SERVICES_RECORD}
_SERVICES_WORK = _SERVICES_TOWNSHIP | {Perm.SERVICES_MANAGE, Perm.SERVICES_PAY, Perm.SERVICES_APPROVE}
# --- education, employment and social security (issue 17)
_EDU_EMP_READ = {Perm.EDUCATION_VIEW, Perm.EMPLOYMENT_VIEW}
_EDU_EMP_TOWNSHIP = _EDU_EMP_READ | {Perm.EDUCATION_MANAGE}
_EDU_EMP_WORK = _EDU_EMP_READ | {Perm.EDUCATION_MANAGE, Perm.EMPLOYMENT_MANAGE}
# --- data comparison, volunteers and donations (issue 18)
_MATCHING_READ = {Perm.MATCHING_VIEW, Perm.OUTREACH_VIEW}
_MATCHING_TOWNSHIP = _MATCHING_READ | {Perm.MATCHING_RESOLVE, Perm.OUTREACH_MANAGE}
_MATCHING_WORK = _MATCHING_TOWNSHIP | {Perm.MATCHING_LISTS, Perm.MATCHING_MANAGE}
#: What the domains after steering give each kind of role (one line per role below).
_DOMAINS_READ = _COMMUNITY_READ | _SERVICES_READ | _EDU_EMP_READ | _MATCHING_READ
_DOMAINS_TOWNSHIP = _COMMUNITY_TOWNSHIP | _SERVICES_TOWNSHIP | _EDU_EMP_TOWNSHIP | _MATCHING_TOWNSHIP
_DOMAINS_WORK = _COMMUNITY_WORK | _SERVICES_WORK | _EDU_EMP_WORK | _MATCHING_WORK
#: An institution's staff (a home, a care centre, a workshop, a service station): their own rows only.
_DOMAINS_INSTITUTION = {Perm.COMMUNITY_VIEW, Perm.COMMUNITY_RECORD, Perm.SERVICES_VIEW}

_ADMIN = (
    _STAFF_READ
    | {
        Perm.REGIONS_IMPORT,
        Perm.ACCOUNTS_VIEW,
        Perm.ACCOUNTS_MANAGE,
        Perm.JOBS_MANAGE,
        Perm.CALENDAR_VIEW,
        Perm.STEERING_TARGETS,
    }
    | _REGISTRY_WORK
    | _COUNTY_PROGRAM_WORK
    | _CARE_WORK
    | _INSTITUTION_WORK
    | _DOMAINS_WORK
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.PROVINCE_ADMIN: frozenset(_ADMIN | {Perm.AUDIT_VIEW, Perm.CALENDAR_MANAGE}),
    Role.CITY_ADMIN: frozenset(_ADMIN),
    Role.COUNTY_ADMIN: frozenset(_ADMIN),
    Role.TOWNSHIP_WORKER: frozenset(
        _STAFF_READ
        | _REGISTRY_WORK
        | _PROGRAM_READ
        | _CARE_WORK
        | _DOMAINS_TOWNSHIP
        | {Perm.ENROLLMENTS_APPLY, Perm.ENROLLMENTS_FIRST_CHECK}
    ),
    Role.VILLAGE_ASSISTANT: frozenset(
        {Perm.REGIONS_VIEW, Perm.JOBS_VIEW, Perm.PERSONS_VIEW, Perm.PERSONS_EDIT, Perm.PERSONS_REVEAL}
    ),
    Role.CADRE: frozenset({Perm.REGIONS_VIEW, Perm.PERSONS_VIEW, Perm.CARE_VIEW, Perm.CARE_RECORD}),
    Role.CIVIL_AFFAIRS_REVIEWER: frozenset(
        _STAFF_READ | _PROGRAM_READ | {Perm.PERSONS_VIEW, Perm.PERSONS_REVEAL, Perm.ENROLLMENTS_DECIDE}
    ),
    # Assigned with an institution: every permission below reaches that institution's rows only.
    Role.INSTITUTION_STAFF: frozenset(
        _INSTITUTION_READ
        | _DOMAINS_INSTITUTION
        | {Perm.JOBS_VIEW, Perm.INSTITUTIONS_STAFF, Perm.REHAB_ATTENDANCE, Perm.SUPERVISION_RESPOND}
    ),
    Role.LEADER: frozenset(
        _STAFF_READ
        | _PROGRAM_READ
        | _CARE_READ
        | _INSTITUTION_READ
        | _DOMAINS_READ
        | {Perm.ACCOUNTS_VIEW, Perm.PERSONS_VIEW}
    ),
    Role.AUDITOR: frozenset(
        _STAFF_READ
        | _PROGRAM_READ
        | _CARE_READ
        | _INSTITUTION_READ
        | _DOMAINS_READ
        | {Perm.ACCOUNTS_VIEW, Perm.AUDIT_VIEW, Perm.PERSONS_VIEW, Perm.CALENDAR_VIEW}
    ),
    Role.SYSADMIN: frozenset(_ADMIN | {Perm.AUDIT_VIEW, Perm.CALENDAR_MANAGE}),
}

#: Permissions a role holds but not over its region: a cadre views the people paired with it (the
#: reach care registers, core/registry/hooks.py), not its whole county's registry.
REGION_EXCLUDED: dict[str, frozenset[str]] = {Role.CADRE: frozenset({Perm.PERSONS_VIEW})}


def reaches_region(role: str, perm: str) -> bool:
    """Whether ``role``'s assignment grants ``perm`` over its region's subtree."""
    return perm in ROLE_PERMISSIONS.get(role, frozenset()) and perm not in REGION_EXCLUDED.get(
        role, frozenset()
    )


#: Which roles an administrator may grant (always only within the administrator's own scope).
GRANTABLE_ROLES: dict[str, frozenset[str]] = {
    Role.SYSADMIN: frozenset(Role.values),
    Role.PROVINCE_ADMIN: frozenset(set(Role.values) - {Role.SYSADMIN}),
    Role.CITY_ADMIN: frozenset(set(Role.values) - {Role.SYSADMIN, Role.PROVINCE_ADMIN, Role.AUDITOR}),
    Role.COUNTY_ADMIN: frozenset(
        set(Role.values) - {Role.SYSADMIN, Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.AUDITOR}
    ),
}

#: The deepest region level a role may be assigned at (1 province … 5 village); None = any level.
ROLE_REGION_LEVELS: dict[str, tuple[int, ...]] = {
    Role.PROVINCE_ADMIN: (1,),
    Role.CITY_ADMIN: (2,),
    Role.COUNTY_ADMIN: (3,),
    Role.TOWNSHIP_WORKER: (4,),
    Role.VILLAGE_ASSISTANT: (5,),
}

ALL_PERMISSIONS: frozenset[str] = frozenset(p for perms in ROLE_PERMISSIONS.values() for p in perms)


def permissions_of(role: str) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role, frozenset())
