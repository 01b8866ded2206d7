"""The navigation: entries grouped by work area, each naming the permission it needs; users see only
what their roles allow, and only the groups that hold something for them.

A group is a ``<details>`` in the sidebar, open when it holds the current page (nothing is remembered
on the server). A new page joins a group by naming the group's key: ``NavItem(_("Dashboard"),
"steering:dashboard", Perm.STEERING_VIEW, STEERING)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from canlian.core.permissions import Perm

WORK = "work"
REGISTRY = "registry"
BENEFITS = "benefits"
REHAB = "rehab"
CARE = "care"
INSTITUTIONS = "institutions"
COMMUNITY = "community"
SERVICES = "services"
EDUCATION_EMPLOYMENT = "education_employment"
MATCHING = "matching"
STEERING = "steering"
ADMINISTRATION = "administration"

#: The groups in sidebar order: key → label.
SECTIONS: dict[str, str | Promise] = {
    WORK: _("Work"),
    REGISTRY: _("Registry"),
    BENEFITS: _("Benefits"),
    REHAB: _("Children's rehabilitation"),
    CARE: _("Care of people"),
    INSTITUTIONS: _("Institutions"),
    COMMUNITY: _("Community services"),
    SERVICES: _("Rehabilitation services"),
    EDUCATION_EMPLOYMENT: _("Education and employment"),
    MATCHING: _("Data comparison"),
    STEERING: _("Statistics and dispatch"),
    ADMINISTRATION: _("Administration"),
}


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    permission: str | None
    #: The key of its group in ``SECTIONS``.
    section: str
    #: Shown only to users who hold the permission over a region (not to an institution's staff, whose
    #: role reaches their own institution only: a region-wide list would always be empty for them).
    region_only: bool = False


NAV: list[NavItem] = [
    NavItem(_("Home"), "home", None, WORK),
    NavItem(_("Jobs"), "jobs:list", Perm.JOBS_VIEW, WORK),
    # registry: people and certificates, households, screening, regions
    NavItem(_("People"), "registry:person-list", Perm.PERSONS_VIEW, REGISTRY),
    NavItem(_("Expiring certificates"), "registry:certificates-expiring", Perm.PERSONS_VIEW, REGISTRY),
    NavItem(_("Expired certificates"), "registry:certificates-expired", Perm.PERSONS_VIEW, REGISTRY),
    NavItem(_("Cancelled certificates"), "registry:certificates-cancelled", Perm.PERSONS_VIEW, REGISTRY),
    NavItem(_("Households"), "registry:household-list", Perm.PERSONS_VIEW, REGISTRY),
    NavItem(_("Screening"), "registry:screening-list", Perm.PERSONS_VIEW, REGISTRY),
    NavItem(_("Import people"), "registry:import", Perm.PERSONS_IMPORT, REGISTRY),
    NavItem(_("Regions"), "regions:browse", Perm.REGIONS_VIEW, REGISTRY),
    NavItem(_("Import regions"), "regions:import", Perm.REGIONS_IMPORT, REGISTRY),
    # the two subsidies and the engine
    NavItem(_("Applications"), "programs:enrollment-list", Perm.ENROLLMENTS_VIEW, BENEFITS),
    NavItem(_("Overdue steps"), "programs:enrollment-overdue", Perm.ENROLLMENTS_VIEW, BENEFITS),
    NavItem(_("Payment cycles"), "programs:cycle-list", Perm.PAYMENTS_VIEW, BENEFITS),
    NavItem(_("Warnings and gaps"), "programs:warnings", Perm.ENROLLMENTS_VIEW, BENEFITS),
    NavItem(_("Recoveries"), "programs:recovery-list", Perm.PAYMENTS_VIEW, BENEFITS),
    NavItem(_("Programs and standards"), "programs:program-list", Perm.PROGRAMS_VIEW, BENEFITS),
    # children's rehabilitation
    NavItem(_("Applications"), "rehab:application-list", Perm.REHAB_VIEW, REHAB, True),
    NavItem(_("Rehabilitation plans"), "rehab:plan-list", Perm.REHAB_VIEW, REHAB),
    NavItem(_("Training attendance"), "rehab:attendance-index", Perm.REHAB_ATTENDANCE, REHAB),
    NavItem(_("Training days"), "rehab:training-days", Perm.REHAB_VIEW, REHAB),
    NavItem(_("Assistive devices"), "rehab:device-list", Perm.REHAB_VIEW, REHAB),
    NavItem(_("Surgery referrals"), "rehab:surgery-list", Perm.REHAB_VIEW, REHAB, True),
    NavItem(_("Settlement batches"), "rehab:settlement-batch-list", Perm.REHAB_VIEW, REHAB),
    NavItem(_("Settlement rules"), "rehab:settlement-rule-list", Perm.REHAB_VIEW, REHAB, True),
    # care of people and petitions
    NavItem(_("Today"), "care:today", Perm.CARE_VIEW, CARE),
    NavItem(_("Pairings"), "care:pairing-list", Perm.CARE_VIEW, CARE),
    NavItem(_("Contacts"), "care:contact-list", Perm.CARE_VIEW, CARE),
    NavItem(_("Needs"), "care:need-list", Perm.CARE_VIEW, CARE),
    NavItem(_("Unpaired people"), "care:unpaired", Perm.CARE_MANAGE, CARE),
    NavItem(_("Upload pairings"), "care:pairing-upload", Perm.CARE_MANAGE, CARE),
    NavItem(_("Petitions"), "petitions:list", Perm.PETITIONS_VIEW, CARE),
    NavItem(_("Overdue petitions"), "petitions:overdue", Perm.PETITIONS_VIEW, CARE),
    NavItem(_("Invitations"), "petitions:invitation-list", Perm.PETITIONS_VIEW, CARE),
    NavItem(_("Festival visits"), "petitions:festival-list", Perm.PETITIONS_VIEW, CARE),
    NavItem(_("Import festival visits"), "petitions:festival-import", Perm.PETITIONS_HANDLE, CARE),
    # institutions and their supervision
    NavItem(_("Institutions"), "institutions:institution-list", Perm.INSTITUTIONS_VIEW, INSTITUTIONS),
    NavItem(_("Institution staff"), "institutions:staff-list", Perm.INSTITUTIONS_VIEW, INSTITUTIONS),
    NavItem(
        _("Certificates missing or expiring"),
        "institutions:certificate-gaps",
        Perm.INSTITUTIONS_VIEW,
        INSTITUTIONS,
    ),
    NavItem(_("Staff certificates"), "institutions:certificate-list", Perm.INSTITUTIONS_VIEW, INSTITUTIONS),
    NavItem(_("Training courses"), "institutions:course-list", Perm.INSTITUTIONS_VIEW, INSTITUTIONS),
    NavItem(_("Rectification notices"), "supervision:notice-list", Perm.SUPERVISION_VIEW, INSTITUTIONS),
    NavItem(_("Inspections"), "supervision:inspection-list", Perm.SUPERVISION_VIEW, INSTITUTIONS),
    NavItem(_("Inspection plans"), "supervision:plan-list", Perm.SUPERVISION_INSPECT, INSTITUTIONS),
    NavItem(
        _("Institutions by rating"), "supervision:rating-list", Perm.SUPERVISION_VIEW, INSTITUTIONS, True
    ),
    # --- community services (issue 14: homes, care, assisted employment)
    NavItem(_("Community services"), "community:index", Perm.COMMUNITY_VIEW, COMMUNITY, True),
    NavItem(_("Homes"), "community:home-list", Perm.COMMUNITY_VIEW, COMMUNITY),
    NavItem(_("Township coverage"), "community:coverage", Perm.COMMUNITY_VIEW, COMMUNITY, True),
    NavItem(_("Stars and funding"), "community:funding-list", Perm.COMMUNITY_VIEW, COMMUNITY, True),
    NavItem(_("Institution subsidies"), "community:subsidy-list", Perm.COMMUNITY_VIEW, COMMUNITY, True),
    NavItem(_("Care (托养)"), "community:resident-list", Perm.COMMUNITY_VIEW, COMMUNITY),
    NavItem(_("Care subsidy"), "community:care-batch-list", Perm.COMMUNITY_VIEW, COMMUNITY, True),
    NavItem(_("Project library"), "community:project-list", Perm.COMMUNITY_VIEW, COMMUNITY, True),
    NavItem(_("Assisted workers"), "community:worker-list", Perm.COMMUNITY_VIEW, COMMUNITY),
    NavItem(_("Wage sheets"), "community:sheet-list", Perm.COMMUNITY_VIEW, COMMUNITY),
    # --- end community services
    # --- rehabilitation services (issue 16)
    NavItem(_("Overview"), "rehabservices:overview", Perm.SERVICES_VIEW, SERVICES, True),
    NavItem(_("Needs surveys"), "rehabservices:survey-list", Perm.SERVICES_VIEW, SERVICES, True),
    NavItem(_("Record a needs survey"), "rehabservices:survey-new", Perm.SERVICES_RECORD, SERVICES, True),
    NavItem(_("Unmet needs"), "rehabservices:unmet", Perm.SERVICES_VIEW, SERVICES, True),
    NavItem(_("Assistive devices"), "rehabservices:fitting-list", Perm.SERVICES_VIEW, SERVICES),
    NavItem(_("Device catalogue"), "rehabservices:catalogue", Perm.SERVICES_VIEW, SERVICES, True),
    NavItem(_("Home modification"), "rehabservices:modification-list", Perm.SERVICES_VIEW, SERVICES, True),
    NavItem(_("Quarterly report"), "rehabservices:report", Perm.SERVICES_VIEW, SERVICES, True),
    NavItem(_("Contractor payments"), "rehabservices:batch-list", Perm.SERVICES_VIEW, SERVICES, True),
    NavItem(_("Health lists"), "rehabservices:health", Perm.SERVICES_VIEW, SERVICES, True),
    NavItem(_("Health services"), "rehabservices:health-list", Perm.SERVICES_VIEW, SERVICES, True),
    # --- end rehabilitation services
    # --- education and employment (issue 17)
    NavItem(_("Placements"), "education:placement-list", Perm.EDUCATION_VIEW, EDUCATION_EMPLOYMENT),
    NavItem(
        _("School-age children not enrolled"),
        "education:not-enrolled",
        Perm.EDUCATION_VIEW,
        EDUCATION_EMPLOYMENT,
    ),
    NavItem(_("Schools"), "education:school-list", Perm.EDUCATION_VIEW, EDUCATION_EMPLOYMENT),
    NavItem(_("Employers"), "employment:employer-list", Perm.EMPLOYMENT_VIEW, EDUCATION_EMPLOYMENT),
    NavItem(
        _("Employment declarations"),
        "employment:declaration-list",
        Perm.EMPLOYMENT_VIEW,
        EDUCATION_EMPLOYMENT,
    ),
    NavItem(
        _("Import declarations"),
        "employment:declaration-import",
        Perm.EMPLOYMENT_MANAGE,
        EDUCATION_EMPLOYMENT,
    ),
    NavItem(
        _("Quota rules and wages"), "employment:rule-list", Perm.EMPLOYMENT_VIEW, EDUCATION_EMPLOYMENT, True
    ),
    NavItem(
        _("Above-quota subsidies"), "employment:subsidy-list", Perm.EMPLOYMENT_VIEW, EDUCATION_EMPLOYMENT
    ),
    NavItem(
        _("Able, working-age people not employed"),
        "employment:not-employed",
        Perm.EMPLOYMENT_VIEW,
        EDUCATION_EMPLOYMENT,
    ),
    NavItem(
        _("Import statuses or trainings"),
        "employment:realname-import",
        Perm.EMPLOYMENT_MANAGE,
        EDUCATION_EMPLOYMENT,
    ),
    NavItem(
        _("爱心屋 kiosks and employment bases"),
        "employment:site-list",
        Perm.EMPLOYMENT_VIEW,
        EDUCATION_EMPLOYMENT,
    ),
    # --- end education and employment
    # --- data comparison, volunteers, donations, cases (issue 18)
    NavItem(_("Comparison findings"), "matching:finding-list", Perm.MATCHING_VIEW, MATCHING),
    NavItem(_("Department lists"), "matching:upload-list", Perm.MATCHING_LISTS, MATCHING),
    NavItem(_("Comparison rules"), "matching:rule-list", Perm.MATCHING_VIEW, MATCHING),
    NavItem(_("Return-to-poverty monitoring"), "matching:case-list", Perm.MATCHING_VIEW, MATCHING),
    NavItem(_("Donations"), "outreach:donation-list", Perm.OUTREACH_VIEW, COMMUNITY),
    NavItem(_("Volunteers"), "outreach:volunteer-list", Perm.OUTREACH_VIEW, COMMUNITY),
    NavItem(_("Volunteer activities"), "outreach:activity-list", Perm.OUTREACH_VIEW, COMMUNITY),
    NavItem(_("Typical cases"), "outreach:case-list", Perm.OUTREACH_VIEW, COMMUNITY),
    # --- end data comparison
    # statistics and the work cadence: the dashboard, targets and bulletins across all domains first
    NavItem(_("Dashboard"), "steering:dashboard", Perm.STEERING_VIEW, STEERING),
    NavItem(_("Yearly targets"), "steering:targets", Perm.STEERING_VIEW, STEERING),
    NavItem(_("Bulletins"), "steering:bulletin", Perm.STEERING_VIEW, STEERING),
    NavItem(_("Bulletin schemes"), "steering:schemes", Perm.STEERING_TARGETS, STEERING),
    NavItem(_("Subsidy statistics"), "subsidies:statistics", Perm.ENROLLMENTS_VIEW, STEERING),
    NavItem(_("Rehabilitation figures"), "reporting:rehab", Perm.REHAB_VIEW, STEERING),
    NavItem(_("Weekly screening"), "care:weekly", Perm.CARE_VIEW, STEERING),
    NavItem(_("Monthly dispatch"), "care:monthly", Perm.CARE_VIEW, STEERING),
    NavItem(_("Quarterly bulletin"), "care:bulletin", Perm.CARE_VIEW, STEERING),
    NavItem(_("Yearly summary"), "care:yearly", Perm.CARE_VIEW, STEERING),
    # administration
    NavItem(_("Users"), "accounts:user-list", Perm.ACCOUNTS_VIEW, ADMINISTRATION),
    NavItem(_("Audit log"), "audit:list", Perm.AUDIT_VIEW, ADMINISTRATION),
    NavItem(_("Working-day calendar"), "calendar:index", Perm.CALENDAR_VIEW, ADMINISTRATION),
    NavItem(_("API documentation"), "api-docs", Perm.API_DOCS, ADMINISTRATION),
]


def nav_for(user: Any, current_path: str = "") -> list[dict[str, Any]]:
    """The user's groups in sidebar order, each ``{"key", "label", "items", "open"}``; an item is
    ``{"label", "url", "active"}``. Empty groups are left out."""
    if not getattr(user, "is_authenticated", False):
        return []
    sections: dict[str, dict[str, Any]] = {
        key: {"key": key, "label": label, "items": [], "open": False} for key, label in SECTIONS.items()
    }
    entries: list[tuple[str, dict[str, Any]]] = []
    for item in NAV:
        if item.permission and not user.has_canlian_perm(item.permission):
            continue
        if item.region_only and user.scope_for(item.permission).is_empty:
            continue
        entry = {"label": item.label, "url": reverse(item.url_name), "active": False}
        sections[item.section]["items"].append(entry)
        entries.append((item.section, entry))
    # The current entry is the one whose URL is the longest prefix of the page's path
    # (/programs/ lists programs, /programs/cycles/ is its own entry).
    matching = [
        (key, e)
        for key, e in entries
        if current_path == e["url"] or (e["url"] != "/" and current_path.startswith(e["url"]))
    ]
    if matching:
        key, entry = max(matching, key=lambda pair: len(pair[1]["url"]))
        entry["active"] = True
        sections[key]["open"] = True
    return [section for section in sections.values() if section["items"]]


def person_search_url(user: Any) -> str | None:
    """Where the sidebar's person search submits (the registry's list, ``?q=``), for users who may
    read people; None otherwise."""
    if getattr(user, "is_authenticated", False) and user.has_canlian_perm(Perm.PERSONS_VIEW):
        return reverse("registry:person-list")
    return None
