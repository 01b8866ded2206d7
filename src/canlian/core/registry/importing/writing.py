"""The set-based part: staging with COPY, the whole-file checks in SQL, classification and the
INSERT … SELECT / UPDATE writes (no model instance per row)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import islice
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.registry.choices import (
    CertificateEventKind,
    CertificateState,
    HardshipSource,
    LifeStatus,
    PersonSource,
)
from canlian.core.registry.importing.checking import _STAGE_COLUMNS, _STAGE_NAMES, _Rejections, _RowChecker
from canlian.core.registry.importing.columns import (
    _CERT_FIELDS,
    _CLASSIFIED,
    _HARDSHIP_FIELDS,
    _IDS,
    _OPTIONAL_PERSON_TEXT,
    _REJECTED_IDS,
    _REJECTS,
    _STAGE,
    CHUNK_ROWS,
)
from canlian.core.registry.importing.values import _Places
from canlian.core.registry.models import (
    Certificate,
    CertificateEvent,
    HardshipStatus,
    HouseholdMember,
    Person,
)
from canlian.platform.bulk import (
    append_rows,
    count_up_to,
    create_temp_table,
    drop_secondary_keys,
    drop_temp_table,
    is_postgres,
    restore_keys,
)
from canlian.platform.errors import RowError
from canlian.platform.progress import Progress
from canlian.platform.scoping import Scope
from canlian.platform.tabular import TableStream

#: The smallest round of rows between two progress updates.
PROGRESS_MIN_ROUND = 500


def _read_and_stage(
    stream: TableStream, checker: _RowChecker, places: _Places, rejections: _Rejections, progress: Progress
) -> int:
    """Stream the file: check each round of rows and COPY the valid ones into the staging table."""
    if is_postgres():
        # Room for the staging tables in memory; possible only before a session's first temp table.
        try:
            with transaction.atomic():
                _execute("SET temp_buffers = '256MB'")
        except DatabaseError:
            pass
    create_temp_table(_STAGE, _STAGE_COLUMNS)
    rows = stream.rows()
    staged = 0
    # Progress moves once per round, so a small file is read in smaller rounds (about 40 of them):
    # a 20,000-row file would otherwise be one round, its bar at 0 % until it jumps to 100 %.
    estimated = stream.estimated_rows()
    round_rows = CHUNK_ROWS if not estimated else max(PROGRESS_MIN_ROUND, min(CHUNK_ROWS, estimated // 40))
    duplicate_label = checker.label("id_number")
    while True:
        chunk = list(islice(rows, round_rows))
        if not chunk:
            break
        pairs: set[tuple[str, str]] = set()
        codes: set[str] = set()
        pad = checker.pad
        for _number, row in chunk:
            pair, code = checker.region_keys(pad(row))
            if pair is not None:
                pairs.add(pair)
            elif code:
                codes.add(code)
        places.prepare(pairs, codes)
        counter = [0]

        def valid_rows(chunk: list[tuple[int, list[str]]] = chunk, counter: list[int] = counter) -> Iterator:
            check = checker.check
            for number, row in chunk:
                staged_row, errors, id_number = check(number, row)
                if staged_row is not None:
                    counter[0] += 1
                    yield staged_row
                    continue
                errors = errors or []
                first = rejections.ids.get(id_number) if id_number else None
                if first is not None:
                    errors.append(
                        RowError(
                            number,
                            duplicate_label,
                            _("The ID number is already on row %(row)s of this file.") % {"row": first},
                            id_number,
                        )
                    )
                rejections.add(number, errors, id_number)

        if is_postgres():
            append_rows(_STAGE, _STAGE_NAMES, valid_rows())
        else:
            with transaction.atomic():
                append_rows(_STAGE, _STAGE_NAMES, valid_rows())
        staged += counter[0]
        progress.advance(len(chunk))
    return staged


def _fetch(sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def _execute(sql: str, params: Any = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def _scope_predicate(scope: Scope, column: str) -> tuple[str, list[str]]:
    """SQL true when ``column`` lies in the scope (prefix matches)."""
    if scope.everything:
        return "1 = 1", []
    if not scope.prefixes:
        return "1 = 0", []
    prefixes = sorted(scope.prefixes)
    return "(" + " OR ".join(f"{column} LIKE %s" for _p in prefixes) + ")", [p + "%" for p in prefixes]


def _reject_in_sql(*, scope: Scope, checker: _RowChecker, rejections: _Rejections, stage_empty: bool) -> None:
    """What only the whole file and the registry can tell: repeated IDs, IDs registered outside the
    importer's scope, certificates older than the one recorded. Rejected rows leave the staging table."""
    P, C = Person._meta.db_table, Certificate._meta.db_table
    create_temp_table(_REJECTED_IDS, [("id_number", "varchar(18)"), ("row_no", "integer")])
    if rejections.ids:
        append_rows(_REJECTED_IDS, ["id_number", "row_no"], list(rejections.ids.items()))
    create_temp_table(_REJECTS, [("row_no", "integer"), ("kind", "varchar(16)"), ("other_row", "integer")])
    if stage_empty:
        return
    id_label = checker.label("id_number")
    # An ID repeated later in the file: the first row stays, whether it was valid or not.
    all_ids = (
        f"(SELECT id_number, row_no FROM {_STAGE} UNION ALL SELECT id_number, row_no FROM {_REJECTED_IDS})"
        if rejections.ids
        else _STAGE
    )
    _execute(
        f"""INSERT INTO {_REJECTS} (row_no, kind, other_row)
            SELECT s.row_no, 'duplicate', f.first_row FROM {_STAGE} s
            JOIN (SELECT id_number, MIN(row_no) AS first_row FROM {all_ids} a
                  GROUP BY id_number HAVING COUNT(*) > 1) f ON f.id_number = s.id_number
            WHERE s.row_no > f.first_row"""
    )
    # A rejected row whose ID is on an earlier valid row: one more reason for it.
    if rejections.ids:
        for row_no, first in _fetch(
            f"""SELECT r.row_no, MIN(s.row_no) FROM {_REJECTED_IDS} r
                JOIN {_STAGE} s ON s.id_number = r.id_number AND s.row_no < r.row_no GROUP BY r.row_no"""
        ):
            rejections.add(
                row_no,
                [
                    RowError(
                        row_no,
                        id_label,
                        _("The ID number is already on row %(row)s of this file.") % {"row": first},
                    )
                ],
            )
    # Registered outside the importer's scope: refused without a word about where.
    if not scope.everything:
        predicate, params = _scope_predicate(scope, "p.region_code")
        _execute(
            f"""INSERT INTO {_REJECTS} (row_no, kind, other_row)
                SELECT s.row_no, 'scope', NULL FROM {_STAGE} s JOIN {P} p ON p.id_number = s.id_number
                WHERE NOT {predicate} AND s.row_no NOT IN (SELECT row_no FROM {_REJECTS})""",
            params,
        )
    # A certificate older than the one in force, and not one we know: the ledger is behind.
    if checker.has_cert:
        _execute(
            f"""INSERT INTO {_REJECTS} (row_no, kind, other_row)
                SELECT s.row_no, 'stale', NULL FROM {_STAGE} s
                JOIN {P} p ON p.id_number = s.id_number
                JOIN {C} c ON c.person_id = p.id AND c.state = 'active'
                WHERE s.issue_date < c.issue_date
                  AND NOT EXISTS (SELECT 1 FROM {C} x WHERE x.number = s.cert_number AND x.issue_date = s.issue_date)
                  AND s.row_no NOT IN (SELECT row_no FROM {_REJECTS})"""
        )
    found = _fetch(f"SELECT row_no, kind, other_row FROM {_REJECTS} ORDER BY row_no")
    if not found:
        return
    messages = {
        "scope": (id_label, _("This ID number is already registered and cannot be imported here.")),
        "stale": (
            checker.label("issue_date"),
            _("The registry holds a newer certificate for this person than the one on this row."),
        ),
    }
    for row_no, kind, other in found:
        if kind == "duplicate":
            field_label, message = (
                id_label,
                _("The ID number is already on row %(row)s of this file.") % {"row": other},
            )
        else:
            field_label, message = messages[kind]
        rejections.add(row_no, [RowError(row_no, field_label, str(message))])
    _execute(f"DELETE FROM {_STAGE} WHERE row_no IN (SELECT row_no FROM {_REJECTS})")


