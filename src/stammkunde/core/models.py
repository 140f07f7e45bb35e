from __future__ import annotations

from django.db import models


class ScheduledRun(models.Model):
    """One enqueued run of a periodic job for one time slot.

    The unique (job, slot) pair is what makes scheduling safe with several worker processes on
    several machines: each tries to insert the row, exactly one succeeds and enqueues the task.
    """

    job = models.CharField(max_length=100)
    slot = models.DateTimeField()
    task_result_id = models.CharField(max_length=64, blank=True)
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="scheduled_run_once")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M}"


class WorkerHeartbeat(models.Model):
    """The lease of one running ``stammkunde worker`` process on the tasks it runs.

    The process renews ``beat_at`` every few seconds while it lives; a task RUNNING under a
    process whose beat is older than ``TASK_LEASE_SECONDS`` was abandoned (see core.lease).
    """

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.IntegerField(default=0)
    queues = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"
