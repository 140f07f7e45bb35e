"""Orders, lines, shipments, returns, refunds and withdrawals of one chunk of demo customers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stammkunde.demo.population import DAY, Population, local_daytime
from stammkunde.demo.rows import money, optional_timestamps, timestamps
from stammkunde.shop.totals import order_total

CARRIERS = np.array(["DHL", "DPD", "Hermes", "GLS", "UPS"])
CARRIER_WEIGHTS = np.array([45, 15, 15, 15, 10], dtype=float)
TRACKING_URLS = {
    "DHL": "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={}",
    "DPD": "https://tracking.dpd.de/status/de_DE/parcel/{}",
    "Hermes": "https://www.myhermes.de/empfangen/sendungsverfolgung/sendungsinformation#{}",
    "GLS": "https://gls-group.com/DE/de/paketverfolgung?match={}",
    "UPS": "https://www.ups.com/track?tracknum={}",
}
RETURN_REASONS = np.array(["defective", "wrong_item", "not_as_described", "changed_mind", "other"])
RETURN_REASON_WEIGHTS = np.array([30, 12, 18, 35, 5], dtype=float)
RETURN_NOTES = {
    "defective": "Mühle mahlt ungleichmäßig, Mahlwerk defekt.",
    "wrong_item": "Gemahlen statt ganze Bohne geliefert.",
    "not_as_described": "Röstung deutlich dunkler als beschrieben.",
    "changed_mind": "Kunde hat sich anders entschieden.",
    "other": "Paket beschädigt angekommen.",
}
FREE_SHIPPING_FROM = 39.0
SHIPPING_FEE = 4.90


@dataclass(frozen=True)
class Catalog:
    """The demo products as arrays (ids from the database)."""

    ids: np.ndarray
    skus: list[str]
    names: list[str]
    prices: np.ndarray
    weights: np.ndarray


@dataclass
class Ids:
    """Next free primary key per table; the generator hands ids out itself."""

    order: int
    line: int
    return_: int


@dataclass
class History:
    """Row tuples ready for the raw inserts, plus what the timeline needs."""

    orders: list[tuple] = field(default_factory=list)
    lines: list[tuple] = field(default_factory=list)
    shipments: list[tuple] = field(default_factory=list)
    returns: list[tuple] = field(default_factory=list)
    return_lines: list[tuple] = field(default_factory=list)
    refunds: list[tuple] = field(default_factory=list)
    withdrawals: list[tuple] = field(default_factory=list)
    # Per order: arrays for the timeline writer.
    order_ids: np.ndarray | None = None
    order_customer: np.ndarray | None = None
    placed: np.ndarray | None = None
    total: np.ndarray | None = None
    cancelled: np.ndarray | None = None
    shipped: np.ndarray | None = None
    shipped_at: np.ndarray | None = None
    delivered: np.ndarray | None = None
    delivered_at: np.ndarray | None = None
    carrier: np.ndarray | None = None
    returned: np.ndarray | None = None
    return_at: np.ndarray | None = None
    return_reason: np.ndarray | None = None
    refund_amount: np.ndarray | None = None
    refund_at: np.ndarray | None = None
    withdrawn: np.ndarray | None = None
    withdrawn_at: np.ndarray | None = None


def build_history(
    rng: np.random.Generator,
    population: Population,
    *,
    customer_ids: np.ndarray,
    emails: list[str],
    addresses: list[str],
    catalog: Catalog,
    ids: Ids,
    shop_id: int,
    now: int,
) -> History:
    """Turn simulated order times into orders with lines and their after-sales events."""
    count = len(population.order_time)
    owner = population.order_customer
    placed = np.minimum(local_daytime(rng, population.order_time), now - 60)
    placed = np.maximum(placed, population.acquired_at[owner] - DAY)
    order_ids = np.arange(ids.order, ids.order + count, dtype=np.int64)
    ids.order += count

    # Basket: 1-4 lines, more and bigger for customers with a higher spend level (Gamma-Gamma).
    spend = population.spend_level[owner]
    line_count = 1 + rng.binomial(3, np.clip(0.12 * spend, 0.02, 0.8))
    line_order = np.repeat(np.arange(count), line_count)
    line_total_count = len(line_order)
    product = rng.choice(len(catalog.ids), line_total_count, p=catalog.weights)
    quantity = 1 + np.minimum(rng.poisson(0.35 * spend[line_order]), 5)
    unit_price = catalog.prices[product]
    line_total = np.round(unit_price * quantity, 2)
    line_start = np.concatenate(([0], np.cumsum(line_count)[:-1]))
    line_number = np.arange(line_total_count) - np.repeat(line_start, line_count) + 1
    line_ids = np.arange(ids.line, ids.line + line_total_count, dtype=np.int64)
    ids.line += line_total_count
    subtotal = np.add.reduceat(line_total, line_start)
    shipping = np.where(subtotal < FREE_SHIPPING_FROM, SHIPPING_FEE, 0.0)
    total = np.round(order_total(subtotal, shipping, 0.0), 2)
    tax = np.round(total * 19 / 119, 2)

    # After-sales: shipping a day or two later, delivery 1-4 days after that.
    cancelled = rng.random(count) < 0.015
    shipped_at = placed + rng.integers(4 * 3600, 2 * DAY, count)
    delivered_at = shipped_at + rng.integers(DAY, 4 * DAY, count)
    shipped = ~cancelled & (shipped_at < now)
    delivered = shipped & (delivered_at < now)
    tracked = shipped & (rng.random(count) < 0.96)
    carrier = rng.choice(CARRIERS, count, p=CARRIER_WEIGHTS / CARRIER_WEIGHTS.sum())
    tracking = rng.integers(10**11, 10**12 - 1, count)

    draw = rng.random(count)
    return_at = delivered_at + rng.integers(2 * DAY, 14 * DAY, count)
    returned = delivered & (draw < 0.08) & (return_at < now)
    withdrawn_at = delivered_at + rng.integers(DAY, 13 * DAY, count)
    withdrawn = delivered & ~returned & (draw > 0.99) & (withdrawn_at < now)
    return_reason = rng.choice(
        RETURN_REASONS, count, p=RETURN_REASON_WEIGHTS / RETURN_REASON_WEIGHTS.sum()
    )
    # A return refunds its first line (usually the defective or unwanted article).
    refund_amount = np.where(returned, line_total[line_start], 0.0)
    refund_amount = np.where(withdrawn, total, refund_amount)
    refund_at = np.where(returned, return_at + 5 * DAY, withdrawn_at + 7 * DAY)
    refunded = (returned | withdrawn) & (refund_at < now) & (refund_amount > 0)
    refund_amount = np.where(refunded, refund_amount, 0.0)

    status = np.full(count, "delivered", dtype=object)
    status[~delivered] = "shipped"
    status[~shipped] = "paid"
    status[returned | withdrawn] = "returned"
    status[cancelled] = "cancelled"

    placed_text = timestamps(placed)
    customer_of_order = customer_ids[owner]
    history = History()
    ordered = zip(
        order_ids.tolist(), customer_of_order.tolist(), owner.tolist(), status.tolist(),
        placed_text, money(subtotal), money(shipping), money(tax), money(total),
        money(refund_amount), strict=True,
    )  # fmt: skip
    history.orders = [
        (oid, shop_id, str(100000 + oid), str(100000 + oid), cid, emails[own], st, pt, "EUR",
         sub, shp, 0.0, tx, tot, ref, False, addresses[own], addresses[own], pt, pt, pt)
        for oid, cid, own, st, pt, sub, shp, tx, tot, ref in ordered
    ]  # fmt: skip
    history.lines = list(
        zip(
            line_ids.tolist(), order_ids[line_order].tolist(), line_number.tolist(),
            catalog.ids[product].tolist(), [catalog.skus[p] for p in product.tolist()],
            [catalog.names[p] for p in product.tolist()], quantity.tolist(),
            unit_price.tolist(), line_total.tolist(), strict=True,
        )
    )  # fmt: skip

    ship_idx = np.flatnonzero(shipped)
    ship_text = timestamps(shipped_at[ship_idx])
    delivered_text = optional_timestamps(delivered_at[ship_idx], delivered[ship_idx])
    for k, i in enumerate(ship_idx.tolist()):
        name = carrier[i]
        number = str(tracking[i]) if tracked[i] else ""
        url = TRACKING_URLS[name].format(number) if number else ""
        history.shipments.append(
            (int(order_ids[i]), "", name, number, url, ship_text[k], delivered_text[k])
        )

    ret_idx = np.flatnonzero(returned)
    ret_text = timestamps(return_at[ret_idx])
    received_text = timestamps(return_at[ret_idx] + 3 * DAY)
    for k, i in enumerate(ret_idx.tolist()):
        rid = ids.return_
        ids.return_ += 1
        reason = str(return_reason[i])
        done = bool(refunded[i])
        history.returns.append(
            (rid, int(order_ids[i]), reason, "refunded" if done else "announced", ret_text[k],
             received_text[k] if done else None, RETURN_NOTES[reason])
        )  # fmt: skip
        history.return_lines.append((rid, int(line_ids[line_start[i]]), 1))

    ref_idx = np.flatnonzero(refunded)
    ref_text = timestamps(refund_at[ref_idx])
    for k, i in enumerate(ref_idx.tolist()):
        reason = "Widerruf" if withdrawn[i] else "Retoure"
        history.refunds.append(
            (int(order_ids[i]), "", float(round(refund_amount[i], 2)), "EUR", reason, ref_text[k])
        )

    wd_idx = np.flatnonzero(withdrawn)
    wd_text = timestamps(withdrawn_at[wd_idx])
    for k, i in enumerate(wd_idx.tolist()):
        history.withdrawals.append(
            (int(order_ids[i]), wd_text[k], "email",
             "completed" if refunded[i] else "confirmed", True, "Widerruf per E-Mail erklärt.")
        )  # fmt: skip

    history.order_ids = order_ids
    history.order_customer = customer_of_order
    history.placed = placed
    history.total = total
    history.cancelled = cancelled
    history.shipped = shipped
    history.shipped_at = shipped_at
    history.delivered = delivered
    history.delivered_at = delivered_at
    history.carrier = carrier
    history.returned = returned
    history.return_at = return_at
    history.return_reason = return_reason
    history.refund_amount = refund_amount
    history.refund_at = np.where(refunded, refund_at, 0)
    history.withdrawn = withdrawn
    history.withdrawn_at = withdrawn_at
    return history
