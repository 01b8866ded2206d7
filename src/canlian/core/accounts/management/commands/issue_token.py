from typing import Any

from django.core.management.base import CommandError

from canlian.core.accounts.actions import token_issue
from canlian.core.accounts.models import User
from canlian.platform.commands import CanlianCommand


class Command(CanlianCommand):
    help = "Issue an API token for user NAME and print it (it is shown only once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name")
        parser.add_argument("--label", default="", help="what the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["name"]).first()
        if user is None:
            raise CommandError(f"No user {options['name']!r}.")
        _token, raw = token_issue(actor=None, user_id=user.pk, name=options["label"])
        self.stdout.write(raw)
