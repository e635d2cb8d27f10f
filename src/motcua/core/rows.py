"""Writing one model row with SQL kept per model and columns, for the engine's hot path.

``Model.save`` rebuilds its INSERT or UPDATE through the ORM's compiler on every call; an action
writes four rows and an intake six, and that rebuilding was a tenth of their CPU. These two
functions write the same row (the fields' own ``pre_save`` and ``get_db_prep_save`` give the
values, as in ``save``) with an SQL text made once per model, columns and backend.

They skip ``save``'s signals and any ``save`` override: use them only for models without
either (the tests compare them with ``save`` on SQLite and PostgreSQL).
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models

_INSERTS: dict[tuple[type[models.Model], str], tuple[str, list[Any], list[Any]]] = {}
_UPDATES: dict[tuple[type[models.Model], tuple[str, ...], str], tuple[str, list[Any]]] = {}


def insert_row(obj: models.Model, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """INSERT a new object (its primary key left to the database) and set its primary key."""
    connection = connections[using]
    model = type(obj)
    meta = model._meta
    key = (model, connection.vendor)
    plan = _INSERTS.get(key)
    if plan is None:
        returning = list(meta.db_returning_fields)
        if returning != [meta.pk]:
            raise TypeError(
                f"{model.__name__}: insert_row needs a primary key the database assigns"
            )
        fields = [f for f in meta.local_concrete_fields if f not in returning]
        qn = connection.ops.quote_name
        # Names from the model's own metadata, quoted; values only ever as parameters.
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
            qn(meta.db_table),
            ", ".join(qn(_column(f)) for f in fields),
            ", ".join(["%s"] * len(fields)),
        )
        if connection.features.can_return_columns_from_insert:
            ops: Any = connection.ops  # the method exists where the feature is on
            returning_sql, params = ops.return_insert_columns(returning)
            assert not params
            sql = f"{sql} {returning_sql}"
        plan = _INSERTS[key] = (sql, fields, returning)
    sql, fields, returning = plan
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if connection.features.can_return_columns_from_insert:
            row = cursor.fetchone()
        else:
            pk = meta.pk
            assert pk is not None
            row = (connection.ops.last_insert_id(cursor, meta.db_table, _column(pk)),)
    for field, value in zip(returning, row, strict=True):
        setattr(obj, field.attname, value)
    obj._state.adding = False
    obj._state.db = using


def update_row(
    obj: models.Model, fields: list[str] | tuple[str, ...], *, using: str = DEFAULT_DB_ALIAS
) -> None:
    """UPDATE these fields of a saved object; an error if its row is gone (as ``save``)."""
    connection = connections[using]
    model = type(obj)
    names = tuple(fields)
    key = (model, names, connection.vendor)
    plan = _UPDATES.get(key)
    if plan is None:
        meta = model._meta
        by_name = {f.name: f for f in meta.concrete_fields}
        targets = [by_name[name] for name in names]
        pk = meta.pk
        assert pk is not None
        qn = connection.ops.quote_name
        sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 (as in insert_row)
            qn(meta.db_table),
            ", ".join(f"{qn(_column(f))} = %s" for f in targets),
            qn(_column(pk)),
        )
        plan = _UPDATES[key] = (sql, targets)
    sql, targets = plan
    values = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in targets]
    pk = model._meta.pk
    assert pk is not None
    values.append(pk.get_db_prep_value(obj.pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if cursor.rowcount != 1:
            raise DatabaseError(f"{model.__name__} {obj.pk}: no row was updated.")


def _column(field: Any) -> str:
    column = field.column
    assert column is not None
    return str(column)
