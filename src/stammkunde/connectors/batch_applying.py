"""Applying the order deliveries of an inbox batch together, with a constant number of queries.

Most deliveries a shop sends are an order placed or updated (with the buyer's marketing
consent). Applied one by one, each costs a few dozen queries; here a whole batch of them costs
about fifteen, which is what lets one worker keep up with a busy shop. The rules are the same
as ``applying.apply_events`` (both go through the same shop and customer services), and so are
the results.

Only deliveries that can be applied independently of each other take this path: made of an
order event and/or a consent event, valid, and sharing no order and no customer with an earlier
delivery of the batch. The rest, and all of them if the batch hits a database error (e.g. a
customer created by another worker at the same moment), are left to ``apply_events``, one by
one and in order, after this.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.db import DatabaseError, transaction

from stammkunde.connectors import normalized as ev
from stammkunde.connectors.applying import ApplyResult
from stammkunde.connectors.shop_inputs import effective_status, order_input_for, valid_email
from stammkunde.customers.models import ConsentChannel, Customer
from stammkunde.customers.shop_data import (
    ShopConsent,
    ShopProfile,
    record_shop_consents,
    update_customers_from_shop,
)
from stammkunde.shop.models import OrderStatus, Shop
from stammkunde.shop.services import (
    OrderError,
    OrderInput,
    OrderUpsert,
    is_stale,
    lock_orders,
    upsert_orders,
    validate_order,
)
from stammkunde.shop.services.customer_batch import (
    CustomerKey,
    create_and_link_customers,
    find_customer_ids,
)
from stammkunde.shop.services.upserting import order_amounts


@dataclass
class _Delivery:
    """One delivery of the batch that qualified, with what the steps found out about it."""

    index: int
    order: ev.OrderUpserted | None
    consent: ev.MarketingConsentChanged | None
    customer: CustomerKey | None = None
    order_input: OrderInput | None = None
    consent_customer: CustomerKey | None = None
    customer_id: int | None = None
    result: ApplyResult = dataclasses.field(default_factory=ApplyResult)


@dataclass(frozen=True)
class Prepared:
    """What the batch path works out about one delivery without the database: the orders and
    customers it names, and how it would be applied (None: it must go one by one)."""

    keys: frozenset[tuple[str, str]]
    candidate: _Delivery | None


def prepare(shop: Shop, events: list[ev.ShopEvent]) -> Prepared:
    """The CPU work of the batch path for one delivery's mapped events (the order's input,
    validated, and its customer's key), done before the write transaction."""
    return Prepared(frozenset(_keys(events)), _candidate(shop, -1, events))


def apply_batch(
    shop: Shop,
    batch: Sequence[list[ev.ShopEvent] | None],
    *,
    held_back: Collection[int] = (),
    prepared: Sequence[Prepared | None] | None = None,
    min_round: int = 0,
    postponed: set[int] | None = None,
) -> list[ApplyResult | None]:
    """Apply the qualifying deliveries of ``batch``; return their results, None for each
    delivery left to ``apply_events`` (or postponed).

    With ``min_round``, a round after the first that would apply fewer deliveries is not
    run: its deliveries and every later one still pending are added to ``postponed`` (their
    indexes) for the caller to leave open for its next batch, where they join a full round.
    A round costs about thirty statements whatever its size, so a batch's tail of a few
    deliveries (a customer's second and third order) is cheaper applied with the next batch.

    ``batch`` holds each delivery's mapped events in arrival order (None if it could not be
    mapped); the deliveries at the indexes in ``held_back`` (waiting for an older delivery of
    their order) are not applied, but later deliveries that share an order or a customer with
    them wait too. ``prepared`` may hold :func:`prepare`'s result for each delivery (done
    before the transaction that calls this); what it lacks is worked out here.
    """
    results: list[ApplyResult | None] = [None] * len(batch)
    pending = [index for index, events in enumerate(batch) if events is not None]
    # Round by round: each applies the deliveries that depend on no other pending one, so a
    # customer's three orders in one batch take three rounds, each a handful of queries.
    known: dict[int, tuple[frozenset, _Delivery | None]] = {}
    for index, ready in enumerate(prepared or ()):
        if ready is not None and batch[index] is not None:
            candidate = ready.candidate
            if index in held_back or candidate is None:
                known[index] = (ready.keys, None)
            else:
                known[index] = (ready.keys, dataclasses.replace(candidate, index=index))
    rounds = 0
    while chosen := _qualifying(shop, batch, pending, held_back, known):
        if rounds and len(chosen) < min_round and postponed is not None:
            # Everything from the first of them on, so nothing overtakes what waits.
            postponed.update(index for index in pending if index >= chosen[0].index)
            break
        rounds += 1
        try:
            with transaction.atomic():
                applied = _apply(shop, chosen)
        except (DatabaseError, OrderError):
            break  # rolled back: the rest goes the one-by-one way
        for delivery in applied:
            results[delivery.index] = delivery.result
        done = {delivery.index for delivery in chosen}
        pending = [index for index in pending if index not in done]
    return results


