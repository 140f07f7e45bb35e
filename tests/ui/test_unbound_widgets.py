"""Empty forms whose widgets are rendered once (ui.unbound_widgets): the same HTML as Django's
own rendering, in the reader's language, and submitted forms rendered as usual."""

from __future__ import annotations

from django import forms
from django.utils import translation

from stammkunde.ui.customers.forms import CallForm, ConsentForm
from stammkunde.ui.unbound_widgets import WidgetsRenderedOnce


class PlainConsentForm(forms.Form):
    """ConsentForm's fields on Django's own form class (nothing kept)."""


PlainConsentForm.base_fields = ConsentForm.base_fields


class Colour(WidgetsRenderedOnce):
    colour = forms.ChoiceField(choices=[("red", "Red"), ("blue", "Blue")], initial="red")


def widgets(form: forms.Form) -> list[str]:
    return [str(field) for field in form]


def test_an_empty_form_renders_what_django_renders_every_time():
    with translation.override("de"):
        expected = widgets(PlainConsentForm())
        assert widgets(ConsentForm()) == expected
        assert widgets(ConsentForm()) == expected


def test_the_kept_widgets_are_in_the_readers_language():
    with translation.override("de"):
        german = " ".join(widgets(CallForm()))
    with translation.override("en"):
        english = " ".join(widgets(CallForm()))

    assert "Eingehend (Kunde hat angerufen)" in german
    assert "Inbound (customer called)" in english
    assert "Inbound (customer called)" not in german


def test_a_submitted_form_shows_what_was_submitted():
    Colour()["colour"].__str__()  # the empty form's widget is kept

    submitted = Colour({"colour": "blue"})
    wrong = Colour({"colour": "green"})
    wrong.is_valid()

    assert 'value="blue" selected' in str(submitted["colour"])
    assert 'aria-invalid="true"' in str(wrong["colour"])
    assert 'value="red" selected' in str(Colour()["colour"])


def test_a_different_initial_value_is_not_served_from_the_kept_widget():
    assert 'value="red" selected' in str(Colour()["colour"])
    assert 'value="blue" selected' in str(Colour(initial={"colour": "blue"})["colour"])
