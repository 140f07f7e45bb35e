"""One worker process: a task thread per lane, its heartbeat, and the scheduler.

A lane is a group of queues with its own thread (``TASK_WORKER_LANES``; by default every queue
is its own lane). django-tasks-db's worker takes the next ready task of all its queues, so one
worker for all queues would let a nightly scoring run of many minutes hold up every webhook
delivery behind it; with a thread per lane, a long task only ever waits for its own queue.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

from django.conf import settings
from django.db import close_old_connections, connections
from django_tasks_db.management.commands.db_worker import Worker

from stammkunde.core.lease import beat, end_lease, lane_worker_id, recover_abandoned_tasks
from stammkunde.core.scheduling import enqueue_due_jobs

logger = logging.getLogger(__name__)

# After a database error a lane (or the heartbeat) tries again after this long, doubling up
# to the maximum; a worker outlives a database restart instead of ending with it.
RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0


def lanes_for(queues: Iterable[str]) -> dict[str, list[str]]:
    """The lanes (name -> queues) that run ``queues`` ("*" for all), as settings group them.

    A queue that no lane of ``TASK_WORKER_LANES`` names gets a lane of its own.
    """
    queues = list(queues)
    configured: dict[str, list[str]] = settings.TASK_WORKER_LANES
    if "*" in queues:
        return {lane: list(names) for lane, names in configured.items()}
    lanes: dict[str, list[str]] = {}
    for lane, names in configured.items():
        chosen = [name for name in names if name in queues]
        if chosen:
            lanes[lane] = chosen
    covered = {name for names in lanes.values() for name in names}
    for name in queues:
        if name not in covered:
            lanes[name] = [name]
            covered.add(name)
    return lanes


class WorkerProcess:
    """The threads of one ``stammkunde worker`` process, started and stopped together."""

    def __init__(
        self,
        process_id: str,
        lanes: dict[str, list[str]],
        *,
        interval: float = 1.0,
        batch: bool = False,
        scheduler: bool = True,
    ) -> None:
        self.process_id = process_id
        self.lanes = lanes
        self.interval = interval
        self.batch = batch
        self.scheduler = scheduler
        self.stop = threading.Event()
        self.workers: dict[str, Worker] = {}
        self.threads: list[threading.Thread] = []
        self._lane_threads: list[threading.Thread] = []

    @property
    def queues(self) -> list[str]:
        return [name for names in self.lanes.values() for name in names]

    def start(self) -> None:
        """Take the lease, recover what a dead predecessor left, then start every thread."""
        beat(self.process_id, self.queues)
        # Tasks RUNNING under this id belong to an earlier process of the same name (serve
        # restarts a dead worker under its id): they cannot be running anywhere now.
        recovered = recover_abandoned_tasks(dead={self.process_id})
        if len(recovered):
            logger.warning(
                "recovered %d task(s) of a stopped worker: %d queued again, %d failed",
                len(recovered),
                len(recovered.rerun),
                len(recovered.failed),
            )
        close_old_connections()
        self._spawn(self._beat_forever, "heartbeat")
        if self.scheduler and not self.batch:
            self._spawn(self._schedule_forever, "scheduler")
        elif self.scheduler:
            enqueue_due_jobs()
        self._start_lanes()

    def _spawn(self, target, name: str, *args) -> threading.Thread:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)
        return thread

    def _start_lanes(self) -> None:
        self._lane_threads = []
        for lane, queues in self.lanes.items():
            worker = Worker(
                queue_names=queues,
                interval=self.interval,
                batch=self.batch,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=lane_worker_id(self.process_id, lane),
                excluded_queue_names=[],
            )
            self.workers[lane] = worker
            self._lane_threads.append(self._spawn(self._run_lane, f"lane-{lane}", worker))

    def _run_lane(self, worker: Worker) -> None:
        wait = RETRY_SECONDS
        try:
            while not self.stop.is_set() and worker.running:
                try:
                    worker.run()
                    if self.batch:
                        return
                except Exception:
                    # Worker.run() ends on any database error but a locked SQLite file.
                    logger.exception("lane %s failed; starting it again", worker.worker_id)
                    close_old_connections()
                    self.stop.wait(wait)
                    wait = min(wait * 2, MAX_RETRY_SECONDS)
        finally:
            connections.close_all()

    def _beat_forever(self) -> None:
        wait = float(settings.TASK_HEARTBEAT_SECONDS)
        try:
            while not self.stop.wait(wait):
                try:
                    beat(self.process_id, self.queues)
                    wait = float(settings.TASK_HEARTBEAT_SECONDS)
                except Exception:
                    # Retried sooner: a few missed beats are fine, the lease lasts minutes.
                    logger.exception("renewing the lease of %s failed", self.process_id)
                    wait = RETRY_SECONDS
                finally:
                    close_old_connections()
        finally:
            connections.close_all()

    def _schedule_forever(self) -> None:
        try:
            while True:
                try:
                    enqueue_due_jobs()
                except Exception:
                    # A database hiccup must not end scheduling for the life of the worker.
                    logger.exception("scheduling periodic jobs failed; retrying")
                finally:
                    close_old_connections()
                if self.stop.wait(60.0):
                    return
        finally:
            connections.close_all()

    def lanes_alive(self) -> bool:
        return any(thread.is_alive() for thread in self._lane_threads)

    def run_batch(self) -> None:
        """Run ready tasks until every queue of this process is empty (``--batch``)."""
        from django_tasks_db.models import DBTaskResult

        while True:
            for thread in self._lane_threads:
                thread.join()
            # A task of one lane may have queued work for a lane that had already finished.
            if (
                self.stop.is_set()
                or not DBTaskResult.objects.ready().filter(queue_name__in=self.queues).exists()
            ):
                return
            self._start_lanes()

    def request_stop(self) -> None:
        """Take no new tasks; the running ones may finish (called from a signal handler)."""
        self.stop.set()
        for worker in self.workers.values():
            worker.running = False

    def shutdown(self, grace: float) -> list[str]:
        """Stop, give running tasks ``grace`` seconds, hand back the rest, end the lease.

        Returns the lanes whose task was still running when the grace period ended.
        """
        self.request_stop()
        deadline = time.monotonic() + grace
        for thread in self._lane_threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        unfinished = [
            thread.name.removeprefix("lane-") for thread in self._lane_threads if thread.is_alive()
        ]
        try:
            # Whatever still runs is handed back as if this process had died (run again or
            # failed with the reason) instead of waiting for its lease to expire.
            recover_abandoned_tasks(dead={self.process_id}, owned_by={self.process_id})
            end_lease(self.process_id)
        except Exception:
            logger.exception("handing back the tasks of %s failed", self.process_id)
        finally:
            close_old_connections()
        return unfinished
