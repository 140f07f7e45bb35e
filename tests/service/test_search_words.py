"""The knowledge base's search words: stems of German and English inflections, and the
spellings a database that folds only ASCII letters must try."""

from __future__ import annotations

import pytest

from stammkunde.service.search_words import spellings, stem


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("rücksendungen", "rücksendung"),
        ("pakete", "paket"),
        ("lieferungen", "lieferung"),
        ("refunds", "refund"),
        ("parcels", "parcel"),
        ("paket", "paket"),  # too short to cut
        ("rechnung", "rechnung"),  # no ending
        ("kunden", "kunde"),
    ],
)
def test_a_word_is_cut_to_its_stem(word, expected):
    assert stem(word) == expected


def test_a_word_with_an_umlaut_first_is_also_tried_capitalised():
    assert spellings("öffnungszeiten") == ["öffnungszeiten", "Öffnungszeiten"]
    assert spellings("paket") == ["paket"]