def _json_object(pairs: list[tuple[str, str]]) -> str:
    func = "jsonb_build_object" if is_postgres() else "json_object"
    return f"{func}(" + ", ".join(f"'{k}', {v}" for k, v in pairs) + ")"


def _classify(index: dict[str, int], today: dt.date) -> str:
    """One statement: each staged row against its person, certificate in force and statuses.
    Returns the SQL condition of a changed row."""
    P, C, H = Person._meta.db_table, Certificate._meta.db_table, HardshipStatus._meta.db_table
    person_changes = ["p.name <> s.name", "p.region_code <> s.region_code"]
    for key in _OPTIONAL_PERSON_TEXT:
        if key in index:
            person_changes.append(f"(s.{key} IS NOT NULL AND p.{key} <> s.{key})")
    hardship_cols = []
    hardship_changes = []
    for key, kind in _HARDSHIP_FIELDS.items():
        if key not in index:
            hardship_cols.append(f"0 AS {key}_change")
            continue
        open_exists = f"EXISTS (SELECT 1 FROM {H} h WHERE h.person_id = p.id AND h.kind = '{kind}' AND h.valid_to IS NULL)"
        blocked = (
            f"EXISTS (SELECT 1 FROM {H} h WHERE h.person_id = p.id AND h.kind = '{kind}' "
            f"AND (h.valid_to IS NULL OR h.valid_to >= %(today)s))"
        )
        expr = (
            f"CASE WHEN s.{key} = 1 AND (p.id IS NULL OR NOT {blocked}) THEN 1 "
            f"WHEN s.{key} = 0 AND p.id IS NOT NULL AND {open_exists} THEN 1 ELSE 0 END"
        )
        hardship_cols.append(f"{expr} AS {key}_change")
        hardship_changes.append(f"{key}_change")
    known = f"EXISTS (SELECT 1 FROM {C} x WHERE x.number = s.cert_number AND x.issue_date = s.issue_date)"
    cert_action = f"""CASE
        WHEN s.cert_number IS NULL THEN 'none'
        WHEN c.id IS NULL THEN CASE WHEN p.id IS NOT NULL AND {known} THEN 'none' ELSE 'new' END
        WHEN c.number = s.cert_number AND c.issue_date = s.issue_date THEN
            CASE WHEN s.valid_until IS NOT NULL AND c.valid_until <> s.valid_until THEN 'update' ELSE 'none' END
        WHEN {known} THEN 'none'
        ELSE 'supersede' END"""
    event_kind = f"""CASE
        WHEN c.id IS NULL THEN '{CertificateEventKind.IMPORTED}'
        WHEN c.category <> s.category OR c.grade <> s.grade THEN '{CertificateEventKind.REASSESSED}'
        WHEN c.issue_date = s.issue_date THEN '{CertificateEventKind.REISSUED}'
        ELSE '{CertificateEventKind.RENEWED}' END"""
    drop_temp_table(_CLASSIFIED)
    _execute(
        f"""CREATE TEMPORARY TABLE {_CLASSIFIED} AS
            SELECT s.*, p.id AS person_id,
              CASE WHEN p.id IS NULL THEN 1 ELSE 0 END AS is_new,
              CASE WHEN p.id IS NOT NULL AND ({" OR ".join(person_changes)}) THEN 1 ELSE 0 END AS person_changed,
              c.id AS cert_id,
              {cert_action} AS cert_action,
              {event_kind} AS event_kind,
              {", ".join(hardship_cols)}
            FROM {_STAGE} s
            LEFT JOIN {P} p ON p.id_number = s.id_number
            LEFT JOIN {C} c ON c.person_id = p.id AND c.state = 'active'""",
        {"today": today},
    )
    if is_postgres():
        _execute(f"ANALYZE {_CLASSIFIED} (person_id, id_number, cert_action, cert_id)")
    changed = ["person_changed = 1", "cert_action <> 'none'", *[f"{h} = 1" for h in hardship_changes]]
    return " OR ".join(changed)


