"""Whatever text the data holds, the HTML part escapes it and nothing in the engine crashes;
whatever a rendered mail holds, the personal check answers (hypothesis)."""

from __future__ import annotations

import html

from hypothesis import given, settings
from hypothesis import strategies as st

from stammkunde.messaging.personal_check import RenderedMail, check_mail
from stammkunde.messaging.rendering import TemplateError, TemplateKind, render, validate_template
from stammkunde.messaging.template_variables import example_context

# Control characters are left out: the HTML parser of the CSS inliner drops NUL and turns CR
# into LF, as every HTML5 parser (and mail client) does; that is not a matter of escaping.
tricky_text = st.one_of(
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=60),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            '"><img src=x onerror=alert(1)>',
            "{{ 7*7 }}",
            "{% for x in range(10) %}x{% endfor %}",
            "&amp;&lt;",
            "Müller & Söhne",
        ]
    ),
)


@settings(max_examples=150, deadline=None)
@given(first_name=tricky_text)
def test_data_never_becomes_markup_or_template_code(first_name):
    data = example_context()
    data["customer"] = {**data["customer"], "first_name": first_name}
    rendered = render("<p>[{{ customer.first_name }}]</p>", data, kind=TemplateKind.HTML)
    body = rendered.split("<body>", 1)[1].rsplit("</body>", 1)[0]
    start, end = body.index("<p>[") + 4, body.rindex("]</p>")
    shown = body[start:end]
    assert "<" not in shown and ">" not in shown
    assert html.unescape(shown) == first_name
    text = render("{{ customer.first_name }}", data, kind=TemplateKind.TEXT)
    assert text == first_name  # data is never evaluated as a template


@settings(max_examples=150, deadline=None)
@given(source=st.text(max_size=80))
def test_any_template_text_gets_an_answer_not_a_crash(source):
    problems = validate_template(source, kind=TemplateKind.HTML, seconds=0.5)
    assert all(problem.message for problem in problems)
    try:
        render(source, example_context(), kind=TemplateKind.TEXT, seconds=0.5)
    except TemplateError as error:
        assert error.problem.message


@settings(max_examples=150, deadline=None)
@given(
    subject=st.text(max_size=40),
    text=st.text(max_size=200),
    html_part=st.text(max_size=200),
    sender=st.text(max_size=40),
    order_number=st.one_of(st.none(), st.text(max_size=8)),
    product_names=st.lists(st.text(max_size=20), max_size=3),
)
def test_personal_check_answers_for_any_mail(**parts):
    result = check_mail(
        RenderedMail(
            subject=parts["subject"],
            text=parts["text"],
            html=parts["html_part"],
            sender=parts["sender"],
            order_number=parts["order_number"],
            product_names=parts["product_names"],
        )
    )
    assert all(finding.message for finding in result.findings)
    assert result.reads_as_personal is (not result.blocking)