def _keys(events: list[ev.ShopEvent]) -> set[tuple[str, str]]:
    """The orders and customers a delivery names (any of them shared means: not independent)."""
    keys = set()
    for event in events:
        if isinstance(event, ev.OrderUpserted):
            keys.add(("order", event.external_id))
        elif getattr(event, "order_external_id", ""):
            keys.add(("order", event.order_external_id))
        data = getattr(event, "customer", None) or ev.CustomerData()
        for external_id, email in (
            (data.external_id, data.email),
            (getattr(event, "customer_external_id", ""), getattr(event, "email", "")),
        ):
            if external_id:
                keys.add(("customer", external_id))
            if email:
                keys.add(("email", valid_email(email) or email))
    return keys


def _qualifying(
    shop: Shop,
    batch: Sequence[list[ev.ShopEvent] | None],
    pending: list[int],
    held_back: Collection[int],
    known: dict[int, tuple[frozenset, _Delivery | None]],
) -> list[_Delivery]:
    """The pending deliveries that qualify and share no order or customer with an earlier
    pending one (which may be one that goes one by one, or waits). ``known`` keeps each
    delivery's keys and candidate between rounds."""
    chosen = []
    seen: set[tuple[str, str]] = set()
    for index in pending:
        if index not in known:
            known[index] = (
                frozenset(_keys(batch[index])),
                None if index in held_back else _candidate(shop, index, batch[index]),
            )
        keys, candidate = known[index]
        independent = not (keys & seen)
        seen |= keys
        if independent and candidate is not None:
            chosen.append(dataclasses.replace(candidate, result=ApplyResult()))
    return chosen


def _candidate(shop: Shop, index: int, events: list[ev.ShopEvent]) -> _Delivery | None:
    """The delivery as the batch path takes it, or None when it must go one by one."""
    orders = [event for event in events if isinstance(event, ev.OrderUpserted)]
    consents = [event for event in events if isinstance(event, ev.MarketingConsentChanged)]
    if len(orders) + len(consents) != len(events) or len(orders) > 1 or len(consents) > 1:
        return None
    order = orders[0] if orders else None
    consent = consents[0] if consents else None
    delivery = _Delivery(index, order, consent)
    if order is not None:
        try:
            delivery.order_input = order_input_for(shop, order, OrderStatus(order.status))
            validate_order(delivery.order_input)
            order_amounts(delivery.order_input)
        except (OrderError, ValueError):
            return None
        named = order.customer or (ev.CustomerData(email=order.email) if order.email else None)
        if named is not None:
            delivery.customer = CustomerKey(
                named.external_id, valid_email(named.email), named.first_name, named.last_name
            )
    if consent is not None:
        key = CustomerKey(consent.customer_external_id, valid_email(consent.email))
        if not (key.external_id or key.email):
            return None  # names nobody: apply_events reports it
        if order is not None and (delivery.customer is None or not _covers(delivery.customer, key)):
            return None  # the consent may be about someone else than the buyer
        delivery.consent_customer = key
        delivery.customer = delivery.customer or key
    return delivery