def _counts(changed_sql: str) -> tuple[int, int, int]:
    new, updated, total = _fetch(
        f"""SELECT COALESCE(SUM(is_new), 0),
                   COALESCE(SUM(CASE WHEN is_new = 0 AND ({changed_sql}) THEN 1 ELSE 0 END), 0),
                   COUNT(*) FROM {_CLASSIFIED}"""
    )[0]
    return int(new), int(updated), int(total) - int(new) - int(updated)


#: A load of at least this many new people into a table holding fewer rebuilds the indexes afterwards.
BULK_MIN_ROWS = 50_000


def _write(*, index: dict[str, int], actor: Any, note: str, today: dt.date, new: int) -> None:
    """The set-based writes, in the caller's transaction.

    A large load into a (nearly) empty registry on PostgreSQL drops the secondary indexes and foreign
    keys of the tables it fills and rebuilds them at the end (faster than maintaining them row by
    row); the DDL locks those tables until the import commits."""
    P, C = Person._meta.db_table, Certificate._meta.db_table
    E, H = CertificateEvent._meta.db_table, HardshipStatus._meta.db_table
    restore: list[str] = []
    if is_postgres() and new >= BULK_MIN_ROWS and count_up_to(P, new) < new:
        restore = drop_secondary_keys([P, C, E, H], keep_unique=[(P, "id_number")])
    _write_rows(index=index, actor=actor, note=note, today=today)
    if restore:
        restore_keys(restore, analyze=[P, C, E, H])


