"""Demo people for a city: certificate holders with valid IDs, certificates and their history,
hardship statuses, households with their relatives, and screening (摸排) records.

Everything is drawn from one ``random.Random(seed)`` in a fixed order, so the same seed, region,
size and day give the same people. Rows are built as tuples in Python and written set-based: COPY
into the real tables on PostgreSQL (ids allocated explicitly from a reserved range, sequences moved
past them afterwards), one ``executemany`` per table and chunk on SQLite. No model instance is
ever built per row. The household flags are refreshed at the end with the registry's own
``households_refresh_flags``.

Re-running with demo people already in the region generates nothing (see ``generate_demo_persons``).
"""

from __future__ import annotations

import datetime as dt
import gc
import time

from django.db import connection, transaction
from django.utils import timezone

from canlian.core.registry.actions import households_refresh_flags
from canlian.core.registry.choices import PersonSource
from canlian.core.registry.models import (
    Certificate,
    CertificateEvent,
    HardshipStatus,
    Household,
    HouseholdMember,
    Person,
    ScreeningRecord,
    SubDisability,
)
from canlian.demo.persons.generator import DemoPersonsResult, _Generator
from canlian.demo.persons.mix import MIX, DemoMix
from canlian.demo.persons.names import check_character
from canlian.demo.persons.places import Place, demo_places
from canlian.demo.persons.writing import (
    _drop_keys,
    _existing_rows,
    _move_sequence,
    _reserve_ids,
    _restore_keys,
    _Writer,
)
from canlian.platform.bulk import is_postgres
from canlian.platform.progress import NullProgress, Progress


def demo_persons_exist(region_code: str) -> int:
    return Person.objects.filter(source=PersonSource.DEMO, region_code__startswith=region_code).count()


def _taken_ids(places: list[Place]) -> set[str]:
    taken: set[str] = set()
    for area in sorted({p.area for p in places}):
        taken.update(Person.objects.filter(id_number__startswith=area).values_list("id_number", flat=True))
    return taken


#: Households refreshed by id list up to this many; above it every household (one UPDATE).
_FLAGS_BY_ID_LIMIT = 20_000
#: From this many people (and at least as many as the table holds) a PostgreSQL load drops and
#: rebuilds the registry tables' indexes and keys (see ``_KEYS_SQL``).
BULK_FROM = 100_000


def generate_demo_persons(
    *,
    region_code: str,
    count: int,
    seed: int,
    today: dt.date | None = None,
    progress: Progress | None = None,
    mix: DemoMix = MIX,
    chunk: int = 20_000,
    bulk: bool | None = None,
) -> DemoPersonsResult:
    """Generate ``count`` demo people living in ``region_code`` (a city, county or smaller) in one
    transaction.

    Idempotent by skipping: when the region already holds demo people (source ``demo``), nothing is
    generated and the result says ``skipped``. Deleting demo people is not attempted, because later
    layers (programs, payments) will point at them; a fresh database is the way to regenerate.

    ``bulk`` (PostgreSQL; default: from ``BULK_FROM`` people when the load at least doubles the
    person table) drops the foreign keys and value-led indexes for the load and rebuilds them before
    commit (``_KEYS_SQL``). The tables are locked for writes throughout, and for reads too in bulk mode.
    """
    progress = progress or NullProgress()
    today = today or timezone.localdate()
    result = DemoPersonsResult(region_code=region_code, requested=count)
    existing = demo_persons_exist(region_code)
    if existing:
        result.skipped, result.existing = True, existing
        return result
    places = demo_places(region_code, today)
    if not places:
        raise ValueError(f"No regions under {region_code}: load the regions first.")
    started = time.perf_counter()
    models = (
        Person,
        Certificate,
        SubDisability,
        CertificateEvent,
        HardshipStatus,
        Household,
        HouseholdMember,
        ScreeningRecord,
    )
    if bulk is None:
        bulk = is_postgres() and count >= BULK_FROM and count >= _existing_rows(Person)
    with transaction.atomic():
        ids = (_reserve_ids(Person), _reserve_ids(Certificate), _reserve_ids(Household))
        gen = _Generator(
            places=places,
            count=count,
            seed=seed,
            today=today,
            taken=_taken_ids(places),
            mix=mix,
            ids=ids,
        )
        restore = _drop_keys(models) if bulk and is_postgres() else []
        progress.start(count, stage="people")
        reported = 0
        writer = _Writer()
        gc_was_enabled = gc.isenabled()
        gc.disable()  # millions of short-lived row tuples: the cyclic collector only costs time here
        try:
            while gen.made < count:
                gen.unit()
                if gen.pending() >= chunk:
                    gen.flush(writer)
                    progress.advance(gen.made - reported)
                    reported = gen.made
            gen.screening()
            gen.flush(writer)
        finally:
            if gc_was_enabled:
                gc.enable()
            writer.close()
        progress.advance(gen.made - reported)
        result.seconds["rows"] = time.perf_counter() - started
        mark = time.perf_counter()
        if restore:
            progress.log(f"indexes and keys: {len(restore)}")
            _restore_keys(restore)
        result.seconds["keys"] = time.perf_counter() - mark
        for model in (Person, Certificate, Household):
            _move_sequence(model)
        mark = time.perf_counter()
        # Fresh statistics first: without them both planners pick a scan of every certificate per
        # household for the flag subqueries (SQLite: 24 s instead of 0.03 s for 3,000 people).
        with connection.cursor() as cursor:
            for model in (Person, Certificate, HardshipStatus, Household, HouseholdMember):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        households = gen.next_household - ids[2]
        progress.log(f"household flags for {households:,} households")
        if households <= _FLAGS_BY_ID_LIMIT:
            households_refresh_flags(household_ids=list(range(ids[2], gen.next_household)), on=today)
        else:
            households_refresh_flags(on=today)
        result.seconds["flags"] = time.perf_counter() - mark
        mark = time.perf_counter()
    result.seconds["commit"] = time.perf_counter() - mark
    result.seconds["total"] = time.perf_counter() - started
    result.counts = {
        "persons": gen.t_person.written,
        "certificates": gen.t_cert.written,
        "sub_disabilities": gen.t_sub.written,
        "certificate_events": gen.t_event.written,
        "hardship_statuses": gen.t_hardship.written,
        "households": gen.t_household.written,
        "household_members": gen.t_member.written,
        "screening_records": gen.t_screening.written,
    }
    return result


__all__ = [
    "MIX",
    "DemoMix",
    "DemoPersonsResult",
    "Place",
    "check_character",
    "demo_persons_exist",
    "demo_places",
    "generate_demo_persons",
]
