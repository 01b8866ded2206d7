"""The navigation: each entry names the permission it needs; users see only what their roles allow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from canlian.core.permissions import Perm


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    permission: str | None
    section: str | Promise
    #: Shown only to users who hold the permission over a region (not to an institution's staff, whose
    #: role reaches their own institution only: a region-wide list would always be empty for them).
    region_only: bool = False


NAV: list[NavItem] = [
    NavItem(_("Home"), "home", None, _("Work")),
    NavItem(_("Jobs"), "jobs:list", Perm.JOBS_VIEW, _("Work")),
    NavItem(_("People"), "registry:person-list", Perm.PERSONS_VIEW, _("Registry")),
    NavItem(_("Expiring certificates"), "registry:certificates-expiring", Perm.PERSONS_VIEW, _("Registry")),
    NavItem(_("Expired certificates"), "registry:certificates-expired", Perm.PERSONS_VIEW, _("Registry")),
    NavItem(_("Cancelled certificates"), "registry:certificates-cancelled", Perm.PERSONS_VIEW, _("Registry")),
    NavItem(_("Households"), "registry:household-list", Perm.PERSONS_VIEW, _("Registry")),
    NavItem(_("Screening"), "registry:screening-list", Perm.PERSONS_VIEW, _("Registry")),
    NavItem(_("Import people"), "registry:import", Perm.PERSONS_IMPORT, _("Registry")),
    NavItem(_("Applications"), "programs:enrollment-list", Perm.ENROLLMENTS_VIEW, _("Benefits")),
    NavItem(_("Overdue steps"), "programs:enrollment-overdue", Perm.ENROLLMENTS_VIEW, _("Benefits")),
    NavItem(_("Payment cycles"), "programs:cycle-list", Perm.PAYMENTS_VIEW, _("Benefits")),
    NavItem(_("Warnings and gaps"), "programs:warnings", Perm.ENROLLMENTS_VIEW, _("Benefits")),
    NavItem(_("Recoveries"), "programs:recovery-list", Perm.PAYMENTS_VIEW, _("Benefits")),
    NavItem(_("Subsidy statistics"), "subsidies:statistics", Perm.ENROLLMENTS_VIEW, _("Benefits")),
    NavItem(_("Programs and standards"), "programs:program-list", Perm.PROGRAMS_VIEW, _("Benefits")),
    NavItem(_("Today"), "care:today", Perm.CARE_VIEW, _("Care of people")),
    NavItem(_("Weekly screening"), "care:weekly", Perm.CARE_VIEW, _("Care of people")),
    NavItem(_("Monthly dispatch"), "care:monthly", Perm.CARE_VIEW, _("Care of people")),
    NavItem(_("Quarterly bulletin"), "care:bulletin", Perm.CARE_VIEW, _("Care of people")),
    NavItem(_("Yearly summary"), "care:yearly", Perm.CARE_VIEW, _("Care of people")),
    NavItem(_("Pairings"), "care:pairing-list", Perm.CARE_VIEW, _("Care of people")),
    NavItem(_("Contacts"), "care:contact-list", Perm.CARE_VIEW, _("Care of people")),
    NavItem(_("Needs"), "care:need-list", Perm.CARE_VIEW, _("Care of people")),
    NavItem(_("Unpaired people"), "care:unpaired", Perm.CARE_MANAGE, _("Care of people")),
    NavItem(_("Upload pairings"), "care:pairing-upload", Perm.CARE_MANAGE, _("Care of people")),
    NavItem(_("Petitions"), "petitions:list", Perm.PETITIONS_VIEW, _("Care of people")),
    NavItem(_("Overdue petitions"), "petitions:overdue", Perm.PETITIONS_VIEW, _("Care of people")),
    NavItem(_("Invitations"), "petitions:invitation-list", Perm.PETITIONS_VIEW, _("Care of people")),
    NavItem(_("Festival visits"), "petitions:festival-list", Perm.PETITIONS_VIEW, _("Care of people")),
    NavItem(
        _("Import festival visits"), "petitions:festival-import", Perm.PETITIONS_HANDLE, _("Care of people")
    ),
    NavItem(
        _("Applications"), "rehab:application-list", Perm.REHAB_VIEW, _("Children's rehabilitation"), True
    ),
    NavItem(_("Rehabilitation plans"), "rehab:plan-list", Perm.REHAB_VIEW, _("Children's rehabilitation")),
    NavItem(
        _("Training attendance"),
        "rehab:attendance-index",
        Perm.REHAB_ATTENDANCE,
        _("Children's rehabilitation"),
    ),
    NavItem(_("Training days"), "rehab:training-days", Perm.REHAB_VIEW, _("Children's rehabilitation")),
    NavItem(_("Assistive devices"), "rehab:device-list", Perm.REHAB_VIEW, _("Children's rehabilitation")),
    NavItem(
        _("Surgery referrals"), "rehab:surgery-list", Perm.REHAB_VIEW, _("Children's rehabilitation"), True
    ),
    NavItem(
        _("Settlement batches"),
        "rehab:settlement-batch-list",
        Perm.REHAB_VIEW,
        _("Children's rehabilitation"),
    ),
    NavItem(
        _("Settlement rules"),
        "rehab:settlement-rule-list",
        Perm.REHAB_VIEW,
        _("Children's rehabilitation"),
        True,
    ),
    NavItem(_("Rehabilitation figures"), "reporting:rehab", Perm.REHAB_VIEW, _("Children's rehabilitation")),
    NavItem(_("Institutions"), "institutions:institution-list", Perm.INSTITUTIONS_VIEW, _("Institutions")),
    NavItem(_("Institution staff"), "institutions:staff-list", Perm.INSTITUTIONS_VIEW, _("Institutions")),
    NavItem(
        _("Certificates missing or expiring"),
        "institutions:certificate-gaps",
        Perm.INSTITUTIONS_VIEW,
        _("Institutions"),
    ),
    NavItem(
        _("Staff certificates"), "institutions:certificate-list", Perm.INSTITUTIONS_VIEW, _("Institutions")
    ),
    NavItem(_("Training courses"), "institutions:course-list", Perm.INSTITUTIONS_VIEW, _("Institutions")),
    NavItem(_("Rectification notices"), "supervision:notice-list", Perm.SUPERVISION_VIEW, _("Institutions")),
    NavItem(_("Inspections"), "supervision:inspection-list", Perm.SUPERVISION_VIEW, _("Institutions")),
    NavItem(_("Inspection plans"), "supervision:plan-list", Perm.SUPERVISION_INSPECT, _("Institutions")),
    NavItem(
        _("Institutions by rating"), "supervision:rating-list", Perm.SUPERVISION_VIEW, _("Institutions"), True
    ),
    NavItem(_("Regions"), "regions:browse", Perm.REGIONS_VIEW, _("Registry")),
    NavItem(_("Import regions"), "regions:import", Perm.REGIONS_IMPORT, _("Registry")),
    NavItem(_("Users"), "accounts:user-list", Perm.ACCOUNTS_VIEW, _("Administration")),
    NavItem(_("Audit log"), "audit:list", Perm.AUDIT_VIEW, _("Administration")),
    NavItem(_("Working-day calendar"), "calendar:index", Perm.CALENDAR_VIEW, _("Administration")),
    NavItem(_("API documentation"), "api-docs", Perm.API_DOCS, _("Administration")),
]


def nav_for(user: Any, current_path: str = "") -> list[dict[str, Any]]:
    sections: dict[str, dict[str, Any]] = {}
    if not getattr(user, "is_authenticated", False):
        return []
    entries: list[dict[str, Any]] = []
    for item in NAV:
        if item.permission and not user.has_canlian_perm(item.permission):
            continue
        if item.region_only and user.scope_for(item.permission).is_empty:
            continue
        url = reverse(item.url_name)
        section = sections.setdefault(str(item.section), {"label": item.section, "items": []})
        entry = {"label": item.label, "url": url, "active": False}
        section["items"].append(entry)
        entries.append(entry)
    # The current entry is the one whose URL is the longest prefix of the page's path
    # (/programs/ lists programs, /programs/cycles/ is its own entry).
    matching = [
        e
        for e in entries
        if current_path == e["url"] or (e["url"] != "/" and current_path.startswith(e["url"]))
    ]
    if matching:
        max(matching, key=lambda e: len(e["url"]))["active"] = True
    return list(sections.values())