def _write_rows(*, index: dict[str, int], actor: Any, note: str, today: dt.date) -> None:
    P, C = Person._meta.db_table, Certificate._meta.db_table
    E, H = CertificateEvent._meta.db_table, HardshipStatus._meta.db_table
    now = timezone.now()
    params: dict[str, Any] = {"now": now, "today": today}
    # People: new ones inserted, changed ones updated (only the columns the file provides, never
    # blanking a value with an empty cell).
    optional = [k for k in _OPTIONAL_PERSON_TEXT if k in index]
    sets = [
        "name = excluded.name",
        "name_pinyin = excluded.name_pinyin",
        "name_initials = excluded.name_initials",
        "region_code = excluded.region_code",
    ]
    where = [f"{P}.name <> excluded.name", f"{P}.region_code <> excluded.region_code"]
    for key in optional:
        sets.append(f"{key} = CASE WHEN excluded.{key} <> '' THEN excluded.{key} ELSE {P}.{key} END")
        where.append(f"(excluded.{key} <> '' AND excluded.{key} <> {P}.{key})")
    sets.append("updated_at = excluded.updated_at")
    upsert = f"""INSERT INTO {P} (name, name_pinyin, name_initials, id_number, sex, birth_date, ethnicity,
                phone, region_code, residence_address, hukou_region_code, hukou_address, hukou_type, life_status,
                life_status_date, source, created_at, updated_at)
            SELECT name, name_pinyin, name_initials, id_number, sex, birth_date, COALESCE(ethnicity, ''),
                COALESCE(phone, ''), region_code, COALESCE(residence_address, ''), region_code,
                COALESCE(hukou_address, ''), COALESCE(hukou_type, ''), '{LifeStatus.LIVING}', NULL,
                '{PersonSource.IMPORTED}', %(now)s, %(now)s
            FROM {_CLASSIFIED} WHERE is_new = 1 OR person_changed = 1
            ON CONFLICT (id_number) DO UPDATE SET {", ".join(sets)}
            WHERE {" OR ".join(where)}"""
    if is_postgres():
        # The new people's ids come back from the insert: later statements join this narrow table
        # instead of the whole registry.
        create_temp_table(_IDS, [("id", "bigint"), ("id_number", "varchar(18)")])
        _execute(
            f"WITH up AS ({upsert} RETURNING id, id_number) INSERT INTO {_IDS} SELECT id, id_number FROM up",
            params,
        )
        _execute(f"ANALYZE {_IDS}")
        persons = (
            f"{_CLASSIFIED} k LEFT JOIN {_IDS} n ON n.id_number = k.id_number",
            "COALESCE(k.person_id, n.id)",
        )
    else:
        _execute(upsert, params)
        persons = (f"{_CLASSIFIED} k JOIN {P} p ON p.id_number = k.id_number", "p.id")
    if any(k in index for k in _CERT_FIELDS):
        _write_certificates(P, C, E, params, actor=actor, note=note, persons=persons)
    for key, kind in _HARDSHIP_FIELDS.items():
        if key not in index:
            continue
        # 否 ends an open status as of the day before; 是 opens one if none is open.
        _execute(
            f"""UPDATE {H} SET valid_to = CASE WHEN valid_from > %(yesterday)s THEN valid_from ELSE %(yesterday)s END
                WHERE kind = %(kind)s AND valid_to IS NULL AND person_id IN (
                    SELECT person_id FROM {_CLASSIFIED} WHERE {key} = 0 AND {key}_change = 1)""",
            {"yesterday": today - dt.timedelta(days=1), "kind": str(kind)},
        )
        _execute(
            f"""INSERT INTO {H} (person_id, kind, monitored_type, risk_cause, valid_from, valid_to, source,
                    note, created_at)
                SELECT {persons[1]}, %(kind)s, '', '', %(today)s, NULL, '{HardshipSource.IMPORTED}', %(note)s,
                    %(now)s
                FROM {persons[0]}
                WHERE k.{key} = 1 AND k.{key}_change = 1""",
            {**params, "kind": str(kind), "note": note[:200]},
        )


