"""core.choices: the same labels as Django's get_<field>_display, in the active language."""

from __future__ import annotations

from django.db.models import Model
from django.utils import translation

from stammkunde.timeline.models import Activity, ActivityKind, Channel, Direction


def djangos_label(entry: Activity, name: str) -> str:
    """Django's own lookup, which Activity's methods replace."""
    return Model._get_FIELD_display(entry, Activity._meta.get_field(name))


def test_labels_are_djangos_in_each_language():
    for kind in ActivityKind.values:
        entry = Activity(kind=kind, channel=Channel.PHONE, direction=Direction.INBOUND)
        for language in ("de", "en"):
            with translation.override(language):
                for name in ("kind", "channel", "direction"):
                    shown = getattr(entry, f"get_{name}_display")()
                    assert shown == djangos_label(entry, name)
                    assert isinstance(shown, str)


def test_the_label_follows_the_active_language():
    entry = Activity(kind=ActivityKind.NOTE, channel=Channel.PHONE)
    with translation.override("en"):
        english = entry.get_channel_display()
    with translation.override("de"):
        german = entry.get_channel_display()
    assert (english, german) == ("Phone", "Telefon")


def test_an_unknown_value_is_shown_as_it_is():
    entry = Activity(kind="no_such_kind")
    assert entry.get_kind_display() == "no_such_kind"
