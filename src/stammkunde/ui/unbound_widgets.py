"""Empty forms whose widgets are rendered once per process and language.

The customer 360 page shows the empty consent and call forms on every view. Rendering a widget
renders Django's widget templates (a select's every option, a radio button's every choice,
through includes), which made these two forms about a twentieth of the page's CPU time, for
HTML that is the same each time. A form with ``WidgetsRenderedOnce`` keeps the HTML of each
widget of an unbound form, keyed by everything it depends on there: the form class, field name,
prefix, id pattern, the active language (labels of choices) and the initial value. A bound
form (a submission, maybe with errors) is rendered as usual.

Only for forms whose widgets depend on nothing else: static choices, no per-request attributes.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import get_language

# (form class, field name, prefix, auto_id, required attributes, language, initial value) -> the
# widget's HTML.
_RENDERED: dict[tuple[Any, ...], str] = {}


class _KeptBoundField(forms.BoundField):
    """A bound field whose plain rendering (``{{ field }}``) of an unbound form is kept."""

    def as_widget(self, widget: Any = None, attrs: Any = None, only_initial: bool = False) -> str:
        if self.form.is_bound or widget is not None or attrs or only_initial:
            return super().as_widget(widget, attrs, only_initial)
        value = self.value()
        key = (
            type(self.form),
            self.name,
            self.form.prefix,
            self.form.auto_id,
            self.form.use_required_attribute,
            get_language(),
            repr(value),
        )
        html = _RENDERED.get(key)
        if html is None:
            html = _RENDERED[key] = super().as_widget()
        return html


class WidgetsRenderedOnce(forms.Form):
    """A form whose empty widgets are rendered once per process and language (module doc)."""

    bound_field_class: ClassVar[type[forms.BoundField]] = _KeptBoundField
