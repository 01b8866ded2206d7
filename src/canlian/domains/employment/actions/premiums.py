"""The pension premium paid on behalf of people: the yearly standard of a region."""

import datetime as dt
from typing import Any

from django.db import transaction

from canlian.domains.employment.actions._common import (
    _year,
)

# --- the pension premium paid on behalf of people ------------------------------------------------


@transaction.atomic
def premium_year_set(
    *,
    actor: Any,
    region_code: str,
    year: Any,
    amount: Any,
    grades: str = "",
    hardship: str = "",
    note: str = "",
) -> Any:
    """The yearly pension premium of a region for ``year``: an engine standard of the program in force
    1–31 January of the year, so the January cycle pays it once (audited by the engine)."""
    from canlian.domains.employment.presets import PENSION
    from canlian.programs.rules.actions import standard_create

    year = _year(year)
    return standard_create(
        actor=actor,
        program=PENSION,
        region_code=region_code,
        valid_from=dt.date(year, 1, 1),
        valid_to=dt.date(year, 1, 31),
        amount=amount,
        grades=grades,
        hardship=hardship,
        note=note or f"{year} 城乡居民养老保险代缴",
    )
