"""Writing rows in bulk: ``COPY … FROM STDIN`` through psycopg 3 on PostgreSQL, multi-row
``executemany`` on SQLite. Rows are handed over column by column; instants as µs since the
epoch (formatted in one vectorised step per column, not one call per value).

Every concrete column of the model is written: those the import does not set take the field's
default, so a column added to a model later cannot be silently left NULL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models

_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": ""})
_SPECIAL = re.compile(r"[\\\t\n\r\x00]")
NULL = "\\N"


@dataclass
class Column:
    name: str  # the database column
    kind: str  # int, text, ts, bool, dec, json (a value, or a str already serialised)
    values: Sequence[Any]


def _kind(field: models.Field[Any, Any]) -> str:
    internal = field.get_internal_type()
    if internal == "DateTimeField":
        return "ts"
    if internal == "BooleanField":
        return "bool"
    if internal == "DecimalField":
        return "dec"
    if internal == "JSONField":
        return "json"
    if internal in {"CharField", "TextField", "EmailField", "SlugField", "URLField"}:
        return "text"
    if internal == "DateField":
        return "date"
    return "int"


def columns_for(
    model: type[models.Model], given: Mapping[str, Sequence[Any]], n: int, now_us: int
) -> list[Column]:
    """All concrete columns of ``model`` (except an auto primary key not given), in order."""
    out: list[Column] = []
    for field in model._meta.concrete_fields:
        column = str(field.column)
        if column in given:
            out.append(Column(column, _kind(field), given[column]))
            continue
        if field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            out.append(Column(column, "ts", [now_us] * n))
        elif field.has_default():
            out.append(Column(column, _kind(field), [field.get_default()] * n))
        elif field.null:
            out.append(Column(column, _kind(field), [None] * n))
        elif field.empty_strings_allowed and _kind(field) == "text":
            out.append(Column(column, "text", [""] * n))
        else:
            raise ImproperlyConfigured(f"the import does not set {model.__name__}.{field.name}")
    unknown = set(given) - {c.name for c in out}
    if unknown:
        raise ImproperlyConfigured(f"{model.__name__} has no columns {sorted(unknown)}")
    return out


def _ts_text(values: Sequence[int | None], *, postgres: bool) -> list[str | None]:
    """Instants (µs since the epoch, None for NULL) as text: ISO with '+00' for PostgreSQL;
    Django's own SQLite format (naive UTC, fraction only when not zero) for SQLite."""
    if not len(values):
        return []
    has_null = None in values
    raw = np.array([0 if v is None else v for v in values] if has_null else values, dtype=np.int64)
    stamps = raw.astype("datetime64[us]")
    if postgres:
        text = np.char.add(np.datetime_as_string(stamps, unit="us"), "+00")
    else:
        whole = raw % 1_000_000 == 0
        text = np.where(
            whole,
            np.datetime_as_string(stamps, unit="s"),
            np.datetime_as_string(stamps, unit="us"),
        )
        text = np.char.replace(text, "T", " ")
    out: list[str | None] = text.tolist()
    if has_null:
        out = [None if v is None else t for v, t in zip(values, out, strict=True)]
    return out


