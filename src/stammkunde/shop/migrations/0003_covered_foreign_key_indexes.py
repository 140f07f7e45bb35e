"""Drop the indexes of Order.shop, Order.customer and ShopAccount.shop.

Each is the first column of another index (order_external_unique, order_customer_time,
shop_account_unique) that serves the same lookups; the extra ones were only written. The field
state changes to ``db_index=False``; the database drops the index by name, because altering the
field would make SQLite copy the whole table.
"""

import django.db.models.deletion
from django.db import migrations, models

# Django's names for the indexes it created for these foreign keys (the same on every backend).
INDEXES = {
    "shop_order_shop_id_b9048430": ("shop_order", "shop_id"),
    "shop_order_customer_id_f638df20": ("shop_order", "customer_id"),
    "shop_shopaccount_shop_id_15a98eb3": ("shop_shopaccount", "shop_id"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_merges_and_duplicates"),
        ("shop", "0002_external_ids"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="order",
                    name="customer",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="orders",
                        to="customers.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="shop",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="orders",
                        to="shop.shop",
                    ),
                ),
                migrations.AlterField(
                    model_name="shopaccount",
                    name="shop",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="accounts",
                        to="shop.shop",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for name, (table, column) in INDEXES.items()
            ],
        ),
    ]
