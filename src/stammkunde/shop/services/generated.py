"""Writing a generated shop history (the demo generator): rows with their ids handed out up
front, inserted with one ``executemany`` per table and chunk.

The ORM's ``bulk_create`` builds a model instance per row; at five million orders that alone
takes minutes. The generator computes its rows as plain tuples with database-ready values, in
the column order of ``COLUMNS`` (orders, lines and returns with their ids, so that it can link
them without reading them back), and hands them over here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import transaction

from stammkunde.core.bulk import RowTable
from stammkunde.shop.models import (
    Order,
    OrderLine,
    Product,
    Refund,
    Return,
    ReturnLine,
    Shipment,
    Shop,
    ShopAccount,
    Withdrawal,
    reversed_number,
)

# Per table: the model and the columns each generated row holds, in order.
COLUMNS = {
    "account": (ShopAccount, ["shop_id", "external_id", "customer_id", "created_at"]),
    "order": (Order, [
        "id", "shop_id", "external_id", "number", "customer_id", "email", "status",
        "placed_at", "currency", "subtotal", "shipping_total", "discount_total",
        "tax_total", "total", "refunded_total", "is_test", "billing_address",
        "shipping_address", "source_updated_at", "created_at", "updated_at"]),
    "line": (OrderLine, [
        "id", "order_id", "line_number", "product_id", "sku", "name", "quantity",
        "unit_price", "total"]),
    "shipment": (Shipment, [
        "order_id", "external_id", "carrier", "tracking_number", "tracking_url",
        "shipped_at", "delivered_at"]),
    "return": (Return, [
        "id", "order_id", "reason", "status", "announced_at", "received_at", "note"]),
    "return_line": (ReturnLine, ["return_request_id", "order_line_id", "quantity"]),
    "refund": (Refund, [
        "order_id", "external_id", "amount", "currency", "reason", "refunded_at"]),
    "withdrawal": (Withdrawal, [
        "order_id", "declared_at", "channel", "status", "within_period", "note"]),
}  # fmt: skip
# The models whose ids a generator hands out (their sequences need moving past them).
MODELS_WITH_GIVEN_IDS = [Order, OrderLine, Return]


def insert_generated_rows(table: str, rows: Iterable[Sequence]) -> None:
    """Insert generated rows of ``table`` (a key of COLUMNS), each in that column order."""
    model, columns = COLUMNS[table]
    if table == "order":
        # The generators know nothing of the reversed copy that suffix search needs.
        number = columns.index("number")
        columns = [*columns, "number_reversed"]
        rows = [(*row, reversed_number(row[number])) for row in rows]
    RowTable(model, columns).insert(rows)


@transaction.atomic
def create_products(
    shop: Shop, items: Iterable[tuple[str, str, str, Decimal | float | None]]
) -> list[int]:
    """Add the shop's catalogue, ``(sku, name, category, price)`` each; return the new ids."""
    products = Product.objects.bulk_create(
        Product(shop=shop, sku=sku, name=name, category=category, price=price)
        for sku, name, category, price in items
    )
    return [product.pk for product in products]
