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

M = TypeVar("M", bound=models.Model)


class RefCache(Generic[M]):
    def __init__(self, model: type[M], ttl: float, related: Iterable[str] = ()) -> None:
        self.model = model
        self.ttl = ttl
        self.related = tuple(related)
        self._rows: dict[Any, tuple[float, M]] = {}
        self._lock = threading.Lock()

    def get(self, pk: Any) -> M:
        """The row with this primary key (``DoesNotExist`` when there is none)."""
        now = time.monotonic()
        hit = self._rows.get(pk)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        queryset = self.model._default_manager.all()
        if self.related:
            queryset = queryset.select_related(*self.related)
        row = queryset.get(pk=pk)
        with self._lock:
            self._rows[pk] = (now, row)
        return row

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()
