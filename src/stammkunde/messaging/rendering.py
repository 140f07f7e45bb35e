"""Rendering message templates from plain data, and checking them when they are saved.

Three parts per message: the subject and the text part are rendered without HTML escaping, the
HTML part with autoescaping and its CSS then inlined for mail clients (css-inline, remote style
sheets never loaded, media queries kept for small screens). All run in the guarded sandbox of
:mod:`stammkunde.messaging.sandbox` and take plain data only, never model objects.

:func:`validate_template` is what the editor calls on save: syntax, unknown variables (against
the documented ones), private attributes, and a trial render with the example data under the
same limits; each problem with its line and a message in the viewer's language.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

import css_inline
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from jinja2 import Template, TemplateSyntaxError, UndefinedError, meta, nodes, pass_context

from stammkunde.core.links import neutralize_mail_links
from stammkunde.core.number_formats import format_money
from stammkunde.messaging.sandbox import (
    TEMPLATE_FILENAME,
    TIME_BUDGET,
    Budget,
    MessageSandbox,
    RenderLimitError,
    SecurityError,
    plain_data,
    stream_with_budget,
)
from stammkunde.messaging.template_variables import (
    VARIABLES,
    TemplateVariable,
    documented_paths,
    example_context,
)


class TemplateKind(StrEnum):
    SUBJECT = "subject"
    TEXT = "text"
    HTML = "html"


PROBLEM_TEXTS = {
    "syntax": _("the template cannot be read: %(detail)s"),
    "unknown_variable": _("unknown variable “%(name)s”"),
    "private": _("“%(name)s” is private and cannot be used in a template"),
    "security": _("not allowed in a template: %(detail)s"),
    "loop_limit": _("a loop or repetition is too large: %(detail)s"),
    "time_limit": _("rendering takes longer than %(seconds)s seconds (a loop that does not end?)"),
    "size_limit": _("a value gets too long: %(detail)s"),
    "output_limit": _("the message gets too long: %(detail)s"),
    "undefined": _("a value is missing: %(detail)s"),
    "data": _("the data is not plain data: %(detail)s"),
    "css": _("the style sheet cannot be inlined: %(detail)s"),
    "render_error": _("the template fails with the example data: %(detail)s"),
}
LINE_TEXT = _("Line %(line)s: %(problem)s")


@dataclass(frozen=True)
class TemplateProblem:
    """One thing wrong with a template; ``message`` renders in the active language."""

    code: str
    line: int | None = None
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        problem = PROBLEM_TEXTS[self.code] % self.params
        return LINE_TEXT % {"line": self.line, "problem": problem} if self.line else problem

    def __str__(self) -> str:
        return self.message


class TemplateError(Exception):
    """Rendering failed; ``problem`` says why and where."""

    def __init__(self, problem: TemplateProblem) -> None:
        super().__init__(str(problem.params.get("detail") or problem.code))
        self.problem = problem


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


# --- filters for money and dates in the customer's language ----------------------------------

MONTHS = {
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "en": "January February March April May June July August September October November December",
}


@pass_context
def money(context, value: Any, currency: str | None = None) -> str:
    """ "49,90 €" in German, "€49.90" in English: core.number_formats in the customer's language
    (the mail's ``language``, not the staff member's who sends it); number and sign on one line."""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation as error:
        raise TypeError(f"money needs a number, not {value!r}") from error
    language = "en" if context.get("language", "de") == "en" else "de"
    with translation.override(language):
        return format_money(amount, (currency or "EUR").upper())


@pass_context
def long_date(context, value: Any) -> str:
    """ "1. Dezember 2026" in German, "1 December 2026" in English."""
    if not isinstance(value, date):
        raise TypeError(f"date needs a date, not {value!r}")
    language = "en" if context.get("language", "de") == "en" else "de"
    month = MONTHS[language].split()[value.month - 1]
    day = f"{value.day}." if language == "de" else str(value.day)
    return f"{day} {month} {value.year}"


def _environment(autoescape: bool) -> MessageSandbox:
    environment = MessageSandbox(autoescape=autoescape)
    environment.filters.update(money=money, date=long_date)
    return environment


ENVIRONMENTS = {True: _environment(True), False: _environment(False)}
INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=True)


@functools.lru_cache(maxsize=256)
def _compiled(kind: TemplateKind, source: str) -> Template:
    # A campaign renders one template thousands of times: compile it once.
    environment = ENVIRONMENTS[kind is TemplateKind.HTML]
    ast = environment.parse(source)
    _refuse_escape_switches(ast)
    return environment.from_string(ast)


def _refuse_escape_switches(ast: nodes.Template) -> None:
    """Escaping stays on: no ``{% autoescape false %}`` block (``|safe`` does not exist here)."""
    for node in ast.find_all((nodes.EvalContextModifier, nodes.ScopedEvalContextModifier)):
        error = SecurityError(_("autoescape blocks are not available"))
        error.lineno = node.lineno  # type: ignore[attr-defined]
        raise error


def _template_line(error: BaseException) -> int | None:
    line = getattr(error, "lineno", None)
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == TEMPLATE_FILENAME:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def _problem_from(error: Exception, seconds: float) -> TemplateProblem:
    line = _template_line(error)
    if isinstance(error, TemplateSyntaxError):
        return TemplateProblem("syntax", error.lineno, {"detail": error.message or str(error)})
    # Our own refusals carry a lazily translated detail; Jinja's own are English text.
    detail = error.args[0] if error.args else str(error)
    if isinstance(error, RenderLimitError):
        params = {"seconds": f"{seconds:g}"} if error.code == "time_limit" else {}
        return TemplateProblem(error.code, line, {"detail": detail, **params})
    if isinstance(error, SecurityError):
        return TemplateProblem("security", line, {"detail": detail})
    if isinstance(error, RecursionError):
        detail = _("macros call each other without end")
        return TemplateProblem("loop_limit", line, {"detail": detail})
    if isinstance(error, UndefinedError):
        return TemplateProblem("undefined", line, {"detail": str(error)})
    detail = f"{type(error).__name__}: {error}"
    return TemplateProblem("render_error", line, {"detail": detail})


def render(
    source: str,
    context: dict[str, Any],
    *,
    kind: TemplateKind,
    seconds: float = TIME_BUDGET,
) -> str:
    """Render one part of a message. Raises TemplateError with the problem on any failure."""
    kind = TemplateKind(kind)
    try:
        data = plain_data(context)
    except TypeError as error:
        raise TemplateError(TemplateProblem("data", None, {"detail": str(error)})) from error
    try:
        template = _compiled(kind, source)
        output = stream_with_budget(template.generate(data), Budget(seconds))
    except (TemplateSyntaxError, RenderLimitError, SecurityError, RecursionError) as error:
        raise TemplateError(_problem_from(error, seconds)) from error
    except Exception as error:
        # Template code may raise anything (a division by zero, a bad filter argument): it
        # is the template's problem, reported as such, never the worker's crash.
        raise TemplateError(_problem_from(error, seconds)) from error
    if kind is TemplateKind.SUBJECT:
        # One line, always: a line break in a subject is a header injection attempt or a typo.
        return " ".join(output.split())
    if kind is TemplateKind.HTML:
        try:
            # No javascript: or data: link reaches a customer, whoever wrote it (a template, a
            # shop's value in it): core.links keeps web, mail, phone and cid: links only.
            return neutralize_mail_links(INLINER.inline(output))
        except (css_inline.InlineError, ValueError) as error:
            raise TemplateError(TemplateProblem("css", None, {"detail": str(error)})) from error
    return output


def render_message(
    *, subject: str, text: str, html: str, context: dict[str, Any]
) -> RenderedMessage:
    """Render the three parts of a message with the same data."""
    return RenderedMessage(
        subject=render(subject, context, kind=TemplateKind.SUBJECT),
        text=render(text, context, kind=TemplateKind.TEXT),
        html=render(html, context, kind=TemplateKind.HTML) if html.strip() else "",
    )


# --- the save-time check ---------------------------------------------------------------------


def _written(node: nodes.Node) -> str:
    """The expression as the author wrote it, for messages ("line.nmae")."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_written(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{_written(node.node)}[{node.arg.value!r}]"
    return "…"


