"""Ids typed into query strings and form fields (``?case=``, ``?other=``, a POSTed ``customer``,
``target``, ``remove``, a form's ``segment`` or ``order`` …) that are no ids at all, or beyond the
database's 64-bit range, are answered like an unknown id: a form error, a 404 or the page
without that filter, never a 500. URL-path ids: tests/ui/test_huge_ids.py.

Every page of tests/ui/access_table.py is requested by a superuser (and by an admin limited to
another shop, whose lookups go through the shop-filtered reads), with each malformed value in
every id-like parameter at once, by GET and by POST (rolled back)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.test import Client

from stammkunde.shop.models import Shop
from stammkunde.shop.services import limit_staff_to_shops
from tests.ui.access_table import ACCESS, ADMIN, SUPERUSER
from tests.ui.access_world import page_path, request, staff_user

MALFORMED = (
    "abc",
    "1.5",
    "",
    " ",
    "99999999999999999999",
    "-99999999999999999999",
    "-1",
    "0",
    "1e3",
    "٣",  # an Arabic-Indic digit: int() takes it, a database would not
    "1\x00",
)

# The names under which a page reads an id from its query string or form.
ID_PARAMETERS = (
    "address",
    "assignee",
    "before",
    "case",
    "category",
    "crisis_plan",
    "customer",
    "customer_id",
    "end",
    "into",
    "merge_into",
    "message",
    "order",
    "orders",
    "orders_page",
    "other",
    "page",
    "past_page",
    "remove",
    "segment",
    "segment_id",
    "shop",
    "staff",
    "substitute",
    "survivor",
    "target",
    "team",
    "template_de",
    "template_en",
    "user",
)

# Buttons whose presence chooses the branch of a POST that reads the ids above.
BRANCHES = {"add_orders": "1", "notify": "1"}

# The Django admin's own pages (admin:*) read their parameters through Django's admin views.
PAGES = sorted(
    key
    for key, row in ACCESS.items()
    if SUPERUSER in row.roles and not key.startswith(("admin", "api:"))
)


def _failures(client: Client, key: str, world) -> list[str]:
    row = ACCESS[key]
    path = page_path(key, row, world)
    failed = []
    for value in MALFORMED:
        data = {**row.query, **dict.fromkeys(ID_PARAMETERS, value)}
        for method in ("GET", "POST"):
            query = {**data, **BRANCHES} if method == "POST" else data
            shaped = replace(row, method=method, query=query)
            status = request(client, shaped, path).status_code
            if status >= 500:
                failed.append(f"{method} {path} with {value!r}: {status}")
    return failed


@pytest.fixture(scope="module")
def limited_admin(module_db, world) -> Client:
    other = Shop.objects.create(name="Drittshop", slug="drittshop-ids", platform="csv")
    user = staff_user("u-admin-of-drittshop", ADMIN)
    limit_staff_to_shops(user, [other.pk], by=None)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_walk_covers_the_pages_that_read_ids_from_parameters():
    for key in ("ui:customer-merge", "ui:goodwill-new", "ui:duplicate-dismiss"):
        assert key in PAGES, key


@pytest.mark.parametrize("key", PAGES)
def test_malformed_ids_in_parameters_never_give_a_500(key, world, clients, db):
    clients[SUPERUSER].raise_request_exception = False
    assert not _failures(clients[SUPERUSER], key, world)


@pytest.mark.parametrize("key", sorted(k for k in PAGES if ADMIN in ACCESS[k].roles))
def test_malformed_ids_never_give_a_500_to_staff_limited_to_shops(key, world, limited_admin, db):
    limited_admin.raise_request_exception = False
    assert not _failures(limited_admin, key, world)
