"""``core.refcache``: reference rows by primary key or code, trusted for a few seconds."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.agencies.models import Agency
from motcua.core.refcache import RefCache

from .conftest import World

pytestmark = pytest.mark.django_db


def test_rows_by_code_are_read_once_within_the_delay(world: World) -> None:
    cache: RefCache[Agency] = RefCache(Agency, ttl=1)
    first = cache.by_code(world.justice.code)
    assert first is not None and first.pk == world.justice.pk
    with CaptureQueriesContext(connection) as queries:
        assert cache.by_code(world.justice.code) is first
        assert cache.get(world.justice.pk) is first  # the same entry by primary key
    assert queries.captured_queries == []
    Agency.objects.filter(pk=world.justice.pk).update(name="Sở Tư pháp (mới)")
    time.sleep(1.05)  # the cache's clock is the monotonic one, which nothing fakes
    again = cache.by_code(world.justice.code)
    assert again is not None and again.name == "Sở Tư pháp (mới)"  # seen after the delay
    assert cache.by_code("no-such-code") is None
