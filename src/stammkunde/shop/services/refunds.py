"""Money paid back on an order: the shop's refunds and the goodwill refunds the service desk
makes, recorded once whichever of the two reports the same money first.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from stammkunde.core.events import publish
from stammkunde.core.plausible import MAX_AMOUNT
from stammkunde.shop import events
from stammkunde.shop.models import Order, Refund
from stammkunde.shop.services.orders import OrderError, _order_event_fields, money
from stammkunde.timeline.formatting import money_params
from stammkunde.timeline.models import ActivityKind, Channel, Direction
from stammkunde.timeline.services import record_activity

# The key prefix of refunds the service desk makes as goodwill (``goodwill:<grant>``).
GOODWILL_REFUND_PREFIX = "goodwill:"
# A shop reports a refund we made as goodwill after it was paid out: from a little before our
# record (clocks differ) to a month after (payment providers settle late, backfills run later).
GOODWILL_MATCH_BEFORE = timedelta(days=1)
GOODWILL_MATCH_AFTER = timedelta(days=30)
# The other order of events: the shop refunded first (the agent paid back in the shop's back
# office, then recorded the goodwill here). A shop refund up to two weeks old is the same money;
# a day ahead allows for clocks that differ.
PLATFORM_MATCH_BEFORE = timedelta(days=14)
PLATFORM_MATCH_AFTER = timedelta(days=1)
# What a goodwill refund keeps as ``platform_external_id`` when the shop reported that money
# without an id of its own (a non-empty value: an empty one means "not linked yet"). Not an id
# any platform hands out (those are numbers, hex strings or ``re_…``).
PLATFORM_REFUND_WITHOUT_ID = "(without id)"


@transaction.atomic
def record_refund(
    order: Order,
    *,
    amount: Decimal,
    refunded_at: datetime,
    reason: str = "",
    external_id: str = "",
    actor_label: str = "",
) -> Refund:
    """Record money paid back; refunds never exceed what the order cost.

    Idempotent on ``external_id``. A platform's refund (webhook or backfill, with or without
    the shop's id) that matches a goodwill refund we recorded first (same order, amount and
    currency, not yet linked, within the window) is linked to it instead of being counted a
    second time; and a goodwill refund that matches a platform refund reported first takes that
    refund over (it keeps the platform's id as ``platform_external_id``) instead of paying it
    again."""
    amount = money(amount)
    if amount <= 0:
        raise OrderError(_("A refund must be a positive amount."))
    # A shop refund without an id is keyed by what it is: the same refund delivered twice
    # (a webhook's retry, a backfill) has the same key and is found below, not recorded again.
    external_id = external_id or refund_key_without_id(amount, refunded_at)
    existing = _recorded(order, external_id, amount=amount, refunded_at=refunded_at)
    if existing is not None:
        return existing
    order = Order.objects.select_for_update().get(pk=order.pk)
    # Again under the order's lock: two deliveries of one refund at the same time.
    existing = _recorded(order, external_id, amount=amount, refunded_at=refunded_at)
    if existing is not None:
        return existing
    if not external_id.startswith(GOODWILL_REFUND_PREFIX):
        ours = _unlinked_goodwill_refund(order, amount=amount, refunded_at=refunded_at)
        if ours is not None:
            # The shop reports the money we already recorded: link, never count it twice
            # (also when the shop gave the refund no id: any refund not keyed by us is its).
            ours.platform_external_id = external_id
            ours.save(update_fields=["platform_external_id"])
            return ours
    if external_id.startswith(GOODWILL_REFUND_PREFIX):
        theirs = _unclaimed_platform_refund(order, amount=amount, refunded_at=refunded_at)
        if theirs is not None:
            # The shop paid this back already: the goodwill is that refund, not a second one.
            theirs.platform_external_id = theirs.external_id or PLATFORM_REFUND_WITHOUT_ID
            theirs.external_id = external_id
            theirs.save(update_fields=["external_id", "platform_external_id"])
            return theirs
    if order.refunded_total + amount > order.total:
        raise OrderError(_("Refunds would exceed the order total."))
    if order.refunded_total + amount >= MAX_AMOUNT:
        # Only where a stored total does not fit its column (SQLite does not enforce it):
        # the refunded total must, or PostgreSQL refuses the write.
        raise OrderError(
            _("The refunded total would reach %(max)s, more than an order can hold.")
            % {"max": MAX_AMOUNT}
        )
    refund = Refund.objects.create(
        order=order,
        amount=amount,
        currency=order.currency,
        reason=reason[:200],
        refunded_at=refunded_at,
        external_id=external_id,
    )
    order.refunded_total = order.refunded_total + amount
    order.save(update_fields=["refunded_total", "updated_at"])
    if order.customer_id:
        record_activity(
            customer_id=order.customer_id,
            kind=ActivityKind.REFUND_ISSUED,
            channel=Channel.SHOP,
            direction=Direction.OUTBOUND,
            params={"number": order.number, **money_params(amount, order.currency)},
            occurred_at=refunded_at,
            actor_label=actor_label or order.shop.name,
            subject=refund,
        )
    publish(
        events.RefundIssued(
            **_order_event_fields(order, refunded_at),
            refund_id=refund.pk,
            amount=amount,
            currency=order.currency,
        )
    )
    return refund


def refund_key_without_id(amount: Decimal, refunded_at: datetime) -> str:
    """The key of a shop refund the shop gave no id: the same order (the key is looked up per
    order), amount and moment (to the microsecond, in UTC) are the same refund; the normalized
    refund carries no line items to add. Starts with PLATFORM_REFUND_WITHOUT_ID, so it is
    never mistaken for an id a platform hands out, nor for one of ours."""
    moment = refunded_at.astimezone(UTC).isoformat()
    return f"{PLATFORM_REFUND_WITHOUT_ID} {moment} {money(amount)}"


def _recorded(
    order: Order, external_id: str, *, amount: Decimal, refunded_at: datetime
) -> Refund | None:
    """The refund of ``order`` recorded (or linked to a goodwill refund) under
    ``external_id``; for a key without id also one recorded without any before keys were
    made, with the same amount and moment."""
    found = Q(external_id=external_id) | Q(platform_external_id=external_id)
    if external_id.startswith(PLATFORM_REFUND_WITHOUT_ID):
        found |= Q(external_id="", amount=amount, refunded_at=refunded_at)
    return order.refunds.filter(found).order_by("pk").first()


def _unlinked_goodwill_refund(
    order: Order, *, amount: Decimal, refunded_at: datetime
) -> Refund | None:
    """The oldest goodwill refund of ``order`` with this amount and the order's currency, not
    yet linked to a platform refund, recorded within the plausible window before
    ``refunded_at``."""
    return (
        order.refunds.select_for_update()
        .filter(
            external_id__startswith=GOODWILL_REFUND_PREFIX,
            platform_external_id="",
            amount=amount,
            currency=order.currency,
            refunded_at__gte=refunded_at - GOODWILL_MATCH_AFTER,
            refunded_at__lte=refunded_at + GOODWILL_MATCH_BEFORE,
        )
        .order_by("refunded_at", "pk")
        .first()
    )


def matching_platform_refund(
    order: Order, *, amount: Decimal, refunded_at: datetime
) -> Refund | None:
    """The platform refund a goodwill refund of ``amount`` at ``refunded_at`` would take over
    (see ``record_refund``), or None: the oldest of ``order`` with this amount and the order's
    currency, reported by the shop (its own id or none, not one of ours), not linked to a
    goodwill refund yet, from the two weeks before."""
    return (
        order.refunds.filter(
            platform_external_id="",
            amount=money(amount),
            currency=order.currency,
            refunded_at__gte=refunded_at - PLATFORM_MATCH_BEFORE,
            refunded_at__lte=refunded_at + PLATFORM_MATCH_AFTER,
        )
        .exclude(external_id__startswith=GOODWILL_REFUND_PREFIX)
        .order_by("refunded_at", "pk")
        .first()
    )


def _unclaimed_platform_refund(
    order: Order, *, amount: Decimal, refunded_at: datetime
) -> Refund | None:
    """``matching_platform_refund``, locked for the takeover (the order row is locked already,
    so two grants cannot take the same refund)."""
    found = matching_platform_refund(order, amount=amount, refunded_at=refunded_at)
    if found is None:
        return None
    return Refund.objects.select_for_update().get(pk=found.pk)
