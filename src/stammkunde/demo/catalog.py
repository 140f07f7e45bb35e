"""The demo shop's catalogue: a German coffee and tea roastery with about 200 products."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CatalogItem:
    sku: str
    name: str
    category: str
    price: float
    popularity: float


_COFFEES = [
    ("Espresso Milano", 1.0),
    ("Espresso Napoli", 0.9),
    ("Caffè Crema Klassik", 1.2),
    ("Hausmischung", 1.5),
    ("Äthiopien Yirgacheffe", 0.6),
    ("Kolumbien Supremo", 0.7),
    ("Brasilien Santos", 0.8),
    ("Guatemala Antigua", 0.5),
    ("Kenia AA", 0.4),
    ("Sumatra Mandheling", 0.35),
    ("Costa Rica Tarrazú", 0.4),
    ("Honduras Bio", 0.5),
    ("Peru Bio Fairtrade", 0.55),
    ("Indien Monsooned Malabar", 0.3),
    ("Entkoffeiniert Schweizer Wasser", 0.45),
    ("Filterkaffee Morgenrot", 0.7),
]
_COFFEE_SIZES = [("250 g", 1.0), ("500 g", 1.85), ("1 kg", 3.4)]
_COFFEE_GRINDS = [
    ("ganze Bohne", 1.0, "B"),
    ("gemahlen", 0.5, "G"),
    ("fein für Siebträger", 0.3, "S"),
]

_TEAS = [
    ("Earl Grey", 0.8),
    ("Darjeeling First Flush", 0.5),
    ("Assam Breakfast", 0.6),
    ("Sencha Japan", 0.45),
    ("Gunpowder", 0.3),
    ("Rooibos Vanille", 0.6),
    ("Pfefferminze", 0.5),
    ("Kamille", 0.35),
    ("Chai Gewürz", 0.5),
    ("Matcha Zeremonie", 0.3),
    ("Weißer Tee Pai Mu Tan", 0.2),
    ("Früchtetee Waldbeere", 0.4),
    ("Ingwer Zitrone", 0.45),
    ("Oolong Milky", 0.2),
]
_TEA_SIZES = [("100 g", 1.0), ("250 g", 2.2), ("Probierdose 50 g", 0.6)]

_ACCESSORIES = [
    ("Handmühle Keramikmahlwerk", "Mühlen", 49.90, 0.3),
    ("Elektrische Kaffeemühle Kegelmahlwerk", "Mühlen", 129.00, 0.2),
    ("Espressokocher 3 Tassen", "Zubereitung", 29.90, 0.35),
    ("Espressokocher 6 Tassen", "Zubereitung", 34.90, 0.3),
    ("French Press 1 l", "Zubereitung", 32.50, 0.3),
    ("Handfilter Porzellan Gr. 2", "Zubereitung", 19.90, 0.35),
    ("Filtertüten Gr. 2, 100 Stück", "Zubehör", 3.49, 0.6),
    ("Milchaufschäumer", "Zubereitung", 39.90, 0.2),
    ("Siebträgermaschine Einkreiser", "Maschinen", 549.00, 0.03),
    ("Kaffeevollautomat Kompakt", "Maschinen", 699.00, 0.03),
    ("Teekanne Glas 1,2 l", "Teezubehör", 27.90, 0.2),
    ("Teesieb Edelstahl", "Teezubehör", 6.90, 0.4),
    ("Teefilter Papier, 100 Stück", "Teezubehör", 3.99, 0.4),
    ("Vorratsdose Aroma 500 g", "Zubehör", 17.90, 0.3),
    ("Tamper Edelstahl 58 mm", "Zubehör", 24.90, 0.1),
    ("Entkalker 500 ml", "Pflege", 9.90, 0.35),
    ("Reinigungstabletten, 40 Stück", "Pflege", 12.90, 0.25),
    ("Tasse Espresso, 2er-Set", "Geschirr", 16.90, 0.2),
    ("Cappuccinotasse Steingut", "Geschirr", 12.90, 0.2),
    ("Thermobecher To Go", "Geschirr", 22.90, 0.25),
    ("Geschenkgutschein 25 €", "Gutscheine", 25.00, 0.15),
    ("Geschenkgutschein 50 €", "Gutscheine", 50.00, 0.1),
    ("Probierpaket Espresso", "Geschenke", 24.90, 0.3),
    ("Probierpaket Tee", "Geschenke", 19.90, 0.25),
    ("Adventskalender Kaffee", "Geschenke", 39.90, 0.1),
    ("Kakao Trinkschokolade 250 g", "Schokolade", 7.90, 0.3),
    ("Karamell-Sirup 700 ml", "Sirup", 8.90, 0.2),
    ("Haselnuss-Sirup 700 ml", "Sirup", 8.90, 0.2),
    ("Vanille-Sirup 700 ml", "Sirup", 8.90, 0.2),
    ("Kandis braun 500 g", "Zucker", 3.90, 0.25),
]


def build_catalog() -> list[CatalogItem]:
    """Every product of the demo shop, in a fixed order (so seeded runs are reproducible)."""
    items: list[CatalogItem] = []
    for number, (coffee, popularity) in enumerate(_COFFEES, start=1):
        base = 7.90 + (number % 5) * 0.80
        category = "Espresso" if "spresso" in coffee or "Crema" in coffee else "Kaffee"
        for size, factor in _COFFEE_SIZES:
            for grind, grind_weight, grind_code in _COFFEE_GRINDS:
                size_code = size.replace(" ", "").upper()
                items.append(
                    CatalogItem(
                        sku=f"KAF-{number:02d}-{size_code}-{grind_code}",
                        name=f"{coffee}, {size}, {grind}",
                        category=category,
                        price=round(round(base * factor, 1) - 0.01, 2),
                        popularity=popularity * grind_weight / factor,
                    )
                )
    for number, (tea, popularity) in enumerate(_TEAS, start=1):
        base = 5.90 + (number % 4) * 1.10
        for size, factor in _TEA_SIZES:
            size_code = size.split()[-2] if "Probier" in size else size.replace(" ", "")
            items.append(
                CatalogItem(
                    sku=f"TEE-{number:02d}-{size_code.upper()}",
                    name=f"{tea}, {size}",
                    category="Tee",
                    price=round(round(base * factor, 1) - 0.01, 2),
                    popularity=popularity / factor,
                )
            )
    for number, (name, category, price, popularity) in enumerate(_ACCESSORIES, start=1):
        items.append(
            CatalogItem(
                sku=f"ZUB-{number:03d}",
                name=name,
                category=category,
                price=price,
                popularity=popularity,
            )
        )
    return items
