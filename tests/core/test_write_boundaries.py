"""One writer per fact: connectors, the API and the demo never write other apps' tables themselves.

import-linter (pyproject.toml) keeps them from importing the bulk-insert helpers and the
timeline and audit writers; it cannot see a ``.save()`` or an ``INSERT`` in a string. This test
reads their source and fails on a write method called on another app's model (on the class,
its manager, or an instance that came from it), on raw INSERT/UPDATE/DELETE SQL for another
app's table, and on an API router that opens its own transaction.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import stammkunde

SRC = Path(stammkunde.__file__).parent
# The demo generator writes every app's tables, through their bulk functions.
CHECKED_APPS = ("connectors", "api", "demo")
WRITE_METHODS = frozenset(
    {
        "create",
        "update",
        "delete",
        "bulk_create",
        "bulk_update",
        "save",
        "get_or_create",
        "update_or_create",
    }
)
# Bulk helpers whose first argument is the model written to.
BULK_HELPERS = frozenset({"insert_ignore", "insert_rows"})
# SQL keywords as this code base writes them: upper case (prose says "update" in lower case);
# "FOR UPDATE" locks and "DO UPDATE" resolves a conflict, neither names a table.
SQL_WRITE = re.compile(r"\b(?:INSERT\s+INTO|(?<!FOR )(?<!DO )UPDATE|DELETE\s+FROM)\s+[\"`]?(\w+)")


def _foreign_models(tree: ast.Module, app: str) -> set[str]:
    """Names the module binds to models of other apps of the project."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[0] == "stammkunde" and "models" in parts[2:3] and parts[1] != app:
                names.update(alias.asname or alias.name for alias in node.names)
    return names


def _root(node: ast.AST) -> str | None:
    """The name an attribute/call/subscript chain starts from (``a`` of ``a.b().c[0]``)."""
    while True:
        if isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return None


def _annotation_names(annotation: ast.AST | None) -> set[str]:
    if annotation is None:
        return set()
    return {node.id for node in ast.walk(annotation) if isinstance(node, ast.Name)}


def _tainted_names(function: ast.AST, models: set[str]) -> set[str]:
    """Local names holding another app's model instances or querysets: parameters annotated
    with such a model, and names assigned from an expression rooted at one (repeated until no
    new name appears, so ``existing = order.shipments.first()`` counts too)."""
    tainted = set()
    if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
        args = function.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            if _annotation_names(arg.annotation) & models:
                tainted.add(arg.arg)
    assignments = [node for node in ast.walk(function) if isinstance(node, ast.Assign | ast.For)]
    changed = True
    while changed:
        changed = False
        for node in assignments:
            source = node.value if isinstance(node, ast.Assign) else node.iter
            if _root(source) in models | tainted:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name) and name.id not in tainted:
                            tainted.add(name.id)
                            changed = True
    return tainted


def _own_tables(app: str) -> tuple[str, ...]:
    return (f"{app}_",)


def _string_parts(node: ast.AST) -> str:
    """The constant text of a string or f-string (placeholders as ``{}``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            value.value if isinstance(value, ast.Constant) else "{}" for value in node.values
        )
    return ""


def violations(source: str, *, app: str, path: str = "<source>") -> list[str]:
    """Where ``source`` (a module of ``app``) writes another app's table itself."""
    tree = ast.parse(source)
    models = _foreign_models(tree, app)
    found = []
    functions = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]
    seen: set[tuple[int, int]] = set()
    for function in functions:
        tainted = _tainted_names(function, models) if function is not tree else set()
        for node in ast.walk(function):
            if not isinstance(node, ast.Call) or (node.lineno, node.col_offset) in seen:
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in WRITE_METHODS:
                root = _root(func.value)
                if root in models or root in tainted:
                    seen.add((node.lineno, node.col_offset))
                    found.append(f"{path}:{node.lineno}: .{func.attr}() on {root}")
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in BULK_HELPERS and node.args and _root(node.args[0]) in models:
                seen.add((node.lineno, node.col_offset))
                found.append(f"{path}:{node.lineno}: {name}() into {_root(node.args[0])}")
    for node in ast.walk(tree):
        text = _string_parts(node)
        for match in SQL_WRITE.finditer(text):
            table = match.group(1)
            if not table.startswith(_own_tables(app)):
                found.append(f"{path}:{node.lineno}: SQL writes {table}")
        if isinstance(node, ast.JoinedStr) and SQL_WRITE.search(text.replace("{}", "t")):
            for value in node.values:
                if isinstance(value, ast.FormattedValue) and _root(value.value) in models:
                    found.append(f"{path}:{node.lineno}: SQL writes {_root(value.value)}")
    return found


def _modules(app: str) -> list[Path]:
    paths = (SRC / app).rglob("*.py")
    return sorted(path for path in paths if "migrations" not in path.relative_to(SRC).parts)


@pytest.mark.parametrize("app", CHECKED_APPS)
def test_connectors_api_and_demo_write_no_other_apps_tables(app):
    found = []
    for path in _modules(app):
        found += violations(path.read_text(encoding="utf-8"), app=app, path=str(path))
    assert found == []


def test_api_routers_open_no_transactions_of_their_own():
    found = [
        f"{path.name}:{node.lineno}"
        for path in sorted((SRC / "api" / "routers").glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "atomic"
    ]
    assert found == []


# The checker itself: each pattern it must catch, and what it must leave alone.
OFFENDING = """
from stammkunde.shop.models import Order, ShopAccount
from stammkunde.customers.models import ConsentEvent as Consent
from stammkunde.connectors.models import WebhookDelivery


def a(shop):
    ShopAccount.objects.get_or_create(shop=shop, external_id="1")
    Consent.objects.create(granted=True)
    Order.objects.filter(shop=shop).update(status="x")


def b(order: Order, event):
    existing = order.shipments.filter(external_id=event.id).first()
    existing.save(update_fields=["carrier"])
    for line in order.lines.all():
        line.delete()


def c(rows):
    insert_ignore(Order, ("a",), rows, conflict=("a",))
    sql = f"UPDATE {Order._meta.db_table} SET total = 0"
    other = "INSERT INTO shop_orderline (order_id) VALUES (%s)"
    WebhookDelivery.objects.filter(pk=1).update(state="done")
    mine = "UPDATE connectors_webhookdelivery SET state = %s"
    lock = "SELECT id FROM shop_order FOR UPDATE SKIP LOCKED"
"""


def test_the_checker_finds_every_kind_of_foreign_write():
    found = violations(OFFENDING, app="connectors")

    assert sorted(entry.split(": ", 1)[1] for entry in found) == [
        ".create() on Consent",
        ".delete() on line",
        ".get_or_create() on ShopAccount",
        ".save() on existing",
        ".update() on Order",
        "SQL writes Order",
        "SQL writes shop_orderline",
        "insert_ignore() into Order",
    ]