def _copy_all(conn: Any, statements: list[tuple[str, Any]]) -> None:
    """Run statements on a psycopg connection (any thread): ``COPY … FROM STDIN`` with its
    data (bytes), or any other statement with its parameters (a list)."""
    with conn.cursor() as cursor:
        for statement, data in statements:
            if isinstance(data, bytes):
                with cursor.copy(statement) as copy:
                    copy.write(data)
            else:
                cursor.execute(statement, data)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class Writer:
    """The database side of an import, for the connection's backend."""

    postgres: bool

    def __init__(self, *, background: bool = False) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.quote = connection.ops.quote_name
        # On PostgreSQL the COPYs of a batch can run in a thread while the caller reads and
        # checks the next batch: the server's work (indexes, constraints) overlaps Python's.
        # The thread uses the same connection, hence the same transaction; every other use of
        # the connection waits for it first (``flush``).
        self._pool = ThreadPoolExecutor(max_workers=1) if background and self.postgres else None
        self._pending: list[tuple[str, Any]] = []
        self._running: Future[None] | None = None

    def flush(self) -> None:
        """Wait for the COPYs in flight; their error, if any, is raised here."""
        if self._running is not None:
            running, self._running = self._running, None
            running.result()

    def send(self) -> None:
        """Start the COPYs written since the last call (in the background when enabled)."""
        self.flush()
        pending, self._pending = self._pending, []
        if not pending:
            return
        if self._pool is None:
            _copy_all(connection.connection, pending)
        else:
            self._running = self._pool.submit(_copy_all, connection.connection, pending)

    def close(self) -> None:
        try:
            self.flush()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)

    # ----- ids and lookups ------------------------------------------------------------------
    def reserve_ids(self, model: type[models.Model], n: int) -> list[int]:
        """``n`` primary keys nobody else will use, ascending."""
        if n == 0:
            return []
        self.flush()
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, n],
                )
                return sorted(int(row[0]) for row in cursor.fetchall())
            # SQLite: the transaction holds the write lock (BEGIN IMMEDIATE), so the next ids
            # after the largest ever handed out are ours.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self.quote(table)}")  # noqa: S608
            top = int(cursor.fetchone()[0])
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            top = max(top, int(row[0]) if row else 0)
            return list(range(top + 1, top + 1 + n))

    def existing(self, model: type[models.Model], column: str, values: list[str]) -> dict[str, int]:
        """value → id of the rows whose ``column`` is one of ``values``."""
        self.flush()
        table = self.quote(model._meta.db_table)
        found: dict[str, int] = {}
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(
                    f"SELECT {self.quote(column)}, id FROM {table} "  # noqa: S608
                    f"WHERE {self.quote(column)} = ANY(%s)",
                    [values],
                )
                found.update((str(v), int(i)) for v, i in cursor.fetchall())
                return found
            for i in range(0, len(values), 500):
                chunk = values[i : i + 500]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"SELECT {self.quote(column)}, id FROM {table} "  # noqa: S608
                    f"WHERE {self.quote(column)} IN ({marks})",
                    chunk,
                )
                found.update((str(v), int(i)) for v, i in cursor.fetchall())
        return found

    # ----- rows -----------------------------------------------------------------------------
    def write(self, model: type[models.Model], columns: list[Column]) -> None:
        """Rows to write: at once on SQLite; on PostgreSQL at the next ``send``."""
        if not columns or not len(columns[0].values):
            return
        table = self.quote(model._meta.db_table)
        if not self.postgres:
            self._insert(table, columns)
            return
        texts = [self._pg_text(column) for column in columns]
        body = "\n".join(map("\t".join, zip(*texts, strict=True))) + "\n"
        names = ", ".join(self.quote(c.name) for c in columns)
        self._pending.append((f"COPY {table} ({names}) FROM STDIN", body.encode("utf-8")))

    @staticmethod
    def _pg_text(column: Column) -> Sequence[str]:
        values = column.values
        kind = column.kind
        if kind == "ts":
            return [NULL if v is None else v for v in _ts_text(values, postgres=True)]
        if kind == "text":
            if None not in values and not _SPECIAL.search("".join(values)):
                return values  # the usual case: nothing to escape
            return [NULL if v is None else v.translate(_ESCAPE) for v in values]
        if kind == "bool":
            return [NULL if v is None else ("t" if v else "f") for v in values]
        if kind == "json":
            return [
                NULL if v is None else (v if isinstance(v, str) else _json(v)).translate(_ESCAPE)
                for v in values
            ]
        if None not in values:
            return list(map(str, values))
        return [NULL if v is None else str(v) for v in values]

    def set_references(
        self, model: type[models.Model], column: str, ids: list[int], targets: list[int]
    ) -> None:
        """``column`` of the rows ``ids`` := ``targets`` (after the rows they point to are in:
        constraints are checked as each statement ends)."""
        if not ids:
            return
        table, name = self.quote(model._meta.db_table), self.quote(column)
        if self.postgres:
            self._pending.append(
                (
                    f"UPDATE {table} AS t SET {name} = u.target "  # noqa: S608
                    "FROM unnest(%s::bigint[], %s::bigint[]) AS u(id, target) WHERE t.id = u.id",
                    [ids, targets],
                )
            )
            return
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET {name} = %s WHERE id = %s",  # noqa: S608
                list(zip(targets, ids, strict=True)),
            )

    def _insert(self, table: str, columns: list[Column]) -> None:
        converted: list[Sequence[Any]] = []
        for column in columns:
            if column.kind == "ts":
                converted.append(_ts_text(column.values, postgres=False))
            elif column.kind == "json":
                converted.append(
                    [v if v is None or isinstance(v, str) else _json(v) for v in column.values]
                )
            elif column.kind == "dec":
                converted.append([None if v is None else str(v) for v in column.values])
            elif column.kind == "bool":
                converted.append([None if v is None else int(bool(v)) for v in column.values])
            else:
                converted.append(column.values)
        names = ", ".join(self.quote(c.name) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
                list(zip(*converted, strict=True)),
            )
