"""Concurrency on PostgreSQL with real threads, each on its own connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from motcua.core.errors import Conflict, PermissionDenied
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.dossiers.services import intake, perform

from .conftest import World, local

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_parallel(n: int, work: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def target(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # collected and asserted by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_parallel_intakes_get_unique_gap_free_codes(world: World) -> None:
    n = 24
    results = run_parallel(
        n,
        lambda i: (
            intake(
                "receive",
                world.actor("receiver"),
                world.counter_data(subject=str(i)),
                now=local("2026-03-10T10:00"),
            )[0].code
        ),
    )
    assert all(isinstance(r, str) for r in results), results
    numbers = sorted(int(code.rsplit("-", 1)[1]) for code in results)
    assert numbers == list(range(1, n + 1))


def test_same_idempotency_key_in_parallel_creates_one_dossier(world: World) -> None:
    results = run_parallel(
        8,
        lambda i: (
            intake(
                "receive",
                world.actor("receiver"),
                world.counter_data(),
                idempotency_key="same",
                now=local("2026-03-10T10:00"),
            )[0].pk
        ),
    )
    assert len(set(results)) == 1, results
    assert Dossier.objects.count() == 1
    # The loser's number was rolled back with its transaction: the next code is 0002.
    d, _ = intake(
        "receive",
        world.actor("receiver"),
        world.counter_data(subject="next"),
        now=local("2026-03-10T10:05"),
    )
    assert d.code.endswith("-0002")


def test_two_leaders_decide_at_once_exactly_one_wins(world: World) -> None:
    d, _ = intake(
        "receive", world.actor("receiver"), world.counter_data(), now=local("2026-03-10T10:00")
    )
    perform(d.code, "forward", world.actor("receiver"), {}, now=local("2026-03-10T11:00"))
    names = ["leader", "leader2"]
    decisions = [("approve", {}), ("refuse", {"reason": "Không đủ điều kiện"})]
    results = run_parallel(
        2,
        lambda i: (
            perform(
                d.code,
                decisions[i][0],
                world.actor(names[i]),
                decisions[i][1],
                now=local("2026-03-10T15:00"),
            ).state
        ),
    )
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, Conflict | PermissionDenied)]
    assert len(winners) == 1 and len(losers) == 1, results
    d.refresh_from_db()
    assert d.state == winners[0]
    assert DossierEvent.objects.filter(dossier=d, action__in=["approve", "refuse"]).count() == 1


def test_stale_version_loses_instead_of_overwriting(world: World) -> None:
    d, _ = intake(
        "receive", world.actor("receiver"), world.counter_data(), now=local("2026-03-10T10:00")
    )
    seen = d.version
    results = run_parallel(
        2,
        lambda i: (
            perform(
                d.code,
                "forward",
                world.actor("receiver"),
                {},
                expected_version=seen,
                now=local("2026-03-10T11:00"),
            ).current_step.code
        ),
    )
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "str"], results
    d.refresh_from_db()
    assert d.current_step.code == "XL"
