"""``canlian payment-partitions [--ahead N] [--detach-year YYYY]``: create the monthly partitions of
the payment lines for this month and the next N (default 3), moving lines waiting in the DEFAULT
partition into their own month; or detach an old year's partitions (they stay as plain tables to
archive). PostgreSQL, as the table's owner (docs/deploy.md: the owner's cron); nothing on SQLite."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from canlian.platform.commands import CanlianCommand
from canlian.platform.errors import PermissionDenied


class Command(CanlianCommand):
    help = (
        "Create the payment lines' monthly partitions ahead (PostgreSQL, as the table's owner), or "
        "detach an old year's. Exits 2 when refused."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--ahead", type=int, default=3, help="months after this one (default 3)")
        parser.add_argument("--detach-year", type=int, help="detach this year's partitions instead")

    def handle(self, *args: Any, **options: Any) -> None:
        from canlian.platform.partitions import detach_year, is_partitioned, may_manage
        from canlian.programs.handlers import payment_partitions_ensure
        from canlian.programs.models import PaymentLine

        table = PaymentLine._meta.db_table
        if not is_partitioned(table):
            self.stdout.write("The payment lines are one table here (SQLite): nothing to do.")
            return
        if not may_manage(table):
            raise PermissionDenied(
                f"Only the owner of {table} may create or detach its partitions: connect as the owner."
            )
        if options.get("detach_year"):
            names = detach_year(table, options["detach_year"])
            self.stdout.write(f"{len(names)} partitions detached: {', '.join(names) or '-'}")
            return
        names = payment_partitions_ensure(timezone.localdate(), ahead=max(options["ahead"], 0))
        self.stdout.write(f"{len(names)} partitions created: {', '.join(names) or '-'}")
