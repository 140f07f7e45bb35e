"""The supervisor of serve's workers, on a fake clock and fake processes (no database)."""

import itertools

from stammkunde.core import supervisor
from stammkunde.core.supervisor import Supervisor

pids = itertools.count(100)


class FakeProcess:
    def __init__(self, command, **_kwargs):
        self.command = command
        self.pid = next(pids)
        self.returncode = None

    def poll(self):
        return self.returncode

    def die(self, status: int = -9) -> None:
        self.returncode = status


def supervised() -> tuple[Supervisor, object]:
    boss = Supervisor({"quick": ["stammkunde", "worker"]}, popen=FakeProcess)
    child = boss.children["quick"]
    boss._launch(child, now=0.0)  # what start() does, without the watching thread
    return boss, child


def test_a_dead_worker_is_started_again_after_a_second_with_the_same_command():
    boss, child = supervised()
    first = child.process

    boss.check(child, now=10.0)
    assert child.process is first  # alive: nothing to do
    first.die()
    boss.check(child, now=10.0)
    assert child.process is first  # noticed, waiting out the backoff
    boss.check(child, now=11.0)

    assert child.process is not first
    assert child.process.command == ["stammkunde", "worker"]
    assert child.restarts == 1


def test_a_worker_that_keeps_dying_at_once_is_started_ever_more_slowly():
    boss, child = supervised()
    now, waits = 0.0, []
    for _ in range(7):
        child.process.die()
        boss.check(child, now)
        noticed = now
        while child.restarts == len(waits):
            now += 0.5
            boss.check(child, now)
        waits.append(now - noticed)

    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


def test_the_backoff_starts_over_after_a_worker_ran_for_a_while():
    boss, child = supervised()
    for now in (0.0, 1.0, 1.0, 3.0):  # died at once twice: the next wait would be 4 s
        child.process.die()
        boss.check(child, now)
    ran_from = child.started_at
    assert ran_from == 3.0 and child.backoff == 4.0

    child.process.die()
    later = ran_from + supervisor.STABLE_AFTER_SECONDS
    boss.check(child, later)

    assert child.restart_at == later + supervisor.FIRST_BACKOFF_SECONDS
