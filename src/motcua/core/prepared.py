"""Reads of a fixed shape whose SQL is compiled once, for the hot paths.

The ORM compiles a queryset into SQL on every execution; on a request that runs a handful of
small indexed reads (an action, a lookup) that compiling was a quarter to a third of the
request's CPU. A ``Prepared`` read is declared once as a function of its parameters returning
the queryset; the first execution on a connection compiles it as usual and keeps the SQL, the
column converters and the way rows become model instances (Django's own, as ``ModelIterable``
does); later executions send the kept SQL with the new parameters.

Only a shape whose compiled parameters are exactly the function's arguments, in order, is kept
(the first compile checks it): filters on plain values, ordering, slicing, ``only``,
``select_related``, ``select_for_update``. Any other shape — a value the backend adapts (a
datetime on SQLite), a parameter the ORM adds — runs through the ORM every time, correct and
uncached. Results are model instances exactly as the queryset would give them (tested against
the ORM on SQLite and PostgreSQL).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.query import QuerySet, get_related_populators
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=models.Model)


def _same_kind(compiled: Any, given: Any) -> bool:
    """The compiled parameter is the argument as given, or wrapped in a subclass of its type
    (psycopg's ``Int8(5)`` for ``5``); a bool is never taken for an int."""
    kind = type(given)
    return kind is not bool and isinstance(compiled, kind) and compiled == given


def _positions(compiled: Sequence[Any], params: Sequence[Any]) -> tuple[int, ...] | None:
    """For each compiled parameter, the one argument it is (the ORM orders them its own way:
    keyword filters by name); None unless each is exactly one argument, each used once."""
    order = []
    for value in compiled:
        matches = [i for i, given in enumerate(params) if _same_kind(value, given)]
        if len(matches) != 1:
            return None
        order.append(matches[0])
    return tuple(order) if len(set(order)) == len(order) else None


@dataclass(frozen=True)
class _Plan:
    sql: str
    order: tuple[int, ...]  # the argument each SQL parameter is
    wrappers: tuple[Any, ...]  # the type to wrap it in, or None
    col_count: int
    converters: dict[int, tuple[list[Any], Any]]
    model: type[models.Model]
    start: int
    end: int
    init_list: list[str]
    populators: list[Any]
    annotations: dict[str, int]
    for_update: bool


class Prepared(Generic[M]):
    def __init__(self, build: Callable[..., QuerySet[M]], *, using: str = DEFAULT_DB_ALIAS):
        self.build = build
        self.using = using
        # Per thread: a plan's converters are bound to the connection that compiled it, and
        # Django's connections are per thread.
        self._local = threading.local()

    def __call__(self, *params: Any) -> list[M]:
        connection = connections[self.using]
        plans: dict[str, _Plan | None] = self._local.__dict__.setdefault("plans", {})
        # The key includes the backend's vendor: tests may switch databases under one thread.
        key = f"{connection.alias}:{connection.vendor}:{id(connection)}"
        if key not in plans:
            return self._compile(params, plans, key)
        plan = plans[key]
        if plan is None:
            return list(self.build(*params))
        if plan.for_update and connection.get_autocommit():  # as the ORM checks it
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        values = [
            wrap(params[i]) if wrap is not None else params[i]
            for i, wrap in zip(plan.order, plan.wrappers, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, values)
            fetched = cursor.fetchall()
        return [self._instance(plan, row, connection) for row in fetched]

    def first(self, *params: Any) -> M | None:
        rows = self(*params)
        return rows[0] if rows else None

    def _compile(self, params: Sequence[Any], plans: dict[str, _Plan | None], key: str) -> list[M]:
        """Run the queryset through the ORM, keeping how it did it if it can be reused."""
        queryset = self.build(*params)
        query = queryset.query
        compiler = query.get_compiler(using=self.using)
        sql, compiled = compiler.as_sql()
        rows = list(queryset)
        if not (
            queryset._iterable_class.__name__ == "ModelIterable"
            and not queryset._prefetch_related_lookups  # type: ignore[attr-defined]
            and not queryset._known_related_objects  # type: ignore[attr-defined]
            and not compiler.has_extra_select
            and len(compiled) == len(params)
        ):
            plans[key] = None  # never reusable: the ORM every time
            return rows
        order = _positions(compiled, params)
        if order is None:
            # Two arguments of equal value (which is which?) or a value the backend adapted:
            # compiled again on the next call, kept once a call tells them apart.
            return rows
        select, klass_info = compiler.select, compiler.klass_info
        assert klass_info is not None
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        plans[key] = _Plan(
            sql=sql,
            order=order,
            # The ORM's own parameter types (psycopg's Int8 for a big integer column).
            wrappers=tuple(
                type(c) if type(c) is not type(params[i]) else None
                for c, i in zip(compiled, order, strict=True)
            ),
            col_count=compiler.col_count,
            converters=compiler.get_converters([s[0] for s in select[: compiler.col_count]]),
            model=klass_info["model"],
            start=start,
            end=end,
            init_list=[f[0].target.attname for f in select[start:end]],
            # The stubs describe a later Django; 5.2 takes these three.
            populators=get_related_populators(klass_info, select, self.using),  # type: ignore[call-arg]
            annotations=dict(compiler.annotation_col_map or {}),
            for_update=bool(query.select_for_update)
            and connections[self.using].features.has_select_for_update,
        )
        return rows

    def _instance(self, plan: _Plan, row: Sequence[Any], connection: Any) -> M:
        if plan.converters:
            values = list(row)
            for position, (converters, expression) in plan.converters.items():
                value = values[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                values[position] = value
            row = values
        obj = plan.model.from_db(self.using, plan.init_list, row[plan.start : plan.end])
        for populator in plan.populators:
            populator.populate(row, obj)
        for name, position in plan.annotations.items():
            setattr(obj, name, row[position])
        return obj  # type: ignore[return-value]