class _PathChecker:
    """Walks a template and checks every a.b.c against the documented variables."""

    def __init__(self, documented: frozenset[str]) -> None:
        self.documented = documented
        self.roots = {path.split(".")[0] for path in documented}
        self.records = {path.rsplit(".", 1)[0] for path in documented if "." in path}
        self.problems: list[TemplateProblem] = []

    def resolve(self, node: nodes.Node, aliases: dict[str, str]) -> str | None:
        if isinstance(node, nodes.Name):
            return aliases.get(node.name) or (node.name if node.name in self.roots else None)
        if isinstance(node, nodes.Getattr | nodes.Getitem):
            parent = self.resolve(node.node, aliases)
            if parent is None:
                return None
            if isinstance(node, nodes.Getattr):
                return f"{parent}.{node.attr}"
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                return f"{parent}.{node.arg.value}"
            return f"{parent}[]"
        return None

    def visit(self, node: nodes.Node, aliases: dict[str, str]) -> None:
        if isinstance(node, nodes.For):
            self.visit(node.iter, aliases)
            inner = dict(aliases)
            iterated = self.resolve(node.iter, aliases)
            if iterated and isinstance(node.target, nodes.Name):
                inner[node.target.name] = f"{iterated}[]"
            for child in [*node.body, *([node.test] if node.test else [])]:
                self.visit(child, inner)
            for child in node.else_:
                self.visit(child, aliases)
            return
        if isinstance(node, nodes.Getattr | nodes.Getitem):
            name = node.attr if isinstance(node, nodes.Getattr) else None
            if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
                name = node.arg.value if isinstance(node.arg.value, str) else None
            parent = self.resolve(node.node, aliases)
            path = self.resolve(node, aliases)
            # Attributes of a documented record must be documented; a leaf value's own
            # methods (upper, strftime...) are left to the sandbox.
            private = name is not None and name.startswith("_")  # reported as private
            if parent in self.records and path not in self.documented and name and not private:
                self.problems.append(
                    TemplateProblem("unknown_variable", node.lineno, {"name": _written(node)})
                )
        for child in node.iter_child_nodes():
            self.visit(child, aliases)


