"""The word lists: case type guesses and angry or legal wording, German and English."""

from __future__ import annotations

import pytest

from stammkunde.service.wording import announces_legal_steps, guess_case_type, reads_angry


@pytest.mark.parametrize(
    ("subject", "text", "expected"),
    [
        ("Paket nicht angekommen", "Bestellung 10234", "delivery_problem"),
        ("Where is my parcel?", "", "delivery_problem"),
        ("Tasse kam zerbrochen an", "", "damaged_goods"),
        ("Item arrived broken", "", "damaged_goods"),
        ("Widerruf", "Ich widerrufe den Kauf.", "withdrawal"),
        ("Rücksendung", "Wie schicke ich zurück?", "return"),
        ("Garantie", "Die Mühle ist nach 8 Monaten still", "warranty_claim"),
        ("Beschwerde", "über Ihren Kundendienst", "complaint"),
        ("Frage", "Haben Sie auch entkoffeinierten Kaffee?", "question"),
    ],
)
def test_the_case_type_is_guessed_from_the_words(subject, text, expected):
    assert guess_case_type(subject, text) == expected


@pytest.mark.parametrize(
    ("text", "angry"),
    [
        ("Das ist eine bodenlose Frechheit.", True),
        ("Unverschämt, wie Sie mit Kunden umgehen", True),
        ("This is unacceptable", True),
        ("Wo bleibt das?!!!", True),
        ("ICH WARTE SEIT DREI WOCHEN AUF MEINE BESTELLUNG", True),
        ("Vielen Dank für die schnelle Hilfe!", False),
        ("Thanks, the grinder works fine now.", False),
        ("Ich bin Sauerteig-Bäcker", False),  # "sauer" only at the start of a word
        # German for "angry" as customers write it (the English list had "angry" only).
        ("Ich bin wirklich verärgert!", True),
        ("Das ist sehr ärgerlich.", True),
        ("Ich bin empört über Ihren Service", True),
        ("I am really annoyed and outraged", True),
        ("Ohne Ärger angekommen, danke", False),
    ],
)
def test_angry_wording_is_recognised(text, angry):
    assert reads_angry(text) is angry


@pytest.mark.parametrize(
    ("text", "legal"),
    [
        ("Ich werde meinen Anwalt einschalten", True),
        ("Die Verbraucherzentrale ist informiert", True),
        ("I will take legal action", True),
        ("Sie sind ein wahrer Gewinn", False),
        ("Gerichte für die Küche", True),  # a false friend: word lists stay simple
    ],
)
def test_legal_steps_are_recognised(text, legal):
    assert announces_legal_steps(text) is legal
