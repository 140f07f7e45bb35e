from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stammkunde.core.origin import Origin


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


class StoredEvent(models.Model):
    """One domain event, stored in the transaction of the change it describes.

    The worker hands it to every subscriber of its type (``EventDelivery`` records how that
    went per subscriber) and sets ``dispatched_at``. Its id is stable: a subscriber that sees
    an event twice (at-least-once delivery) recognises it by the id.
    """

    name = models.CharField(_("event"), max_length=100)
    payload = models.JSONField(_("payload"), default=dict)
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices)
    occurred_at = models.DateTimeField(_("occurred"))
    recorded_at = models.DateTimeField(_("recorded"))
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("domain event")
        verbose_name_plural = _("domain events")
        indexes = [
            # The worker's queue: events not yet handed to their subscribers, in order.
            models.Index(
                fields=["id"], condition=Q(dispatched_at__isnull=True), name="core_event_waiting"
            ),
            models.Index(fields=["name", "-id"], name="core_event_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk} ({self.origin})"


class EventDeliveryState(models.TextChoices):
    WAITING = "waiting", _("Waiting for another attempt")
    DELIVERED = "delivered", _("Delivered")
    PARKED = "parked", _("Parked")


class EventDelivery(models.Model):
    """How the delivery of one event to one subscriber went: delivered, waiting for another
    attempt, or parked with the reason. One failing subscriber retries alone; the others
    never see the event again."""

    event = models.ForeignKey(StoredEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(_("subscriber"), max_length=200)
    state = models.CharField(_("state"), max_length=12, choices=EventDeliveryState.choices)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        ordering = ["event_id", "subscriber"]
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event", "subscriber"], name="core_event_delivery_once")
        ]
        indexes = [
            # The retry queue: deliveries waiting for another attempt.
            models.Index(
                fields=["id"],
                condition=Q(state="waiting"),
                name="core_event_delivery_waiting",
            ),
            models.Index(fields=["state", "-id"], name="core_event_delivery_state"),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber} <- event #{self.event_id} ({self.get_state_display()})"
