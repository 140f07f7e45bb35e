"""The Jinja2 sandbox message templates run in, with limits on work and size (no database).

Templates are written by staff, not by programmers, and run inside the worker: a mistake (or a
hostile account) must not read private attributes, change data, or stall the worker. On top of
Jinja2's ``ImmutableSandboxedEnvironment`` (no underscore attributes, no ``list.append``...):

- every string-growing operation is checked *before* it allocates: ``*``, ``+``, ``~`` and
  ``%`` on strings and lists, the ``center``, ``indent``, ``replace``, ``join`` and ``format``
  filters, and string methods beyond a short list of harmless ones;
- ``range()`` is limited per render (all ranges together), macros may not nest deeply;
- a time budget is checked on every line of template code (a trace function active only in
  template frames, only while rendering) and on every call;
- the output is streamed and stops at a size limit.

The limits live in a :class:`Budget` that the renderer opens per render (a context variable,
so threads and async tasks each have their own).
"""

from __future__ import annotations

import contextvars
import operator
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from jinja2 import StrictUndefined, filters, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup

TEMPLATE_FILENAME = "<template>"
MAX_STRING = 100_000  # characters in any one value built while rendering
MAX_OUTPUT = 500_000  # characters of rendered output
MAX_RANGE_TOTAL = 10_000  # items of all range() calls of one render together
MAX_CALL_DEPTH = 30
TIME_BUDGET = 2.0  # seconds per render
MAX_WIDTH = 200  # for center() and indent()
MAX_INTEGER_BITS = 4096
SAFE_STRING_METHODS = frozenset(
    {
        "capitalize",
        "casefold",
        "count",
        "endswith",
        "find",
        "isalnum",
        "isalpha",
        "isdigit",
        "islower",
        "isspace",
        "istitle",
        "isupper",
        "lower",
        "lstrip",
        "removeprefix",
        "removesuffix",
        "rstrip",
        "split",
        "splitlines",
        "startswith",
        "strip",
        "title",
        "upper",
    }
)


class RenderLimitError(Exception):
    """A template exceeded a limit. ``code`` names which: loop_limit, output_limit,
    time_limit, size_limit."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


def limit_error(code: str, text: Any, **params: Any) -> RenderLimitError:
    """A RenderLimitError whose detail is rendered in the language active when it is read."""
    return RenderLimitError(code, lazy(lambda: str(text) % params if params else str(text), str)())


class Budget:
    """The limits of one render and what has been used of them."""

    def __init__(self, seconds: float = TIME_BUDGET) -> None:
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds
        self.range_items = 0
        self.depth = 0
        self.lines = 0

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise limit_error(
                "time_limit",
                _("rendering took longer than %(seconds)s seconds"),
                seconds=self.seconds,
            )


_budget: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("budget", default=None)


def current_budget() -> Budget:
    # Rendering outside stream_with_budget() (a test, the shell) still gets default limits.
    return _budget.get() or Budget()


def _check_size(value: Any) -> Any:
    if isinstance(value, str | list | tuple) and len(value) > MAX_STRING:
        raise limit_error(
            "size_limit", _("a value grew past %(limit)s characters or items"), limit=MAX_STRING
        )
    return value


def _sized(value: Any) -> int | None:
    return len(value) if isinstance(value, str | list | tuple) else None


def _guarded_range(*args: int) -> range:
    numbers = range(*args)
    budget = current_budget()
    budget.range_items += len(numbers)
    if budget.range_items > MAX_RANGE_TOTAL:
        raise limit_error(
            "loop_limit",
            _("range() may give at most %(limit)s numbers per message"),
            limit=MAX_RANGE_TOTAL,
        )
    return numbers


def _multiply(left: Any, right: Any) -> Any:
    integers = isinstance(left, int) and isinstance(right, int)
    # Numbers grow too: squaring a big number again and again in a macro.
    if integers and left.bit_length() + right.bit_length() > MAX_INTEGER_BITS:
        raise limit_error("size_limit", _("a product would be too large a number"))
    for sequence, times in ((left, right), (right, left)):
        size = _sized(sequence)
        if size is not None and isinstance(times, int) and size * max(times, 0) > MAX_STRING:
            raise limit_error("size_limit", _("a repeated text or list would be too long"))
    return operator.mul(left, right)


def _power(left: Any, right: Any) -> Any:
    integers = isinstance(left, int) and isinstance(right, int)
    if integers and right > 0 and max(abs(left).bit_length(), 1) * right > MAX_INTEGER_BITS:
        raise limit_error("size_limit", _("a power would be too large a number"))
    return operator.pow(left, right)


def _add(left: Any, right: Any) -> Any:
    left_size, right_size = _sized(left), _sized(right)
    if left_size is not None and right_size is not None and left_size + right_size > MAX_STRING:
        raise limit_error("size_limit", _("a joined text or list would be too long"))
    return operator.add(left, right)


def _modulo(left: Any, right: Any) -> Any:
    if isinstance(left, str):
        # "%999999999s" % x builds a giant string in one step; text is joined with ~ instead.
        raise SecurityError(_("formatting text with % is not available; join text with ~"))
    return operator.mod(left, right)


def _concat(*parts: Any) -> Any:
    """Check a ``~`` join before it happens (every part is itself within the limit)."""
    total = sum(len(str(part)) for part in parts)
    if total > MAX_STRING:
        raise limit_error("size_limit", _("a joined text would be too long"))
    return parts


class GuardedCodeGenerator(CodeGenerator):
    """Jinja's compiler, with every ``~`` join passed through a size check first."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        func_name = "markup_join" if frame.eval_ctx.autoescape else "str_join"
        if frame.eval_ctx.volatile:
            func_name = "(markup_join if context.eval_ctx.volatile else str_join)"
        self.write(f"{func_name}(environment.check_concat(")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")


