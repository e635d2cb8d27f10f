"""Per-process caches of reference rows (agencies, procedure versions) read on hot paths.

Reading a dossier with its agencies and procedure in one join costs PostgreSQL more to plan
than to run; these rows change rarely, so hot paths take them from here instead. An entry is
trusted for ``ttl`` seconds; a change elsewhere is seen within that delay. Entries are shared
read-only model instances: never modify one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from django.db import models
from django.db.models import QuerySet

M = TypeVar("M", bound=models.Model)


class RefCache(Generic[M]):
    def __init__(
        self,
        model: type[M],
        ttl: float,
        related: Iterable[str] = (),
        fields: Iterable[str] = (),
    ) -> None:
        self.model = model
        self.ttl = ttl
        self.related = tuple(related)
        self.fields = tuple(fields)  # only these columns (a deferred one is read on access)
        self._rows: dict[Any, tuple[float, M]] = {}
        self._codes: dict[str, tuple[float, Any]] = {}  # code → primary key
        self._lock = threading.Lock()

    def get(self, pk: Any) -> M:
        """The row with this primary key (``DoesNotExist`` when there is none)."""
        now = time.monotonic()
        hit = self._rows.get(pk)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        row = self._rows_read().get(pk=pk)
        with self._lock:
            self._rows[pk] = (now, row)
        return row

    def by_code(self, code: str) -> M | None:
        """The row with this ``code`` (agencies, procedures), or None; trusted as ``get``."""
        now = time.monotonic()
        hit = self._codes.get(code)
        if hit is not None and now - hit[0] < self.ttl:
            return self.get(hit[1])
        row = self._rows_read().filter(code=code).order_by("pk").first()
        if row is None:
            return None
        with self._lock:
            self._rows[row.pk] = (now, row)
            self._codes[code] = (now, row.pk)
        return row

    def _rows_read(self) -> QuerySet[M]:
        queryset = self.model._default_manager.all()
        if self.related:
            queryset = queryset.select_related(*self.related)
        if self.fields:
            queryset = queryset.only(*self.fields)
        return queryset

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()
            self._codes.clear()
