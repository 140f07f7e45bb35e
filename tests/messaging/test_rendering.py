"""The sandboxed template engine: escaping, plain data, and every refusal with its message.
Plain tests, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from markupsafe import Markup

from stammkunde.messaging.rendering import (
    TemplateError,
    TemplateKind,
    render,
    render_message,
    validate_template,
    variables_for_editor,
)
from stammkunde.messaging.template_variables import VARIABLES, example_context

HTML, TEXT, SUBJECT = TemplateKind.HTML, TemplateKind.TEXT, TemplateKind.SUBJECT


def context(**overrides):
    data = example_context()
    data.update(overrides)
    return data


def problems(source, kind=TEXT, **kwargs):
    return [
        (problem.code, problem.line) for problem in validate_template(source, kind=kind, **kwargs)
    ]


def render_error(source, data=None, kind=TEXT, **kwargs):
    with pytest.raises(TemplateError) as caught:
        render(source, context() if data is None else data, kind=kind, **kwargs)
    return caught.value.problem


# --- escaping ------------------------------------------------------------------------------


def test_html_part_escapes_the_data():
    data = context(customer={"first_name": '<script>alert("x")</script>', "last_name": "M"})
    html = render("<p>Hallo {{ customer.first_name }}</p>", data, kind=HTML)
    assert "&lt;script&gt;alert" in html
    assert "<script>" not in html


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "java\tscript:alert(1)",
        "&#106;avascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "{{ customer.first_name }}",
    ],
)
def test_no_javascript_or_data_link_reaches_a_customer(link):
    """Whether the template wrote it or a value put into it brought it: a mail's HTML gets no
    link that runs or shows code; web, mail and phone links and pictures stay."""
    data = context(customer={"first_name": "javascript:alert(1)", "last_name": "M"})
    source = (
        f'<a href="{link}">Hier</a><img src="{link}"><a href="https://kaffee.example/a?b=1">'
        '<a href="mailto:hilfe@kaffee.example"><img src="data:image/png;base64,iVBO">'
    )
    html = render(source, data, kind=HTML)
    assert "script:" not in html.lower().replace("&#", "")
    assert "data:text" not in html
    assert html.count('="#"') == 2
    assert 'href="https://kaffee.example/a?b=1"' in html
    assert 'href="mailto:hilfe@kaffee.example"' in html
    assert 'src="data:image/png;base64,iVBO"' in html


def test_text_and_subject_are_not_escaped():
    data = context(shop={"name": "Müller & Söhne <GmbH>"})
    assert render("Grüße von {{ shop.name }}", data, kind=TEXT) == "Grüße von Müller & Söhne <GmbH>"
    assert render("{{ shop.name }}", data, kind=SUBJECT) == "Müller & Söhne <GmbH>"


def test_subject_is_always_one_line():
    data = context(order={"number": "10234\r\nBcc: everyone@example.org"})
    subject = render("Ihre Bestellung\n{{ order.number }}", data, kind=SUBJECT)
    assert subject == "Ihre Bestellung 10234 Bcc: everyone@example.org"
    assert "\n" not in subject and "\r" not in subject


def test_escaping_cannot_be_switched_off():
    assert problems("{% autoescape false %}{{ salutation }}{% endautoescape %}", HTML) == [
        ("security", 1)
    ]
    assert problems("{{ salutation|safe }}", HTML)[0][0] == "syntax"  # no such filter here
    assert render_error("{% autoescape false %}x{% endautoescape %}", kind=HTML).code == "security"


def test_css_is_inlined_media_queries_kept_remote_sheets_not_loaded():
    source = (
        '<html><head><link rel="stylesheet" href="https://tracker.example/x.css">'
        "<style>p { color: #333 } @media (max-width: 600px) { p { font-size: 18px } }</style>"
        "</head><body><p>{{ salutation }},</p></body></html>"
    )
    html = render(source, context(), kind=HTML)
    assert '<p style="color: #333;">Sehr geehrte Frau Dr. Müller,</p>' in html
    assert "@media (max-width: 600px)" in html
    assert "tracker.example" not in html


def test_whole_message_renders():
    message = render_message(
        subject="Ihre Bestellung {{ order.number }}",
        text="{{ salutation }},\n\nvielen Dank!\n{{ sender.name }}",
        html="<p>{{ salutation }},</p>",
        context=context(),
    )
    assert message.subject == "Ihre Bestellung 10234"
    assert message.text == "Sehr geehrte Frau Dr. Müller,\n\nvielen Dank!\nLena Vogel"
    assert "<p>Sehr geehrte Frau Dr. Müller,</p>" in message.html


# --- plain data only -----------------------------------------------------------------------


class FakeModel:
    first_name = "Anna"
    password = "secret"


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"customer": FakeModel()}, "context.customer is a FakeModel"),
        ({"order": {"lines": [{"name": object()}]}}, "context.order.lines[0].name is a object"),
        ({"salutation": Markup("<b>Hi</b>")}, "context.salutation is a Markup"),
        ({"numbers": {1, 2}}, "context.numbers is a set"),
        ({"customer": {1: "x"}}, "context.customer has a key that is not text"),
        ({"salutation": "x" * 100_001}, "context.salutation is longer than"),
    ],
)
def test_anything_but_plain_data_is_refused(data, where):
    problem = render_error("{{ salutation }}", data)
    assert problem.code == "data"
    assert where in problem.message


def test_plain_types_are_accepted():
    data = {
        "language": "de",
        "order": {"total": Decimal("49.90"), "date": date(2026, 12, 1), "lines": [], "n": 2},
        "flag": True,
        "nothing": None,
        "ratio": 0.5,
        "pair": ("a", "b"),
    }
    rendered = render(
        "{{ order.total|money }} {{ order.date|date }} {{ pair|join('-') }}", data, kind=TEXT
    )
    assert rendered == "49,90\u00a0€ 1. Dezember 2026 a-b"


# --- unknown variables and private attributes ----------------------------------------------


def test_good_template_has_no_problems():
    source = (
        "{{ salutation }},\n"
        "{% for line in order.lines %}\n"
        "- {{ line.quantity }} x {{ line.name }}: {{ line.price|money }}\n"
        "{% endfor %}"
        "{% if informal %}Dein{% else %}Ihr{% endif %} Paket: {{ order.tracking_url }}\n"
        "{{ customer.first_name.upper() }} {{ order.date|date }}"
    )
    assert problems(source) == []
    assert render(source, context(), kind=TEXT) == (
        "Sehr geehrte Frau Dr. Müller,\n- 2 x Äthiopien Sidamo, 500 g: 12,45\u00a0€\n"
        "Ihr Paket: https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html"
        "?piececode=00340434\nANNA 1. Dezember 2026"
    )


def test_unknown_variable_with_its_line():
    found = validate_template("Hallo\n\n{{ custmer.first_name }}", kind=TEXT)
    assert [(problem.code, problem.line) for problem in found] == [("unknown_variable", 3)]
    assert found[0].message == "Line 3: unknown variable “custmer”"


def test_unknown_field_of_a_documented_record():
    found = validate_template("{{ customer.frist_name }}", kind=TEXT)
    assert found[0].message == "Line 1: unknown variable “customer.frist_name”"


def test_unknown_field_of_a_loop_item():
    source = "{% for line in order.lines %}\n{{ line.nmae }}\n{% endfor %}"
    found = validate_template(source, kind=TEXT)
    assert [(problem.code, problem.line) for problem in found] == [("unknown_variable", 2)]
    assert "line.nmae" in found[0].message


def test_methods_of_a_value_are_left_to_the_sandbox():
    assert problems("{{ customer.last_name.upper() }} {{ order.date.year }}") == []


@pytest.mark.parametrize(
    "source",
    [
        "{{ customer.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ customer['_secret'] }}",
        "{{ order.lines[0]._meta }}",
    ],
)
def test_private_attributes_are_refused_at_save(source):
    codes = {code for code, _line in problems(source)}
    assert codes == {"private"}


def test_private_attributes_are_refused_at_render_too():
    problem = render_error("{{ salutation.__class__ }}")
    assert problem.code == "security"


def test_data_cannot_be_changed():
    problem = render_error("{{ order.lines.append(1) }}")
    assert problem.code == "security"
    assert "append" in problem.message


def test_missing_value_at_render_is_an_error_not_an_empty_string():
    problem = render_error("Hallo {{ customer.first_name }}", {"customer": {}})
    assert problem.code == "undefined"
    assert problem.line == 1


# --- syntax errors -------------------------------------------------------------------------


def test_syntax_error_with_its_line():
    found = validate_template("Hallo\n{{ order.number }\nTschüss", kind=TEXT)
    assert [(problem.code, problem.line) for problem in found] == [("syntax", 2)]
    assert found[0].message.startswith("Line 2: the template cannot be read:")


def test_unclosed_block():
    assert problems("{% for line in order.lines %}\n{{ line.name }}")[0][0] == "syntax"


# --- work and size limits ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("{% for i in range(100000) %}{% endfor %}", "loop_limit"),
        (
            "{% for i in range(5000) %}{% endfor %}{% for i in range(5001) %}{% endfor %}",
            "loop_limit",
        ),
        ("{% macro again() %}{{ again() }}{% endmacro %}{{ again() }}", "loop_limit"),
        ("{% macro grow(s) %}{{ grow(s ~ s) }}{% endmacro %}{{ grow('ab') }}", "size_limit"),
        ("{{ 'a' * 1000000000 }}", "size_limit"),
        ("{{ order.lines * 1000000 }}", "size_limit"),
        ("{{ 2 ** 100000000 }}", "size_limit"),
        ("{% set n = 2 ** 4000 %}{{ n * n }}", "size_limit"),
        ("{{ 'a'|center(1000000000) }}", "size_limit"),
        ("{{ 'a'|indent(1000000000, true) }}", "size_limit"),
        ("{{ ('x' * 50000)|replace('x', 'xxxxx') }}", "size_limit"),
        ("{{ ['x' * 50000, 'y' * 50000, 'z']|join }}", "size_limit"),
        ("{{ '%999999999s' % 1 }}", "security"),
        ("{{ '%s'|format(1) }}", "security"),
        ("{{ 'a'.ljust(1000000000) }}", "security"),
        ("{{ 'a'.format(1) }}", "security"),
    ],
)
def test_runaway_templates_are_refused(source, code):
    assert [found for found, _line in problems(source)] == [code]


def test_loop_that_does_not_end_in_time_is_stopped():
    # Three nested loops over a long list and no output: only the time budget can stop it.
    source = (
        "{% for a in big %}{% for b in big %}{% for c in big %}{% endfor %}{% endfor %}{% endfor %}"
    )
    problem = render_error(source, {"big": list(range(1000))}, seconds=0.2)
    assert problem.code == "time_limit"
    assert problem.message == (
        "Line 1: rendering takes longer than 0.2 seconds (a loop that does not end?)"
    )


def test_output_has_a_size_limit():
    source = "{% for i in range(9000) %}{{ order.tracking_url }}{% endfor %}"
    assert problems(source) == [("output_limit", None)]


def test_modulo_on_numbers_still_works():
    source = "{% for line in order.lines %}{{ loop.index % 2 }}{% endfor %}"
    assert render(source, context(), kind=TEXT) == "1"


def test_other_runtime_errors_are_reported_not_raised():
    problem = render_error("\n{{ 1 / 0 }}")
    assert (problem.code, problem.line) == ("render_error", 2)
    assert "ZeroDivisionError" in problem.message


# --- money and dates in the customer's language --------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [("de", "1.234,50\u00a0€ · 1. Dezember 2026"), ("en", "€1,234.50 · 1 December 2026")],
)
def test_money_and_date_filters_follow_the_language(language, expected):
    data = context(language=language, order={"total": Decimal("1234.5"), "date": date(2026, 12, 1)})
    assert render("{{ order.total|money }} · {{ order.date|date }}", data, kind=TEXT) == expected


def test_money_in_another_currency():
    data = context(language="de")
    assert render("{{ 12|money('CHF') }}", data, kind=TEXT) == "12,00\u00a0CHF"


# --- the documented variables --------------------------------------------------------------


def test_documented_names_do_not_hide_behind_dict_methods():
    # order.items would find dict.items before the key "items".
    for variable in VARIABLES:
        for part in variable.path.replace("[]", "").split("."):
            assert not hasattr({}, part), variable.path


def test_every_documented_variable_renders_with_the_example_data():
    lines = []
    for variable in VARIABLES:
        if variable.path.startswith("order.lines"):
            continue
        lines.append("{{ " + variable.path + " }}")
    lines.append("{% for line in order.lines %}{{ line.name }}{{ line.quantity }}")
    lines.append("{{ line.price }}{% endfor %}")
    assert problems("\n".join(lines)) == []


def test_variables_for_the_editor():
    rows = {row["name"]: row for row in variables_for_editor()}
    assert rows["order.lines.name"]["example"] == "Äthiopien Sidamo, 500 g"
    assert rows["order.total"]["example"] == "49.90"
    with translation.override("de"):
        assert str(rows["customer.first_name"]["description"]) == "Vorname"


def test_problem_messages_in_german():
    found = validate_template("{{ custmer }}", kind=TEXT)
    with translation.override("de"):
        assert found[0].message == "Zeile 1: unbekannte Variable „custmer“"


def test_limit_details_are_german_too():
    found = validate_template("{% for i in range(100000) %}{% endfor %}", kind=TEXT)
    with translation.override("de"):
        assert found[0].message == (
            "Zeile 1: eine Schleife oder Wiederholung ist zu groß: "
            "range() darf je Nachricht höchstens 10000 Zahlen liefern"
        )
