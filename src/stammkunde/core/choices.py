"""Labels of a model field's choices, looked up without Django's per-call cost.

Django's ``get_<field>_display()`` builds a dict of the field's choices on every call, and
checking that each (lazy, translated) label is hashable translates it: for the timeline's
some forty kinds that is forty translations per entry shown, several percent of the customer
360 page's CPU. The dict is built once per field here; labels stay lazy and are translated
only when shown, in the language active then.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import models
from django.utils.encoding import force_str


@functools.cache
def _labels(field: models.Field) -> dict[Any, Any]:
    # A field's choices are fixed when its model class is made (as Django's own lookup assumes).
    return dict(field.flatchoices)


def choice_label(instance: models.Model, field_name: str) -> str:
    """What ``instance.get_<field_name>_display()`` returns: the label of the field's value,
    else the value itself."""
    field = instance._meta.get_field(field_name)
    value = getattr(instance, field.attname)
    return force_str(_labels(field).get(value, value), strings_only=True)
