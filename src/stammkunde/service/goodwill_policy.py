"""The goodwill rule (no database): may this person grant this much now, must a team lead
approve it, or is the amount refused outright?

Seed 003: the person handling a case needs the authority to solve it without asking a
superior each time; seed 001 tip 2: the limits are written down per role. A limit is set per
role, kind of goodwill and case type; "" stands for every kind or every (other) case type.

Which limit applies to a request (``fallback_keys``, said so on the policy page): the role's limit
for this kind and this case type, else for this kind and every case type, else for every kind
and this case type, else the role's general limit. The kind comes before the case type because
it says what the money is (a partial refund is paid out, a voucher is spent in the shop). Someone
with several roles gets the highest of their limits; no limit for any of their roles means zero:
every gesture waits for approval.

Every kind is limited by its value in money, as every grant records it: a voucher or a partial
refund by its amount, free shipping by the shipping cost waived, a replacement or a gift by the
goods' selling price. Not by a count: one gift may be a 400 EUR machine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext as _

from stammkunde.core.number_formats import format_money
from stammkunde.core.plausible import Implausible, check_amount

# No goodwill gesture is worth more than this: above it the amount is a typo (an extra zero,
# cents typed as euros) and is refused, not sent for approval.
ABSURD_AMOUNT = Decimal("5000")
CENT = Decimal("0.01")


class Outcome(StrEnum):
    GRANT = "grant"  # within the limit: granted at once
    APPROVAL = "approval"  # above the limit: waits for a team lead
    REFUSED = "refused"  # not a possible amount


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    limit: Decimal | None  # the requester's limit (None: unlimited)
    reason: str = ""


Limits = Mapping[tuple[str, str, str], Decimal]  # (role, case type, kind) -> maximum


def fallback_keys(case_type: str, kind: str) -> list[tuple[str, str]]:
    """The (case type, kind) keys a role's limit is looked up under, most specific first."""
    keys = [(case_type, kind), ("", kind), (case_type, ""), ("", "")]
    return list(dict.fromkeys(keys))  # without repeats when the type or the kind is ""


def role_limit(role: str, case_type: str, kind: str, limits: Limits) -> Decimal | None:
    """The limit of one role for a request (the first found in ``fallback_keys``), or None."""
    for type_key, kind_key in fallback_keys(case_type, kind):
        limit = limits.get((role, type_key, kind_key))
        if limit is not None:
            return limit
    return None


def limit_for(roles: Iterable[str], case_type: str, limits: Limits, kind: str = "") -> Decimal:
    """The highest limit among ``roles`` for ``kind`` in a case of ``case_type``; zero when
    none of the roles has one."""
    best = Decimal(0)
    for role in roles:
        limit = role_limit(role, case_type, kind, limits)
        if limit is not None and limit > best:
            best = limit
    return best


def check_goodwill_amount(
    amount: object, *, open_on_order: Decimal | None = None, currency: str = "EUR"
) -> Decimal:
    """The amount as cents, or Implausible: not a number, zero or negative, absurdly high,
    or (for a refund) more than is left to refund on the order; sums in the reader's way of
    writing money."""
    value = check_amount(amount, "amount")
    if value != value.quantize(CENT):
        raise Implausible("amount", _("has more than two decimal places."))
    if value <= 0:
        raise Implausible("amount", _("must be more than zero."))
    if value > ABSURD_AMOUNT:
        raise Implausible(
            "amount",
            _("is more than any gesture of goodwill (%(max)s).")
            % {"max": format_money(ABSURD_AMOUNT, currency)},
        )
    if open_on_order is not None and value > open_on_order:
        raise Implausible(
            "amount",
            _("is more than is left to refund on the order (%(open)s).")
            % {"open": format_money(open_on_order, currency)},
        )
    return value


def judge(
    amount: object,
    *,
    roles: Iterable[str],
    case_type: str,
    limits: Limits,
    kind: str = "",
    unlimited: bool = False,
    open_on_order: Decimal | None = None,
    currency: str = "EUR",
) -> Verdict:
    """Decide what happens to a goodwill request of ``amount`` by someone with ``roles``."""
    try:
        value = check_goodwill_amount(amount, open_on_order=open_on_order, currency=currency)
    except Implausible as error:
        return Verdict(Outcome.REFUSED, None, error.reason)
    if unlimited:
        return Verdict(Outcome.GRANT, None)
    limit = limit_for(roles, case_type, limits, kind)
    if value <= limit:
        return Verdict(Outcome.GRANT, limit)
    return Verdict(
        Outcome.APPROVAL,
        limit,
        _("%(amount)s is above your limit of %(limit)s; a team lead decides.")
        % {"amount": format_money(value, currency), "limit": format_money(limit, currency)},
    )