def _write_certificates(
    P: str, C: str, E: str, params: dict[str, Any], *, actor: Any, note: str, persons: tuple[str, str]
) -> None:
    """Certificates in force, replaced ones and their events. ``persons`` is the FROM clause giving
    each classified row ``k`` its person, and the SQL of that person's id."""
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    values = [
        ("number", "c.number"),
        ("category", "c.category"),
        ("grade", "c.grade"),
        ("issue_date", "c.issue_date"),
        ("valid_until", "c.valid_until"),
        ("state", "c.state"),
    ]
    old_values = _json_object([(k, v.replace("c.", "o.")) for k, v in values])
    # A corrected validity on the certificate in force: its event, then the change.
    _execute(
        f"""INSERT INTO {E} (person_id, certificate_id, kind, "on", old_values, new_values, note, actor_id,
                created_at)
            SELECT k.person_id, k.cert_id, '{CertificateEventKind.UPDATED}', %(today)s,
                {_json_object([("valid_until", "c.valid_until")])}, {_json_object([("valid_until", "k.valid_until")])},
                %(note)s, %(actor)s, %(now)s
            FROM {_CLASSIFIED} k JOIN {C} c ON c.id = k.cert_id WHERE k.cert_action = 'update'""",
        {**params, "note": note[:200], "actor": actor_id},
    )
    _execute(
        f"""UPDATE {C} SET valid_until = (SELECT k.valid_until FROM {_CLASSIFIED} k WHERE k.cert_id = {C}.id),
                updated_at = %(now)s
            WHERE id IN (SELECT cert_id FROM {_CLASSIFIED} WHERE cert_action = 'update')""",
        params,
    )
    # A different certificate replaces the one in force (re-assessment, renewal, re-issue).
    _execute(
        f"""UPDATE {C} SET state = '{CertificateState.SUPERSEDED}', updated_at = %(now)s,
                superseded_on = (SELECT MIN(k.issue_date) FROM {_CLASSIFIED} k
                                 WHERE k.cert_id = {C}.id AND k.cert_action = 'supersede')
            WHERE state = '{CertificateState.ACTIVE}'
              AND id IN (SELECT cert_id FROM {_CLASSIFIED} WHERE cert_action = 'supersede')""",
        params,
    )
    insert_certs = f"""INSERT INTO {C} (person_id, number, category, grade, issue_date, valid_until, state,
                cancelled_on, cancel_reason, cancel_note, created_at, updated_at)
            SELECT {persons[1]}, k.cert_number, k.category, k.grade, k.issue_date, k.valid_until_eff,
                '{CertificateState.ACTIVE}', NULL, '', '', %(now)s, %(now)s
            FROM {persons[0]}
            WHERE k.cert_action IN ({{actions}})"""
    insert_events = f"""INSERT INTO {E} (person_id, certificate_id, kind, "on", old_values, new_values, note,
                actor_id, created_at)"""
    event_params = {**params, "note": note[:200], "actor": actor_id}
    if is_postgres():
        # New certificates and their "imported" events in one statement, without joining back.
        _execute(
            f"""WITH ins AS ({insert_certs.format(actions="'new'")} RETURNING id, person_id)
                {insert_events}
                SELECT person_id, id, '{CertificateEventKind.IMPORTED}', %(today)s, NULL, NULL, %(note)s,
                    %(actor)s, %(now)s FROM ins""",
            event_params,
        )
        actions = "'supersede'"
    else:
        actions = "'new', 'supersede'"
    _execute(insert_certs.format(actions=actions), params)
    _execute(
        f"""{insert_events}
            SELECT c.person_id, c.id, k.event_kind,
                CASE WHEN k.cert_action = 'new' THEN %(today)s ELSE k.issue_date END,
                CASE WHEN k.cert_action = 'new' THEN NULL ELSE {old_values} END,
                CASE WHEN k.cert_action = 'new' THEN NULL ELSE {_json_object(values)} END,
                %(note)s, %(actor)s, %(now)s
            FROM {_CLASSIFIED} k JOIN {C} c ON c.number = k.cert_number AND c.issue_date = k.issue_date
            LEFT JOIN {C} o ON o.id = k.cert_id
            WHERE k.cert_action IN ({actions})""",
        event_params,
    )


def _refresh_households(index: dict[str, int]) -> None:
    """Household flags depend on certificates in force and orphan statuses: refresh the touched ones."""
    from canlian.core.registry.actions import households_refresh_flags

    if "orphan" not in index and not any(k in index for k in _CERT_FIELDS):
        return
    M = HouseholdMember._meta.db_table
    orphan = "OR k.orphan_change = 1" if "orphan" in index else ""
    ids = [
        row[0]
        for row in _fetch(
            f"""SELECT DISTINCT m.household_id FROM {M} m JOIN {_CLASSIFIED} k ON k.person_id = m.person_id
                WHERE k.cert_action <> 'none' {orphan}"""
        )
    ]
    for start in range(0, len(ids), 5000):
        households_refresh_flags(household_ids=ids[start : start + 5000])