def _covers(buyer: CustomerKey, named: CustomerKey) -> bool:
    """Whether a consent naming ``named`` is certainly about ``buyer`` (as apply_events finds
    its customer: by the shop's id first, else by e-mail)."""
    return named.external_id == buyer.external_id and (
        named.email == buyer.email or not named.email
    )


def _apply(shop: Shop, chosen: list[_Delivery]) -> list[_Delivery]:
    """Apply the chosen deliveries; deliveries dropped on the way go one by one."""
    existing = lock_orders(shop, [d.order.external_id for d in chosen if d.order is not None])
    for delivery in chosen:
        order = delivery.order
        if order is not None and is_stale(existing.get(order.external_id), delivery.order_input):
            # Like apply_events: an older update changes neither the order nor its buyer; the
            # consent still counts, for the customer it names.
            delivery.result.stale += 1
            delivery.order = None
            delivery.customer = delivery.consent_customer
    named = [d for d in chosen if d.customer is not None]
    found = find_customer_ids(shop, [d.customer for d in named])
    # Two keys may turn out to name one customer: that customer's second delivery waits.
    taken: set[int] = set()
    kept = []
    for delivery, customer_id in zip(named, found, strict=True):
        if customer_id in taken:
            chosen.remove(delivery)
            continue
        if customer_id is not None:
            taken.add(customer_id)
        kept.append((delivery, customer_id))
    ids = create_and_link_customers(
        shop, [d.customer for d, _id in kept], [i for _d, i in kept], source=shop.name
    )
    for (delivery, _found), customer_id in zip(kept, ids, strict=True):
        delivery.customer_id = customer_id
    customers = Customer.objects.in_bulk([i for i in ids if i is not None])
    _update_profiles(shop, chosen, customers)
    _upsert_orders(shop, chosen, existing)
    _record_consents(shop, chosen, customers)
    return chosen


def _update_profiles(shop: Shop, chosen: list[_Delivery], customers: dict[int, Customer]) -> None:
    profiles = []
    for delivery in chosen:
        order = delivery.order
        if order is None or delivery.customer_id is None:
            continue
        data = order.customer or ev.CustomerData(email=order.email)
        profiles.append(
            ShopProfile(
                customers[delivery.customer_id],
                order.updated_at,
                shop.name,
                {
                    "first_name": data.first_name,
                    "last_name": data.last_name,
                    "phone": data.phone,
                    "company": data.company,
                },
                data.address or order.billing_address,
            )
        )
        delivery.result.customers.add(delivery.customer_id)
    update_customers_from_shop(profiles)


def _upsert_orders(shop: Shop, chosen: list[_Delivery], existing: dict) -> None:
    with_orders = [d for d in chosen if d.order is not None]
    items = [
        OrderUpsert(
            dataclasses.replace(
                d.order_input,
                status=effective_status(existing.get(d.order.external_id), d.order.status),
            ),
            d.customer_id,
        )
        for d in with_orders
    ]
    written = upsert_orders(shop, items, existing=existing, actor_label=shop.name)
    for delivery, (order, created) in zip(with_orders, written, strict=True):
        result = delivery.result
        (result.orders_created if created else result.orders_updated).append(order.pk)


def _record_consents(shop: Shop, chosen: list[_Delivery], customers: dict[int, Customer]) -> None:
    with_consent = [d for d in chosen if d.consent is not None and d.customer_id is not None]
    reports = [
        ShopConsent(
            customers[d.customer_id],
            ConsentChannel.SMS if d.consent.channel == "sms" else ConsentChannel.EMAIL,
            d.consent.granted,
            d.consent.changed_at,
            f"{shop.name}: {d.consent.detail}" if d.consent.detail else shop.name,
        )
        for d in with_consent
    ]
    for delivery, recorded in zip(with_consent, record_shop_consents(reports), strict=True):
        delivery.result.customers.add(delivery.customer_id)
        if recorded is not None:
            delivery.result.consents_recorded += 1
