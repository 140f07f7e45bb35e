"""The teams and routing rules of seed 003 ("Personal"): delivery problems go to logistics,
damaged or defective goods to product management, everything else to the central complaints
desk. Team leads change them on the settings page."""

from __future__ import annotations

from typing import Any

# (slug, name, is the default team)
TEAMS = [
    ("beschwerdestelle", "Zentrale Beschwerdestelle", True),
    ("logistik", "Logistik", False),
    ("produktmanagement", "Produktmanagement", False),
]
# (position, name, case type, keywords, team slug)
RULES = [
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


def install_default_teams(team_model: Any, rule_model: Any) -> bool:
    """Create the default teams and routing rules when there is no team at all (a desk always
    needs one); works with historical models in a data migration. Returns whether it did."""
    if team_model.objects.exists():
        return False
    teams = {
        slug: team_model.objects.create(slug=slug, name=name, is_default=is_default)
        for slug, name, is_default in TEAMS
    }
    for position, name, case_type, keywords, team in RULES:
        rule_model.objects.create(
            position=position, name=name, case_type=case_type, keywords=keywords, team=teams[team]
        )
    return True
