"""Timeline rows of the demo shop: every order event, plus staff notes and phone calls."""

from __future__ import annotations

import numpy as np

from stammkunde.demo.history import History
from stammkunde.demo.rows import timestamps
from stammkunde.timeline.formatting import money_params
from stammkunde.timeline.services import params_to_db

# Rows come out in timeline.services.GENERATED_ACTIVITY_COLUMNS order.

NOTES = [
    "Kundin fragt nach Liefertermin, Sendungsnummer per E-Mail geschickt.",
    "Kunde wünscht künftig Lieferung an die Packstation.",
    "Bevorzugt ganze Bohnen, bitte nicht gemahlen schicken.",
    "Hat sich über die schnelle Lieferung gefreut, möchte eine Bewertung schreiben.",
    "Adresse geändert: Umzug innerhalb der Stadt.",
    "Kulanz: 10 % Gutschein für die nächste Bestellung wegen verspäteter Lieferung.",
    "Möchte keine Werbeanrufe, nur E-Mail.",
    "Fragt nach Großgebinde für das Büro.",
]
CALLS = [
    ("inbound", "Rückruf wegen defekter Mühle"),
    ("inbound", "Kundin fragt nach Liefertermin"),
    ("inbound", "Frage zur Rechnung, Zahlung per Lastschrift erklärt"),
    ("outbound", "Rückruf: Ersatzteil für Espressokocher bestellt"),
    ("outbound", "Nachgefragt, ob die Ersatzlieferung angekommen ist"),
    ("inbound", "Beschwerde über beschädigtes Paket, Ersatz zugesagt"),
    ("inbound", "Beratung zur passenden Mahlgrad-Einstellung"),
]


def order_activities(history: History, *, shop_label: str) -> list[tuple]:
    """One row per order event (placed, cancelled, shipped, delivered, return, refund, Widerruf)."""
    rows: list[tuple] = []
    order_ids = history.order_ids.tolist()
    customers = history.order_customer.tolist()
    subject = "shop.order"
    encode = params_to_db()

    def add(mask: np.ndarray, when: np.ndarray, kind: str, channel: str, direction: str,
            label: str, params: list[dict]) -> None:  # fmt: skip
        index = np.flatnonzero(mask)
        when_text = timestamps(when[index])
        for k, i in enumerate(index.tolist()):
            rows.append(
                (customers[i], kind, channel, direction, when_text[k], when_text[k], None, label,
                 encode(params[k]), "", subject, order_ids[i], None)
            )  # fmt: skip

    def number(i: int) -> str:
        return str(100000 + order_ids[i])

    every = np.ones(len(order_ids), dtype=bool)
    totals = history.total.tolist()
    add(every, history.placed, "order_placed", "shop", "inbound", shop_label,
        [{"number": str(100000 + o), **money_params(f"{t:.2f}", "EUR")}
         for o, t in zip(order_ids, totals, strict=True)])  # fmt: skip
    cancelled = np.flatnonzero(history.cancelled).tolist()
    add(history.cancelled, history.placed + 3600, "order_cancelled", "shop", "inbound",
        shop_label, [{"number": number(i)} for i in cancelled])  # fmt: skip
    shipped = np.flatnonzero(history.shipped).tolist()
    add(history.shipped, history.shipped_at, "order_shipped", "shop", "outbound", shop_label,
        [{"number": number(i), "carrier": str(history.carrier[i])} for i in shipped])  # fmt: skip
    delivered = np.flatnonzero(history.delivered).tolist()
    add(history.delivered, history.delivered_at, "order_delivered", "shop", "internal",
        shop_label, [{"number": number(i)} for i in delivered])  # fmt: skip
    returned = np.flatnonzero(history.returned).tolist()
    add(history.returned, history.return_at, "return_received", "shop", "inbound", shop_label,
        [{"number": number(i), "reason": str(history.return_reason[i])}
         for i in returned])  # fmt: skip
    refunded = history.refund_amount > 0
    add(refunded, history.refund_at, "refund_issued", "shop", "outbound", shop_label,
        [{"number": number(i), **money_params(f"{history.refund_amount[i]:.2f}", "EUR")}
         for i in np.flatnonzero(refunded).tolist()])  # fmt: skip
    withdrawn = np.flatnonzero(history.withdrawn).tolist()
    add(history.withdrawn, history.withdrawn_at, "withdrawal_received", "email", "inbound",
        shop_label, [{"number": number(i)} for i in withdrawn])  # fmt: skip
    return rows


def staff_contacts(
    rng: np.random.Generator,
    *,
    customer_ids: np.ndarray,
    acquired_at: np.ndarray,
    staff: list[tuple[int, str]],
    now: int,
    share: float = 0.15,
) -> list[tuple]:
    """Notes and phone calls by the demo staff for about ``share`` of the customers."""
    chosen = np.flatnonzero(rng.random(len(customer_ids)) < share)
    per_customer = 1 + rng.poisson(0.6, len(chosen))
    owner = np.repeat(chosen, per_customer)
    size = len(owner)
    span = np.maximum(now - acquired_at[owner], 3600)
    when = acquired_at[owner] + (rng.random(size) * span).astype(np.int64)
    when_text = timestamps(when)
    is_call = rng.random(size) < 0.55
    text = rng.integers(0, 1000, size)
    who = rng.integers(0, max(len(staff), 1), size)
    duration = rng.integers(60, 900, size)
    rows: list[tuple] = []
    encode = params_to_db()
    for k, i in enumerate(owner.tolist()):
        actor_id, label = staff[who[k]] if staff else (None, "Service")
        if is_call[k]:
            direction, summary = CALLS[text[k] % len(CALLS)]
            rows.append(
                (int(customer_ids[i]), "call", "phone", direction, when_text[k], when_text[k],
                 actor_id, label, encode({"text": summary}), "", "", None, int(duration[k]))
            )  # fmt: skip
        else:
            rows.append(
                (int(customer_ids[i]), "note", "internal", "internal", when_text[k],
                 when_text[k], actor_id, label, encode({"text": NOTES[text[k] % len(NOTES)]}), "",
                 "", None, None)
            )  # fmt: skip
    return rows
