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
def test_a_first_request_never_counts_a_write_in_flight_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A thread's first request reaches the database while another thread writes this
    process's counts: its count must include them once. (Before the fix it read the database
    after the write had added them and added them again: 10 for the sixth request.)"""
    from motcua.identity import ratelimit

    counter = BatchedCounter(interval=3600)
    go, done = threading.Event(), threading.Event()
    real_hit, real_add = ratelimit.hit, ratelimit._add

    def slow_hit(key: str, rate: Rate, now: float | None = None) -> ratelimit.Decision:
        if threading.current_thread().name == "late":
            go.wait(5)  # reaches the database only once the writer has had its chance
        return real_hit(key, rate, now=now)

    def slow_add(counts: dict[tuple[str, int], int]) -> dict[tuple[str, int], int]:
        totals = real_add(counts)
        done.wait(2)  # the write stays in flight while the late request completes
        return totals

    monkeypatch.setattr(ratelimit, "hit", slow_hit)
    monkeypatch.setattr(ratelimit, "_add", slow_add)
    decisions: list[ratelimit.Decision] = []

    def late() -> None:
        try:
            decisions.append(counter.hit("race", RATE))
        finally:
            done.set()
            connection.close()

    def writer() -> None:
        try:
            counter.write()
        finally:
            connection.close()

    late_thread = threading.Thread(target=late, name="late")
    late_thread.start()  # its first request waits before reaching the database
    assert [counter.hit("race", RATE).count for _ in range(5)] == [1, 2, 3, 4, 5]
    writer_thread = threading.Thread(target=writer)
    writer_thread.start()
    writer_thread.join(0.3)
    go.set()
    late_thread.join(10)
    writer_thread.join(10)
    assert [d.count for d in decisions] == [6]
    assert not counter.hit("race", RATE).allowed  # the seventh
    counter.write()
    assert hits_in_db("race") == 7


def test_many_clients_are_written_in_several_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    from motcua.identity import ratelimit

    monkeypatch.setattr(ratelimit, "_ROWS_PER_STATEMENT", 2)
    counter = BatchedCounter(interval=3600)
    for n in range(5):
        for _ in range(3):
            counter.hit(f"many{n}", RATE, now=T0)
    counter.write(now=T0 + 1)
    assert [hits_in_db(f"many{n}") for n in range(5)] == [3] * 5
