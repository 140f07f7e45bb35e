"""The teams and routing rules of seed 003 ("Personal"): delivery problems go to logistics,
damaged or defective goods to product management, everything else to the central complaints
desk. Team leads change them on the settings page; a second run changes nothing."""

from django.db import migrations

TEAMS = [
    ("beschwerdestelle", "Zentrale Beschwerdestelle", True),
    ("logistik", "Logistik", False),
    ("produktmanagement", "Produktmanagement", False),
]
RULES = [
    # (position, name, case type, keywords, team)
    (10, "Lieferprobleme an die Logistik", "delivery_problem", "", "logistik"),
    (
        20,
        "Paket und Sendung an die Logistik",
        "",
        "paket nicht angekommen, nicht geliefert, sendungsverfolgung, wo bleibt, "
        "parcel, not delivered, tracking",
        "logistik",
    ),
    (30, "Beschädigte Ware ans Produktmanagement", "damaged_goods", "", "produktmanagement"),
    (40, "Garantiefälle ans Produktmanagement", "warranty_claim", "", "produktmanagement"),
]


def create_defaults(apps, schema_editor):
    Team = apps.get_model("service", "Team")
    RoutingRule = apps.get_model("service", "RoutingRule")
    if Team.objects.exists():
        return
    teams = {}
    for slug, name, is_default in TEAMS:
        teams[slug] = Team.objects.create(slug=slug, name=name, is_default=is_default)
    for position, name, case_type, keywords, team in RULES:
        RoutingRule.objects.create(
            position=position,
            name=name,
            case_type=case_type,
            keywords=keywords,
            team=teams[team],
        )


class Migration(migrations.Migration):
    dependencies = [("service", "0004_cases")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
