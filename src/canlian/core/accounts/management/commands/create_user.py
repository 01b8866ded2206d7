import getpass
from typing import Any

from django.core.management.base import CommandError

from canlian.core.accounts.actions import user_create
from canlian.core.permissions import Role
from canlian.core.regions.models import Region
from canlian.platform.commands import CanlianCommand


class Command(CanlianCommand):
    help = "Create a user holding ROLE in region CODE."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--region", required=True, help="region code (e.g. 370502)")
        parser.add_argument(
            "--password", help="initial password (prompted when omitted and stdin is a terminal)"
        )
        parser.add_argument("--display-name", default="")
        parser.add_argument(
            "--superuser", action="store_true", help="also a Django superuser (national scope)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        region = Region.objects.filter(code=options["region"]).first()
        if region is None:
            raise CommandError(
                f"Unknown region code {options['region']!r}; load regions first (canlian load-regions)."
            )
        password = options.get("password")
        if password is None and self.stdin_is_tty():
            password = getpass.getpass("Password: ")
        user = user_create(
            actor=None,
            username=options["name"],
            password=password,
            role=options["role"],
            region=region,
            display_name=options["display_name"],
        )
        if options["superuser"]:
            type(user).objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True)
        self.stdout.write(f"created {user.username}: {options['role']} @ {region.name} ({region.code})")

    @staticmethod
    def stdin_is_tty() -> bool:
        import sys

        return sys.stdin is not None and sys.stdin.isatty()
