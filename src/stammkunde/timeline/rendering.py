"""What a timeline entry says, in the reader's language.

An entry is stored as a kind plus parameters (``Activity.params``: order number, amount and
currency, carrier, reason, ...), never as a finished sentence; ``render_summary`` makes the
sentence when the entry is shown, with the active language's words (gettext) and number format
(Django's localization). Every place that shows entries (staff pages, the API, exports) goes
through it, so an entry written by a German webhook reads English to an English reader.

The sentence of each kind is in ``timeline.sentences``, its parameters in
``timeline.parameters``. Two rules keep old and unexpected rows readable:

- ``{"text": ...}`` is a line as written (a note, a call, a line from before entries were
  structured): it is shown as it is, whatever the kind.
- A kind this code does not know, or parameters its sentence cannot use (a row written by an
  older or newer version), give the kind's name instead of an error on the page.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from stammkunde.timeline.kinds import ActivityKind
from stammkunde.timeline.sentences import SENTENCES

logger = logging.getLogger(__name__)


def render_summary(kind: str, params: Mapping[str, Any] | None) -> str:
    """The one-line sentence of an entry in the active language."""
    params = params or {}
    text = params.get("text")
    if text:
        return str(text)
    sentence = SENTENCES.get(kind)
    if sentence is not None:
        try:
            return sentence(params)
        except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError):
            # A row whose params this version cannot read: show what kind of entry it is
            # rather than break the customer's page; the log says which row shape failed.
            logger.warning("timeline entry %s has unusable params %r", kind, sorted(params))
    return kind_label(kind)


def kind_label(kind: str) -> str:
    """The name of an entry kind in the active language ("Order placed"); an unknown kind as
    stored, made readable ("Case teleported" for ``case_teleported``)."""
    try:
        return str(ActivityKind(kind).label)
    except ValueError:
        return str(kind).replace("_", " ").capitalize()
