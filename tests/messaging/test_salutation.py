"""Greetings by form of address, gender, title and language: plain tests, no database."""

from __future__ import annotations

import pytest

from stammkunde.messaging.salutation import (
    Recipient,
    clean_name,
    greeting_for,
    message_language,
)


def greet(**fields):
    return greeting_for(Recipient(**fields))


@pytest.mark.parametrize(
    ("fields", "german", "english"),
    [
        (
            {"first_name": "Anna", "last_name": "Müller", "salutation": "ms", "title": "Dr."},
            "Sehr geehrte Frau Dr. Müller",
            "Dear Dr Müller",
        ),
        (
            {"first_name": "Anna", "last_name": "Müller", "salutation": "ms"},
            "Sehr geehrte Frau Müller",
            "Dear Ms Müller",
        ),
        (
            {"first_name": "Jürgen", "last_name": "Weiß", "salutation": "mr"},
            "Sehr geehrter Herr Weiß",
            "Dear Mr Weiß",
        ),
        (
            {"last_name": "Weiß", "salutation": "mr", "title": "prof dr"},
            "Sehr geehrter Herr Prof. Dr. Weiß",
            "Dear Professor Weiß",
        ),
        (
            {"first_name": "Kim", "last_name": "Meier", "salutation": "mx"},
            "Guten Tag Kim Meier",
            "Dear Mx Meier",
        ),
        (
            {"first_name": "Kim", "last_name": "Meier"},
            "Guten Tag Kim Meier",
            "Hello Kim Meier",
        ),
    ],
)
def test_formal_greetings(fields, german, english):
    assert greet(**fields, language="de").text == german
    assert greet(**fields, language="en").text == english


@pytest.mark.parametrize(
    ("fields", "german", "english"),
    [
        (
            {"first_name": "Anna", "last_name": "Müller", "salutation": "ms"},
            "Hallo Anna",
            "Hi Anna",
        ),
        ({"first_name": "Kim"}, "Hallo Kim", "Hi Kim"),
    ],
)
def test_informal_greetings_use_the_first_name(fields, german, english):
    de = greet(**fields, form_of_address="informal", language="de")
    en = greet(**fields, form_of_address="informal", language="en")
    assert (de.text, en.text) == (german, english)
    assert de.is_fallback is False
    assert de.informal is True


def test_chosen_greetings_are_not_fallbacks():
    assert greet(first_name="Anna", last_name="Müller", salutation="ms").is_fallback is False
    # Diverse is a choice the customer made, not missing data.
    assert greet(first_name="Kim", last_name="Meier", salutation="mx").is_fallback is False


def test_unknown_gender_is_a_neutral_fallback_with_the_name():
    greeting = greet(first_name="Kim", last_name="Meier")
    assert greeting.is_fallback is True
    assert greeting.uses_name is True
    assert "gender" in str(greeting.fallback_reason)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, "Guten Tag"),
        ({"first_name": "  ", "last_name": ""}, "Guten Tag"),
        ({"form_of_address": "informal"}, "Hallo"),
        ({"form_of_address": "informal", "last_name": "Meier"}, "Hallo"),
        ({"last_name": "Meier"}, "Guten Tag"),
        ({"first_name": "Anna"}, "Guten Tag Anna"),
        ({"company": "Rösterei Süd GmbH"}, "Sehr geehrte Damen und Herren"),
        ({"salutation": "ms", "first_name": "Anna"}, "Guten Tag Anna"),
        ({"first_name": ".", "last_name": "-", "salutation": "ms"}, "Guten Tag"),
    ],
)
def test_missing_fields_never_leave_a_gap(fields, expected):
    greeting = greet(**fields)
    assert greeting.text == expected
    assert greeting.line == expected + ","
    assert greeting.is_fallback is True
    assert "  " not in greeting.line
    assert " ," not in greeting.line


def test_informal_without_first_name_keeps_the_formal_name():
    greeting = greet(last_name="Meier", salutation="ms", form_of_address="informal")
    assert greeting.text == "Hallo Frau Meier"
    assert greeting.is_fallback is True
    assert greeting.uses_name is True


def test_greeting_without_name_says_so():
    greeting = greet(language="en")
    assert greeting.text == "Hello"
    assert greeting.uses_name is False
    assert "No name" in str(greeting.fallback_reason)


def test_fallback_reason_is_translated_for_staff():
    from django.utils import translation

    with translation.override("de"):
        assert (
            str(greet().fallback_reason)
            == "Es ist kein Name bekannt, die Anrede bleibt ohne Namen."
        )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ANNA-LENA", "Anna-Lena"),
        ("müller-lüdenscheidt", "Müller-Lüdenscheidt"),
        ("VON BÜLOW", "von Bülow"),
        ("o'neill", "O'Neill"),
        ("  McDonald  ", "McDonald"),
        ("van der Berg", "van der Berg"),
        ("  Anna   Lena ", "Anna Lena"),
    ],
)
def test_names_are_tidied(raw, expected):
    assert clean_name(raw) == expected


def test_shouted_names_are_re_cased_in_the_greeting():
    assert greet(first_name="ANNA", last_name="MÜLLER", salutation="ms").text == (
        "Sehr geehrte Frau Müller"
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "de"),
        ("de-AT", "de"),
        ("en_GB", "en"),
        ("EN", "en"),
        ("fr", "de"),
        ("", "de"),
        (None, "de"),
    ],
)
def test_message_language(language, expected):
    assert message_language(language) == expected


def test_unsupported_language_uses_the_installation_default():
    greeting = greeting_for(Recipient(first_name="Anna", language="fr"), default_language="en")
    assert greeting.language == "en"
    assert greeting.text == "Hello Anna"


def test_greeting_as_template_variables():
    greeting = greet(first_name="Anna", form_of_address="informal", language="en")
    assert greeting.as_context() == {"salutation": "Hi Anna", "informal": True, "language": "en"}
