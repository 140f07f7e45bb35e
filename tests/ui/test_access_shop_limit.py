"""Staff limited to other shops (team lead, marketer, admin) against every page of
tests/ui/access_table.py: the pages about one customer of another shop answer 404 and leave a
REFUSE audit row, every other page leaves that customer out.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client

from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.shop.models import Shop
from stammkunde.shop.services import limit_staff_to_shops
from tests.ui.access_table import (
    ACCESS,
    ADMIN,
    ANONYMOUS,
    DESK_WIDE,
    MARKETING,
    SHOP_SCOPED,
    TEAM_LEAD,
    Row,
)
from tests.ui.access_world import outcome, page_path, request, staff_user


@pytest.fixture(scope="module")
def staff_of_another_shop(module_db, world) -> dict[str, User]:
    """A team lead, a marketer and an admin limited to a second shop, in which the world's
    customer has no account and no order: every page about that customer must act as if it
    did not exist, and no other page may show them."""
    other = Shop.objects.create(name="Zweitshop", slug="zweitshop-access", platform="csv")
    staff = {
        TEAM_LEAD: staff_user("u-lead-of-zweitshop", TEAM_LEAD),
        MARKETING: staff_user("u-marketing-of-zweitshop", MARKETING),
        ADMIN: staff_user("u-admin-of-zweitshop", ADMIN),
    }
    for user in staff.values():
        limit_staff_to_shops(user, [other.pk], by=None)
    return staff


def _limited_client(row: Row, staff: dict[str, User], role: str = "") -> tuple[Client, User]:
    """A client logged in as the limited ``role``; by default the team lead, or the marketer
    where only marketing (not team leads) may open the page, or else the admin."""
    role = role or next(
        (role for role in (TEAM_LEAD, MARKETING, ADMIN) if role in row.roles), TEAM_LEAD
    )
    assert role in row.roles  # else a 404 or an empty page would prove nothing
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff[role])
    return client, staff[role]


@pytest.mark.parametrize("key", sorted(SHOP_SCOPED))
def test_staff_limited_to_other_shops_get_404_and_leave_a_refuse_row(
    key, world, staff_of_another_shop, db
):
    row = ACCESS[key]
    path = page_path(key, row, world)
    client, user = _limited_client(row, staff_of_another_shop)
    with transaction.atomic():
        if row.method == "POST":
            response = client.post(path, row.query)
        else:
            response = client.get(path, row.query)
        refused = AuditEntry.objects.filter(actor=user, action=AuditAction.REFUSE).exists()
        transaction.set_rollback(True)
    assert response.status_code == 404, f"{row.method} {path}: {response.status_code}"
    assert refused, f"{row.method} {path}: no REFUSE audit row"


# What would give the world's customer away on a page: the first name (the mail examples use
# "Müller" too), the address, the order number.
WORLD_CUSTOMER_MARKS = ("Jürgen", "j.mueller@example.de", "100234")


# Pages every role is let into: they show the same to everyone (login, password reset, the
# public help page) or only the user's own things (second factor).
NOT_STAFF_PAGES = {key for key, row in ACCESS.items() if ANONYMOUS in row.roles}


# Admin pages about one inbox delivery or one shop's connection (its credentials), which belong
# to one shop: a limited admin gets a 404 for another shop's
# (test_a_limited_admin_gets_404_for_another_shops_delivery).
ADMIN_SHOP_SCOPED = {"ui:delivery-detail", "ui:delivery-reprocess", "ui:shop-detail"}


@pytest.mark.parametrize("key", sorted(ADMIN_SHOP_SCOPED))
def test_a_limited_admin_gets_404_for_another_shops_delivery(key, world, staff_of_another_shop, db):
    row = ACCESS[key]
    path = page_path(key, row, world)
    client, user = _limited_client(row, staff_of_another_shop, ADMIN)
    with transaction.atomic():
        if row.method == "POST":
            response = client.post(path, row.query)
        else:
            response = client.get(path, row.query)
        refused = AuditEntry.objects.filter(actor=user, action=AuditAction.REFUSE).exists()
        transaction.set_rollback(True)
    assert response.status_code == 404, f"{row.method} {path}: {response.status_code}"
    assert refused, f"{row.method} {path}: no REFUSE audit row"
    shown = [mark for mark in WORLD_CUSTOMER_MARKS if mark in response.content.decode()]
    assert not shown, f"{row.method} {path} shows {shown}"


@pytest.mark.parametrize(
    "key",
    sorted(
        key
        for key, row in ACCESS.items()
        if key.startswith("ui:")
        and key not in SHOP_SCOPED
        and key not in DESK_WIDE
        and key not in NOT_STAFF_PAGES
        and {TEAM_LEAD, MARKETING} & row.roles
    )
    + [
        # A limited admin as well, on every page an admin may open: the admin's own pages
        # (imports, settings, users) and the others, which an admin may see more of.
        pytest.param((key, ADMIN), id=f"{key}-as-admin")
        for key, row in sorted(ACCESS.items())
        if key.startswith("ui:")
        and key not in SHOP_SCOPED
        and key not in DESK_WIDE
        and key not in NOT_STAFF_PAGES
        and key not in ADMIN_SHOP_SCOPED
        and ADMIN in row.roles
    ],
)
def test_staff_limited_to_other_shops_see_nothing_of_another_shops_customer(
    key, world, staff_of_another_shop, db
):
    """Every other page a limited team lead (or marketer) may open, and every page a limited
    admin may open, as page and as htmx fragment: lists, reports, exports and forms leave the
    world's customer out (a new page that forgets the scope fails here)."""
    key, role = key if isinstance(key, tuple) else (key, "")
    row = ACCESS[key]
    path = page_path(key, row, world)
    client, _user = _limited_client(row, staff_of_another_shop, role)
    variants = [{}]
    if row.htmx:
        variants.append({"HX-Request": "true", "HX-Target": row.htmx})
    for headers in variants:
        response = request(client, row, path, **headers)
        assert outcome(response, row) == "allowed", f"{path}: {response.status_code}"
        if response.streaming:
            content = b"".join(response.streaming_content).decode()
        else:
            content = response.content.decode()
        shown = [mark for mark in WORLD_CUSTOMER_MARKS if mark in content]
        assert not shown, f"{row.method} {path} {headers or ''} shows {shown}"


