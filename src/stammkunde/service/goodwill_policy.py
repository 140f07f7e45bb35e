"""The goodwill rule (no database): may this person grant this much now, must a team lead
approve it, or is the amount refused outright?

Seed 003: the person handling a case needs the authority to solve it without asking a
superior each time; seed 001 tip 2: the limits are written down per role. A limit is set per
role and case type, with a default for every other type ("" as case type). Someone with
several roles gets the highest of their limits. No limit for any of their roles means zero:
every gesture waits for approval.
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


def limit_for(
    roles: Iterable[str],
    case_type: str,
    limits: Mapping[tuple[str, str], Decimal],
) -> Decimal:
    """The highest limit among ``roles`` for ``case_type`` (its own, else the role's default)."""
    best = Decimal(0)
    for role in roles:
        limit = limits.get((role, case_type))
        if limit is None:
            limit = limits.get((role, ""))
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
    limits: Mapping[tuple[str, str], Decimal],
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
    limit = limit_for(roles, case_type, limits)
    if value <= limit:
        return Verdict(Outcome.GRANT, limit)
    return Verdict(
        Outcome.APPROVAL,
        limit,
        _("%(amount)s is above your limit of %(limit)s; a team lead decides.")
        % {"amount": format_money(value, currency), "limit": format_money(limit, currency)},
    )