def _static_problems(ast: nodes.Template, documented: frozenset[str], globals_: set):
    problems = []
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        name = node.attr if isinstance(node, nodes.Getattr) else None
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            name = node.arg.value if isinstance(node.arg.value, str) else None
        if name and name.startswith("_"):
            problems.append(TemplateProblem("private", node.lineno, {"name": name}))
    roots = {path.split(".")[0] for path in documented}
    unknown = meta.find_undeclared_variables(ast) - roots - globals_
    for name in sorted(unknown):
        line = next(
            (found.lineno for found in ast.find_all(nodes.Name) if found.name == name), None
        )
        problems.append(TemplateProblem("unknown_variable", line, {"name": name}))
    checker = _PathChecker(documented)
    checker.visit(ast, {})
    problems.extend(checker.problems)
    return sorted(problems, key=lambda problem: problem.line or 0)


def validate_template(
    source: str,
    *,
    kind: TemplateKind,
    variables: tuple[TemplateVariable, ...] = VARIABLES,
    example: dict[str, Any] | None = None,
    seconds: float = TIME_BUDGET,
) -> list[TemplateProblem]:
    """Everything wrong with a template, for the editor to show on save (empty: fine)."""
    kind = TemplateKind(kind)
    environment = ENVIRONMENTS[kind is TemplateKind.HTML]
    try:
        ast = environment.parse(source)
    except TemplateSyntaxError as error:
        return [_problem_from(error, seconds)]
    try:
        _refuse_escape_switches(ast)
    except SecurityError as error:
        return [TemplateProblem("security", _template_line(error), {"detail": str(error)})]
    try:
        problems = _static_problems(ast, documented_paths(variables), set(environment.globals))
    except TemplateSyntaxError as error:  # an unknown filter or test, found while compiling
        return [_problem_from(error, seconds)]
    if problems:
        # A trial render would only fail on the same names, less clearly.
        return problems
    try:
        render(source, example or example_context(variables), kind=kind, seconds=seconds)
    except TemplateError as error:
        return [error.problem]
    return []


def variables_for_editor(
    variables: tuple[TemplateVariable, ...] = VARIABLES,
) -> list[dict[str, Any]]:
    """The documented variables as rows for the editor: how to write it, meaning, example."""
    rows = []
    for variable in variables:
        example = variable.example
        if isinstance(example, date | datetime | Decimal):
            example = str(example)
        written = variable.path.replace("[]", "")
        rows.append({"name": written, "description": variable.description, "example": example})
    return rows
