from hypothesis import given
from hypothesis import strategies as st

from stammkunde.core.keys import name_key, normalize_email, phone_key, prefix_range


def test_email_is_trimmed_and_lower_cased():
    assert normalize_email("  Anna.Mueller@Example.DE ") == "anna.mueller@example.de"
    assert normalize_email("   ") is None
    assert normalize_email(None) is None


def test_name_key_folds_umlauts_accents_and_sharp_s():
    assert name_key("Müller") == "muller"
    assert name_key("Straße") == "strasse"
    assert name_key("  José   Núñez ") == "jose nunez"


def test_german_phone_numbers_in_every_notation_have_one_key():
    notations = ["0171 1234567", "+49 171 1234567", "0049-171-1234567", "(0171) 123 45 67"]
    assert {phone_key(n) for n in notations} == {"491711234567"}
    assert phone_key("+43 1 234567") == "431234567"
    assert phone_key("keine Nummer") == ""


@given(st.text(max_size=30), st.text(st.characters(max_codepoint=0xFFFF), max_size=10))
def test_prefix_range_contains_exactly_the_strings_with_that_prefix(key, rest):
    low, high = prefix_range(key)
    assert low <= key + rest < high
