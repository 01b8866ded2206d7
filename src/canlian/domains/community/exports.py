"""Excel exports of the lists (members, residents, workers): ID numbers masked, accounts masked, each
export recorded in the audit log (``record.exported``, the registry's export code, with the list
and the rows it held)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_sensitive_read
from canlian.core.audit.events import EventType
from canlian.domains.community import selectors
from canlian.platform.exports import Sheet, xlsx_bytes


def _export(user: Any, what: str, header: list[str], rows: Iterator[list[Any]]) -> bytes:
    data, count = xlsx_bytes([Sheet(what, header, rows)])
    with transaction.atomic():
        audit_sensitive_read(actor=user, event=EventType.RECORDS_EXPORTED, list=what, rows=count)
    return data


def members_xlsx(user: Any) -> bytes:
    qs = selectors.members_visible(user).order_by("home__region_code", "home", "id")

    def rows() -> Iterator[list[Any]]:
        for m in qs.iterator(chunk_size=2000):
            yield [m.home.institution.name, m.person.name, m.person.masked_id, m.starts_on, m.ends_on or ""]

    return _export(
        user, "members", [_("Home"), _("Name"), _("ID number"), _("Member from"), _("Member until")], rows()
    )


def residents_xlsx(user: Any) -> bytes:
    qs = selectors.residents_visible(user).order_by("institution", "id")

    def rows() -> Iterator[list[Any]]:
        for r in qs.iterator(chunk_size=2000):
            yield [
                r.institution.name,
                r.person.name,
                r.person.masked_id,
                str(r.get_mode_display()),
                r.admitted_on,
                r.discharged_on or "",
                r.monthly_fee,
            ]

    return _export(
        user,
        "residents",
        [
            _("Institution"),
            _("Name"),
            _("ID number"),
            _("Mode"),
            _("Admitted on"),
            _("Discharged on"),
            _("Institution's monthly fee"),
        ],
        rows(),
    )


def workers_xlsx(user: Any) -> bytes:
    qs = selectors.workers_visible(user).order_by("institution", "id")

    def rows() -> Iterator[list[Any]]:
        for w in qs.iterator(chunk_size=2000):
            yield [
                w.institution.name,
                w.person.name,
                w.person.masked_id,
                w.agreement_number,
                w.agreement_from,
                w.agreement_to or "",
                str(w.get_wage_basis_display()),
                w.bank_name,
                w.masked_account,
                str(w.get_status_display()),
            ]

    return _export(
        user,
        "workers",
        [
            _("Institution"),
            _("Name"),
            _("ID number"),
            _("Agreement number"),
            _("Agreement from"),
            _("Agreement until"),
            _("Wage basis"),
            _("Bank"),
            _("Bank account"),
            _("Status"),
        ],
        rows(),
    )


def subsidy_lines_xlsx(user: Any, *, year: int | None = None, region_code: str = "") -> bytes:
    """The institution subsidy lines in scope (of a year, under a region), with their basis."""
    qs = selectors.subsidy_lines_visible(user, year=year).filter(region_code__startswith=region_code)
    qs = qs.order_by("-year", "region_code", "institution__name", "kind", "id")

    def rows() -> Iterator[list[Any]]:
        for line in qs.iterator(chunk_size=2000):
            yield [
                line.year,
                line.region_code,
                line.institution.name,
                str(line.get_kind_display()),
                line.quantity,
                line.basis,
                line.amount,
                str(line.batch.get_status_display()),
                line.batch.paid_on or "",
            ]

    return _export(
        user,
        "institution subsidies",
        [
            _("Year"),
            _("Region"),
            _("Institution"),
            _("Subsidy"),
            _("Quantity"),
            _("Basis"),
            _("Amount"),
            _("Status"),
            _("Paid on"),
        ],
        rows(),
    )