def _center(value: str, width: int = 80) -> str:
    if width > MAX_WIDTH:
        raise limit_error(
            "size_limit", _("center allows a width of at most %(limit)s"), limit=MAX_WIDTH
        )
    return filters.do_center(value, width)


def _indent(value: str, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    size = len(width) if isinstance(width, str) else width
    if size > MAX_WIDTH:
        raise limit_error(
            "size_limit", _("indent allows a width of at most %(limit)s"), limit=MAX_WIDTH
        )
    indented = filters.do_indent(value, width, first, blank)
    return _check_size(indented)


def _replace(eval_ctx, value: str, old: str, new: str, count: int | None = None) -> str:
    text = str(value)
    occurrences = text.count(str(old)) if old else len(text) + 1
    if count is not None:
        occurrences = min(occurrences, max(count, 0))
    if len(text) + occurrences * (len(str(new)) - len(str(old))) > MAX_STRING:
        raise limit_error("size_limit", _("replace would make the text too long"))
    return filters.do_replace(eval_ctx, value, old, new, count)


_replace.jinja_pass_arg = filters.do_replace.jinja_pass_arg  # type: ignore[attr-defined]


def _join(eval_ctx, value, separator: str = "", attribute=None) -> str:
    items = list(value)
    total = sum(len(str(item)) for item in items) + len(str(separator)) * len(items)
    if total > MAX_STRING:
        raise limit_error("size_limit", _("join would make the text too long"))
    return filters.do_join(eval_ctx, items, separator, attribute)


_join.jinja_pass_arg = filters.do_join.jinja_pass_arg  # type: ignore[attr-defined]


def _format_refused(*args: Any, **kwargs: Any) -> str:
    raise SecurityError(_("the format filter is not available; join text with ~"))


class MessageSandbox(ImmutableSandboxedEnvironment):
    """The sandbox with this module's limits; see the module docstring."""

    code_generator_class = GuardedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *, autoescape: bool) -> None:
        super().__init__(
            autoescape=autoescape,
            undefined=StrictUndefined,
            # No compile-time evaluation: a constant expression would otherwise run (and
            # allocate) while the template is compiled, before any budget is open.
            optimized=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
            cache_size=0,
        )
        self.binop_table = {
            **self.binop_table,
            "*": _multiply,
            "**": _power,
            "+": _add,
            "%": _modulo,
        }
        self.globals["range"] = _guarded_range
        for name in ("lipsum", "cycler", "joiner"):
            self.globals.pop(name, None)
        self.filters.update(
            center=_center, indent=_indent, replace=_replace, join=_join, format=_format_refused
        )
        # Data is escaped, always: "safe" would let a customer's name carry markup.
        self.filters.pop("safe", None)

    def check_concat(self, *parts: Any) -> tuple:
        return _concat(*parts)

    def wrap_str_format(self, value: Any) -> None:
        # str.format is refused with the other string methods ("{:999999999}" allocates).
        return None

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str) and attr not in SAFE_STRING_METHODS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Every call from template code: time budget, nesting depth, size of the result."""
        budget = current_budget()
        budget.check_time()
        budget.depth += 1
        try:
            if budget.depth > MAX_CALL_DEPTH:
                raise limit_error(
                    "loop_limit",
                    _("macros or calls nest more than %(limit)s levels deep"),
                    limit=MAX_CALL_DEPTH,
                )
            result = super().call(__context, __obj, *args, **kwargs)
        finally:
            budget.depth -= 1
        return _check_size(result)


def _line_tracer(budget: Budget):
    def local(frame, event, arg):
        if event == "line":
            budget.lines += 1
            if budget.lines % 256 == 0:
                budget.check_time()
        return local

    def global_trace(frame, event, arg):
        # Only template code is traced line by line; everything else runs at full speed.
        if frame.f_code.co_filename == TEMPLATE_FILENAME:
            budget.check_time()
            return local
        return None

    return global_trace


def stream_with_budget(chunks: Iterator[str], budget: Budget) -> str:
    """Drain a template's output under ``budget``: time checked per template line, size per
    chunk. A debugger or coverage tracer already active keeps priority; then time is checked
    on calls and chunks only."""
    token = _budget.set(budget)
    tracer = _line_tracer(budget) if sys.gettrace() is None else None
    if tracer is not None:
        sys.settrace(tracer)
    try:
        output: list[str] = []
        size = 0
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise limit_error(
                    "output_limit",
                    _("the message would be longer than %(limit)s characters"),
                    limit=MAX_OUTPUT,
                )
            output.append(chunk)
            budget.check_time()
        return "".join(output)
    finally:
        if tracer is not None:
            sys.settrace(None)
        close = getattr(chunks, "close", None)
        if close is not None:
            close()  # a render stopped by a limit leaves no suspended template behind
        _budget.reset(token)


PLAIN_TYPES = (str, int, float, Decimal, bool, date, type(None))


def plain_data(value: Any, path: str = "context") -> Any:
    """``value`` checked to be plain data (dicts with text keys, lists, text, numbers,
    Decimal, dates, None) and copied into fresh dicts and lists. Anything else, a model
    object above all, raises TypeError naming where it was found."""
    if isinstance(value, dict) and type(value) is dict:
        copied = {}
        for key, item in value.items():
            if type(key) is not str:
                raise TypeError(f"{path} has a key that is not text: {key!r}")
            copied[key] = plain_data(item, f"{path}.{key}")
        return copied
    if type(value) in (list, tuple):
        return [plain_data(item, f"{path}[{index}]") for index, item in enumerate(value)]
    # Exact types: a str subclass such as Markup would skip escaping.
    if type(value) in PLAIN_TYPES or type(value) is datetime:
        if type(value) is str and len(value) > MAX_STRING:
            raise TypeError(f"{path} is longer than {MAX_STRING:,} characters")
        return value
    raise TypeError(f"{path} is a {type(value).__name__}; templates take plain data only")


__all__ = [
    "MAX_OUTPUT",
    "Budget",
    "Markup",
    "MessageSandbox",
    "RenderLimitError",
    "SecurityError",
    "plain_data",
    "stream_with_budget",
]
