"""Case.restricted_until: the day a case kept after an erasure (for its business letters) is
kept until, with processing restricted. Filled for the cases erasures kept before: every case
left of an erased customer, and every case whose orders a shop's redact detached from the
person (``Order.detached_from_id``), each until the end of its erasure's restriction."""

from django.db import migrations, models


def mark_kept_cases(apps, schema_editor):
    Case = apps.get_model("service", "Case")
    PrivacyRequest = apps.get_model("customers", "PrivacyRequest")
    Order = apps.get_model("shop", "Order")
    restricted = PrivacyRequest.objects.filter(kind="erasure", state="restricted").exclude(
        restricted_until=None
    )
    for customer_id, shop_id, until in restricted.values_list(
        "customer_id", "shop_id", "restricted_until"
    ).order_by("restricted_until"):
        if shop_id is None:
            cases = Case.objects.filter(customer_id=customer_id, customer__status="erased")
        else:
            detached = Order.objects.filter(detached_from_id=customer_id, shop_id=shop_id)
            cases = Case.objects.filter(customer_id=customer_id, orders__in=detached)
        Case.objects.filter(pk__in=list(cases.values_list("pk", flat=True))).update(
            restricted_until=until
        )


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0012_team_shop"),
        ("customers", "0013_privacy_request_shop_scope"),
        ("shop", "0008_order_detached_from"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="restricted_until",
            field=models.DateField(
                blank=True, null=True, verbose_name="processing restricted until"
            ),
        ),
        migrations.RunPython(mark_kept_cases, migrations.RunPython.noop),
    ]