@pytest.mark.parametrize("key", sorted(DESK_WIDE))
def test_staff_limited_to_shops_change_nothing_desk_wide(key, world, staff_of_another_shop, db):
    """Routing rules, crisis plans, macros, the knowledge base: set once for every shop, so a
    limited lead (or admin) is refused (403) and the attempt is on record."""
    row = ACCESS[key]
    path = page_path(key, row, world)
    for role in (TEAM_LEAD, ADMIN):
        client, user = _limited_client(row, staff_of_another_shop, role)
        with transaction.atomic():
            if row.method == "POST":
                response = client.post(path, row.query)
            else:
                response = client.get(path, row.query)
            refused = AuditEntry.objects.filter(actor=user, action=AuditAction.REFUSE).exists()
            transaction.set_rollback(True)
        assert response.status_code == 403, f"{role} {path}: {response.status_code}"
        assert refused, f"{role} {path}: no REFUSE audit row"


# World objects that belong to one customer (or reach customers of every shop: a campaign).
OF_A_CUSTOMER = {"customer", "case", "goodwill", "outbound", "inbound_mail", "campaign"}


def test_every_page_about_one_customer_is_in_the_shop_scoped_set():
    """A new page taking a customer or case id is scoped, or says here why not."""
    not_scoped = {
        # a campaign has no shop: limited staff read it with their shops' recipients' figures
        # (tests/shop/test_staff_shop_limit_campaigns.py); running one is refused (SHOP_SCOPED)
        "ui:campaign-detail",
        # merging: a preview of another shop's customer is refused by merge_preview (tested in
        # tests/shop/test_staff_shop_limit.py); without a second id the page redirects.
        "ui:customer-merge",
        # a POST without the confirmation redirects back before anything is read
        "ui:customer-erase",
        # every role that passes the check gets a 404 here (the world's case has no HTML mail)
        "ui:case-message-html",
    }
    about_one = {
        key
        for key, row in ACCESS.items()
        if key.startswith("ui:")
        and set(row.params.values()) & OF_A_CUSTOMER
        and {TEAM_LEAD, MARKETING} & row.roles
    }
    assert about_one - not_scoped <= SHOP_SCOPED, sorted(about_one - not_scoped - SHOP_SCOPED)


def test_a_limited_admin_gets_no_django_admin(world, staff_of_another_shop, db):
    """The Django admin's lists and forms are not filtered by shop: a limited admin read every
    shop's customers and orders there. A limited admin is refused the whole admin."""
    customer = world["customer"]
    client, _user = _limited_client(ACCESS["admin:index"], staff_of_another_shop, ADMIN)
    for path in (
        "/admin/",
        "/admin/customers/customer/",
        f"/admin/customers/customer/{customer.pk}/change/",
        "/admin/shop/order/",
        "/admin/shop/staffshoplimit/",
    ):
        response = client.get(path)
        assert response.status_code in (302, 403), f"{path}: {response.status_code}"
        content = response.content.decode()
        assert not [mark for mark in WORLD_CUSTOMER_MARKS if mark in content], path
