"""Links from shops or users are rendered only for http(s) URLs (issue 12): a ``javascript:``
tracking link or shop URL never becomes an ``href``."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from stammkunde.connectors.models import ShopConnection
from stammkunde.customers.services.profile import create_customer
from stammkunde.service.models import Team, TeamMember
from stammkunde.service.services import cases as services
from stammkunde.shop.models import Platform, Shipment, Shop
from stammkunde.ui.templatetags.staff_ui import safe_url
from tests.factories import OrderFactory, make_staff_user

pytestmark = pytest.mark.django_db

EVIL = "javascript:alert(1)"
# An href whose value starts with a scheme that is not http(s), allowing what browsers skip.
BAD_HREF = re.compile(r"href\s*=\s*[\"']?[\s\x00-\x1f]*(javascript|vbscript)", re.IGNORECASE)


@pytest.mark.parametrize(
    "url",
    [
        EVIL,
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "/relative/path",
        "ftp://files.example/x",
        "https:alert(1)",
        "",
        None,
    ],
)
def test_safe_url_drops_everything_but_http_links(url):
    assert safe_url(url) == ""


@pytest.mark.parametrize(
    "url", ["https://www.dhl.de/verfolgen?piececode=1", "http://shop.example/track"]
)
def test_safe_url_keeps_http_links(url):
    assert safe_url(url) == url


@pytest.fixture
def evil_shipment(db):
    customer = create_customer(
        by=None, email="e@example.de", first_name="Erika", last_name="Mustermann"
    )
    order = OrderFactory(customer=customer, number="55501")
    Shipment.objects.create(
        order=order,
        carrier="DHL",
        tracking_number="TRK-55501",
        tracking_url=EVIL,
        shipped_at=order.placed_at,
    )
    return order


def test_customer_page_shows_no_javascript_tracking_link(client, agent, evil_shipment):
    client.force_login(agent)
    response = client.get(reverse("ui:customer-detail", args=[evil_shipment.customer_id]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "TRK-55501" in html  # the number is still shown, as plain text
    assert not BAD_HREF.search(html)
    assert f'href="{EVIL}"' not in html


def test_case_page_shows_no_javascript_tracking_link(client, agent, evil_shipment):
    for team in Team.objects.all():
        TeamMember.objects.create(team=team, user=agent)
    case = services.open_case(
        customer=evil_shipment.customer,
        case_type="delivery_problem",
        channel="email",
        subject="Paket nicht angekommen",
        body="Bestellung 55501 ist nicht da.",
        orders=[evil_shipment],
        from_address="e@example.de",
        message_id="<evil@example.de>",
    )
    client.force_login(agent)
    response = client.get(reverse("ui:case-detail", args=[case.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "TRK-55501" in html
    assert not BAD_HREF.search(html)


def test_shop_pages_show_no_javascript_shop_url(client):
    shop = Shop.objects.create(name="Teeladen Böse", slug="boese", platform=Platform.WOOCOMMERCE)
    # Written past the form (which would refuse it), as a stored value from elsewhere would be.
    connection = ShopConnection.objects.create(shop=shop, webhook_secret="x", api_base_url=EVIL)
    client.force_login(make_staff_user("ingrid", role="Admin"))
    for url in (reverse("ui:shop-list"), reverse("ui:shop-detail", args=[connection.pk])):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200
        assert "Teeladen Böse" in html
        assert not BAD_HREF.search(html)


def test_a_customer_mail_gets_no_javascript_tracking_link(evil_shipment):
    """A marketer's HTML template links ``order.tracking_url``; a shop's ``javascript:`` link
    reaches neither a Drehbuch mail nor a service reply (the data has no link at all)."""
    from stammkunde.messaging.mail_data import order_data
    from stammkunde.messaging.rendering import TemplateKind, render
    from stammkunde.service import reply_context

    html = '{% if order.tracking_url %}<a href="{{ order.tracking_url }}">Paket</a>{% endif %}'
    for data in (order_data(evil_shipment), reply_context.order_data(evil_shipment)):
        assert data["tracking_url"] is None
        assert not BAD_HREF.search(render(html, {"order": data}, kind=TemplateKind.HTML))
