from typing import Any

from canlian.core.regions.actions import regions_load_national
from canlian.platform.commands import CanlianCommand


class Command(CanlianCommand):
    help = "Load or refresh the national region list (province, prefecture, county) from python-stdnum."

    def handle(self, *args: Any, **options: Any) -> None:
        result = regions_load_national(actor=None)
        self.stdout.write(
            f"national regions: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        )
