"""Vouchers: issuing single-use codes, the export the shop imports, and redemption by orders."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.plausible import Implausible, check_amount
from stammkunde.shop.models import Order, Voucher, VoucherKind
from stammkunde.shop.visibility import customers_of_shops, staff_shop_ids
from stammkunde.shop.voucher_codes import VoucherRow, new_code, normalize_code, voucher_csv
from stammkunde.timeline.visibility import subjects_of_shops

# A voucher worth more than this is a typo, not a gesture; goodwill has its own lower limits.
VOUCHER_MAXIMUM = Decimal("10000")
CODE_ATTEMPTS = 5


class VoucherError(ValueError):
    """A voucher that cannot be issued; the message is meant for the user."""


@transaction.atomic
def issue_voucher(
    *,
    amount: Decimal,
    currency: str = "EUR",
    kind: str = VoucherKind.AMOUNT,
    customer_id: int | None,
    source_type: str,
    source_id: int | None,
    valid_until: date | None = None,
    by: Any | None = None,
) -> Voucher:
    """Create a voucher with a fresh unique single-use code."""
    try:
        amount = check_amount(amount, "amount", maximum=VOUCHER_MAXIMUM)
    except Implausible as error:
        raise VoucherError(error.reason) from None
    kind = VoucherKind(kind)
    if kind == VoucherKind.AMOUNT and amount <= 0:
        raise VoucherError(_("A voucher must be worth more than nothing."))
    for _attempt in range(CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                voucher = Voucher.objects.create(
                    code=new_code(),
                    kind=kind,
                    amount=amount,
                    currency=currency.upper()[:3],
                    customer_id=customer_id,
                    source_type=source_type,
                    source_id=source_id,
                    issued_at=timezone.now(),
                    valid_until=valid_until,
                )
            break
        except IntegrityError:
            continue  # the one-in-a-trillion collision: draw again
    else:  # pragma: no cover - would need CODE_ATTEMPTS collisions in a row
        raise VoucherError(_("No free voucher code was found; try again."))
    audit(actor=by, action=AuditAction.CREATE, obj=voucher, customer_id=customer_id)
    return voucher


@transaction.atomic
def export_vouchers(*, by: Any, only_new: bool = True) -> tuple[str, int]:
    """The voucher file for the shop (text, count); marks the exported vouchers.

    ``only_new`` leaves out vouchers exported before, so each import adds only new codes.
    The file holds customers' e-mail addresses: the export is audited with the customers in
    it. Staff limited to shops export (and mark) only the vouchers of their shops: for a
    customer of theirs, and not about another shop's matter (a voucher of a goodwill gesture is
    the goodwill's: its order's shop, else its case's; the timeline's rules,
    ``subjects_of_shops``). A voucher for no customer may be for any shop, so it is left for an
    unlimited user.
    """
    vouchers = Voucher.objects.select_related("customer").filter(redeemed_at__isnull=True)
    shop_ids = staff_shop_ids(by)
    if shop_ids is not None:
        vouchers = vouchers.filter(customers_of_shops(shop_ids, field="customer_id"))
        vouchers = subjects_of_shops(vouchers, Voucher._meta.label_lower, shop_ids)
    if only_new:
        vouchers = vouchers.filter(exported_at__isnull=True)
    vouchers = list(vouchers.order_by("id"))
    rows = [
        VoucherRow(
            code=voucher.code,
            kind=voucher.kind,
            amount=voucher.amount,
            currency=voucher.currency,
            valid_until=voucher.valid_until,
            customer_email=(voucher.customer.email or "") if voucher.customer else "",
        )
        for voucher in vouchers
    ]
    now = timezone.now()
    Voucher.objects.filter(pk__in=[voucher.pk for voucher in vouchers]).update(exported_at=now)
    audit(
        actor=by,
        action=AuditAction.EXPORT,
        object_type="shop.voucher",
        object_id="",
        customer_ids=sorted({voucher.customer_id for voucher in vouchers if voucher.customer_id}),
        detail=f"{len(rows)} vouchers",
    )
    return voucher_csv(rows), len(rows)


def redeem_codes(pairs: Iterable[tuple[Order, Sequence[str]]]) -> list[Voucher]:
    """Mark the vouchers that orders quoted as redeemed (first order wins; single use).

    Called by the order upsert in its transaction with each order and the discount codes the
    shop reported. Codes we did not issue (the shop's own campaigns) are ignored; a code
    quoted again by the same order (an update) changes nothing.
    """
    wanted: dict[str, Order] = {}
    for order, codes in pairs:
        for raw in codes:
            code = normalize_code(raw)
            if code and code not in wanted:
                wanted[code] = order
    if not wanted:
        return []
    redeemed = []
    for voucher in Voucher.objects.select_for_update().filter(
        code__in=list(wanted), redeemed_at__isnull=True
    ):
        order = wanted[voucher.code]
        voucher.redeemed_order = order
        voucher.redeemed_at = order.placed_at
        voucher.save(update_fields=["redeemed_order", "redeemed_at"])
        redeemed.append(voucher)
    return redeemed
