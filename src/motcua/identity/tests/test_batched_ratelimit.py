"""The public lookup's rate limit counted in the process and written once a second: the same
decisions as counting every request in the database while one process serves a client, every
count written in the end, and the other processes' counts learnt at each write."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from motcua.identity.ratelimit import BatchedCounter, Rate, RateCounter, hit

pytestmark = pytest.mark.django_db

RATE = Rate(5, 60)
T0 = 1_000_020.0  # inside the window that opened at 1_000_020 (a multiple of 60)


def hits_in_db(key: str) -> int:
    return sum(RateCounter.objects.filter(key=key).values_list("hits", flat=True))


def test_one_process_decides_as_the_database_would() -> None:
    counter = BatchedCounter(interval=3600)  # never written by time within the test
    decisions = [counter.hit("a", RATE, now=T0 + i / 10) for i in range(8)]
    exact = [hit("b", RATE, now=T0 + i / 10) for i in range(8)]
    assert [d.allowed for d in decisions] == [d.allowed for d in exact] == [True] * 5 + [False] * 3
    assert [d.count for d in decisions] == list(range(1, 9))
    assert decisions[-1].retry_after == exact[-1].retry_after == 60
    # Only the first request went to the database; the write brings it up to date.
    assert hits_in_db("a") == 1
    counter.write(now=T0 + 1)
    assert hits_in_db("a") == 8
    counter.write(now=T0 + 2)  # nothing new: nothing added
    assert hits_in_db("a") == 8


def test_writes_happen_by_themselves_every_interval() -> None:
    counter = BatchedCounter(interval=1.0)
    for i in range(30):
        counter.hit("c", Rate(1000, 60), now=T0 + i / 10)  # three seconds of requests
    assert 20 <= hits_in_db("c") < 30  # at most the last second's (10) still in the process
    counter.write(now=T0 + 5)
    assert hits_in_db("c") == 30


def test_another_process_counts_are_learnt_at_each_write() -> None:
    first, second = BatchedCounter(interval=3600), BatchedCounter(interval=3600)
    assert all(first.hit("d", RATE, now=T0).allowed for _ in range(3))
    first.write(now=T0 + 1)  # 3 in the database
    # A client new to the second process: its first request reads the database's count.
    assert second.hit("d", RATE, now=T0 + 1).count == 4
    assert second.hit("d", RATE, now=T0 + 1).allowed  # 5
    assert not second.hit("d", RATE, now=T0 + 1).allowed  # 6 > 5
    # The first process still counts 3 + its own: it learns the others' at its next write.
    assert first.hit("d", RATE, now=T0 + 2).count == 4
    second.write(now=T0 + 2)
    first.write(now=T0 + 2)
    assert hits_in_db("d") == 7
    assert not first.hit("d", RATE, now=T0 + 3).allowed  # 7 + 1


def test_closed_windows_are_forgotten_and_a_new_window_starts_at_one() -> None:
    counter = BatchedCounter(interval=3600)
    for _ in range(7):
        counter.hit("e", RATE, now=T0)
    after = T0 + 60
    counter.write(now=after)  # the window closed: its pending counts are dropped with it
    decision = counter.hit("e", RATE, now=after)
    assert decision.allowed and decision.count == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_threads_of_one_process_admit_exactly_the_allowance() -> None:
    """gunicorn's threads share the counter: 8 threads × 25 requests of one client, allowance
    60 — exactly 60 admitted, and all 200 written."""
    counter = BatchedCounter(interval=0.05)
    rate = Rate(60, 3600)
    barrier = threading.Barrier(8)
    allowed: list[bool] = []

    def client() -> None:
        try:
            barrier.wait()
            for _ in range(25):
                allowed.append(counter.hit("threads", rate).allowed)
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counter.write()
    assert len(allowed) == 200 and allowed.count(True) == 60
    assert hits_in_db("threads") == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_requests_of_one_client_get_their_own_numbers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two threads of one process see a client for the first time at once: one reads the
    database's count, the other waits for it and counts on top. (Before the fix both read
    it, and when the first read finished last both requests were number 2: one number of the
    allowance was never given, a request within it refused — 58 of 60 admitted in the test
    above, under load.)"""
    from motcua.identity import ratelimit

    counter = BatchedCounter(interval=3600)
    go = threading.Event()
    real_hit = ratelimit.hit

    def slow_hit(key: str, rate: Rate, now: float | None = None) -> ratelimit.Decision:
        decision = real_hit(key, rate, now=now)
        if threading.current_thread().name == "first":
            go.wait(5)  # counted in the database, not yet in the process
        return decision

    monkeypatch.setattr(ratelimit, "hit", slow_hit)
    counts: dict[str, int] = {}

    def client() -> None:
        try:
            counts[threading.current_thread().name] = counter.hit("pair", RATE).count
        finally:
            connection.close()

    first = threading.Thread(target=client, name="first")
    first.start()
    for _ in range(100):  # until the first request has been counted in the database
        if hits_in_db("pair"):
            break
        threading.Event().wait(0.02)
    second = threading.Thread(target=client, name="second")
    second.start()
    second.join(0.3)
    go.set()
    first.join(10)
    second.join(10)
    assert counts == {"first": 1, "second": 2}
    counter.write()
    assert hits_in_db("pair") == 2


def test_a_failed_first_read_is_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import OperationalError

    from motcua.identity import ratelimit

    counter = BatchedCounter(interval=3600)
    real_hit = ratelimit.hit
    failures = [OperationalError("connection lost")]

    def flaky_hit(key: str, rate: Rate, now: float | None = None) -> ratelimit.Decision:
        if failures:
            raise failures.pop()
        return real_hit(key, rate, now=now)

    monkeypatch.setattr(ratelimit, "hit", flaky_hit)
    with pytest.raises(OperationalError):
        counter.hit("flaky", RATE, now=T0)
    # Not left "being read" (the next request would wait for ever): it reads the database.
    assert counter.hit("flaky", RATE, now=T0).count == 1
    assert counter.hit("flaky", RATE, now=T0).count == 2
    counter.write(now=T0 + 1)
    assert hits_in_db("flaky") == 2


def test_many_clients_are_written_in_several_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    from motcua.identity import ratelimit

    monkeypatch.setattr(ratelimit, "_ROWS_PER_STATEMENT", 2)
    counter = BatchedCounter(interval=3600)
    for n in range(5):
        for _ in range(3):
            counter.hit(f"many{n}", RATE, now=T0)
    counter.write(now=T0 + 1)
    assert [hits_in_db(f"many{n}") for n in range(5)] == [3] * 5
