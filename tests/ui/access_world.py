"""The world the access tests (tests/ui/test_access.py, test_access_shop_limit.py) open every
page in: one user per role, one object of each kind a URL names, built once per test module in a
transaction rolled back at its end; and how a page is requested and its answer judged.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from stammkunde.analytics.models import AnalyticsSettings, CustomerScore, ScoringRun, Segment
from stammkunde.api.tokens import create_token
from stammkunde.audit.models import AuditEntry
from stammkunde.connectors.inbox import receive
from stammkunde.connectors.inbox.connections import connect_shop
from stammkunde.connectors.models import BackfillRun
from stammkunde.core.models import EventDelivery, EventDeliveryState, StoredEvent
from stammkunde.customers.models import ConsentChannel, ConsentPurpose, ConsentSource, Tag
from stammkunde.customers.services.consent import record_consent
from stammkunde.customers.services.contacts import add_note
from stammkunde.customers.services.profile import create_customer
from stammkunde.logins.models import RoleSecurity, SecurityEvent
from stammkunde.messaging.models import (
    Campaign,
    MessageTemplate,
    OutboundMessage,
    Suppression,
    Trigger,
)
from stammkunde.service.models import (
    AffectedOrder,
    Attachment,
    Case,
    CrisisPlan,
    CrisisStep,
    GoodwillGrant,
    InboundMail,
    Incident,
    KnowledgeArticle,
    KnowledgeCategory,
    Macro,
    RoutingRule,
    Team,
)
from stammkunde.shop.models import Product
from stammkunde.shop.services import limit_staff_to_shops
from stammkunde.shop.services.vouchers import issue_voucher
from tests.connectors.test_inbox_helpers import shopify_delivery
from tests.factories import OrderFactory, OrderLineFactory
from tests.ui.access_table import (
    ADMIN,
    AGENT,
    ANONYMOUS,
    MARKETING,
    MEDIATOR,
    ROLES,
    SUPERUSER,
    TEAM_LEAD,
    Row,
)

GROUPS = {
    AGENT: "Service agent",
    MEDIATOR: "Mediator",
    TEAM_LEAD: "Team lead",
    MARKETING: "Marketing",
    ADMIN: "Admin",
}


def url_patterns() -> Iterator[tuple[str, str]]:
    """(key, route) of every pattern: its full name, or its route when it has no name."""

    def walk(patterns, prefix: str, namespace: str) -> Iterator[tuple[str, str]]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern):
                if pattern.name:
                    yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), route
                else:
                    yield route, route

    yield from walk(get_resolver().url_patterns, "", "")


PATTERNS = dict(url_patterns())


def staff_user(username: str, role: str) -> User:
    user = User.objects.create(
        username=username,
        is_staff=role in (ADMIN, SUPERUSER),
        is_superuser=role == SUPERUSER,
    )
    if role in GROUPS:
        user.groups.add(Group.objects.get(name=GROUPS[role]))
    return user


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker):
    """A transaction around the whole module: the world is built once and rolled back at the
    end (each test's own ``db`` transaction nests inside it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def users(module_db) -> dict[str, User]:
    return {role: staff_user(f"u-{role.replace(' ', '-')}", role) for role in ROLES[1:]}


def _csv_upload(shop):
    """An import from the web UI that rejected a row, with its error file."""
    from stammkunde.connectors.csv_import.uploads import errors_path
    from stammkunde.connectors.models import CsvUpload

    upload = CsvUpload.objects.create(
        shop=shop,
        kind="orders",
        file_name="bestellungen.csv",
        stored_name="access-test.csv",
        encoding="utf-8-sig",
        delimiter=";",
        header=["Bestellnummer", "Datum", "Menge", "Preis"],
        state="finished",
        rows=2,
        accepted=1,
        rejected=1,
    )
    errors_path(upload).write_text('"Zeile";"Spalte";"Grund"\r\n"3";"Preis";"leer"\r\n')
    return upload


@pytest.fixture(scope="module")
def world(module_db, users) -> dict[str, object]:
    """One object of each kind a URL names, with data on it, as the pages show it."""
    connection = connect_shop(by=None, name="Kaffeerösterei Süd", platform="shopify")
    shop = connection.shop
    customer = create_customer(
        by=None, email="j.mueller@example.de", first_name="Jürgen", last_name="Müller"
    )
    order = OrderFactory(
        shop=shop, customer=customer, number="100234", placed_at=timezone.now() - timedelta(1)
    )
    OrderLineFactory(order=order)
    add_note(customer, by=None, text="Mag keine Anrufe vor 10 Uhr")
    consent = record_consent(
        customer,
        channel=ConsentChannel.EMAIL,
        purpose=ConsentPurpose.NEWSLETTER,
        granted=True,
        source=ConsentSource.STAFF,
        by=users[AGENT],
    )
    stored = StoredEvent.objects.create(
        name="shop.OrderPlaced",
        payload={},
        origin="live",
        occurred_at=timezone.now(),
        recorded_at=timezone.now(),
    )
    token, _secret = create_token(name="ERP", scopes=["customers:read"])
    objects: dict[str, object] = {
        "customer": customer,
        "customer_type": ContentType.objects.get_for_model(customer).pk,
        "customers_app": "customers",
        "no_such_page": "no-such-page/",
        "shop_slug": shop.slug,
        "wrong_token": "wrong-token",
        "connection": connection,
        "delivery": receive(shop, *shopify_delivery(1001, webhook_id="w-1"), verified=True),
        "event_delivery": EventDelivery.objects.create(
            event=stored, subscriber="test.mailer", state=EventDeliveryState.PARKED
        ),
        "segment": Segment.objects.create(name="Alle", definition={}),
        "token": token,
        "auth_user": users[AGENT],
        "auth_group": Group.objects.get(name=GROUPS[AGENT]),
        "audit_auditentry": AuditEntry.objects.order_by("pk").first(),
        "customers_customer": customer,
        "customers_tag": Tag.objects.create(name="VIP"),
        "customers_consentevent": consent,
        "shop_shop": shop,
        "shop_order": order,
        "shop_product": Product.objects.create(shop=shop, sku="ESP-1000", name="Espresso"),
        # the limit of a user who plays no role in the table (a limit changes what one sees)
        "shop_staffshoplimit": limit_staff_to_shops(
            User.objects.create(username="u-limited-elsewhere"), [shop.pk], by=None
        ),
        "connectors_shopconnection": connection,
        "connectors_webhookdelivery": None,
        "connectors_backfillrun": BackfillRun.objects.create(
            shop=shop, kind="backfill", started_at=timezone.now()
        ),
        "analytics_customerscore": CustomerScore.objects.create(
            customer=customer, scored_at=timezone.now()
        ),
        "analytics_scoringrun": ScoringRun.objects.create(started_at=timezone.now()),
        "analytics_analyticssettings": AnalyticsSettings.objects.get_or_create(pk=1)[0],
        "api_apitoken": token,
        "django_tasks_database_dbtaskresult": DBTaskResult.objects.create(
            args_kwargs={},
            task_path="stammkunde.tasks.nothing",
            backend_name="default",
            run_after=timezone.now(),
        ),
    }
    objects["connectors_webhookdelivery"] = objects["delivery"]
    objects["csv_upload"] = _csv_upload(shop)
    objects.update(_service_desk(customer, order, users))
    trigger = Trigger.objects.exclude(purpose="transactional").order_by("pk").first()
    template = MessageTemplate.objects.exclude(purpose="transactional").order_by("pk").first()
    objects["trigger"] = trigger
    objects["template"] = template
    objects.update(_logins())
    objects["case"] = Case.objects.create(
        reference="VG-10001", customer=customer, subject="Paket fehlt", opened_at=timezone.now()
    )
    objects["inbound_mail"] = InboundMail.objects.create(
        source="imap",
        raw=b"From: j.mueller@example.de\r\nSubject: Paket\r\n\r\nWo ist es? J. M\xc3\xbcller",
        received_at=timezone.now(),
        customer=customer,
        from_address="j.mueller@example.de",
        subject="Paket",
    )
    # the customer's traces on the pages that list several shops' data: an affected order of
    # the incident, a suppressed address, a voucher waiting for the export
    AffectedOrder.objects.create(incident=objects["incident"], order=order, customer=customer)
    Suppression.objects.create(address="j.mueller@example.de", reason="manual")
    issue_voucher(amount="10.00", customer_id=customer.pk, source_type="goodwill", source_id=None)
    objects["attachment"] = Attachment.objects.create(
        inbound_mail=objects["inbound_mail"],
        filename="foto.jpg",
        declared_type="image/jpeg",
        size=3,
        sha256="0" * 64,
    )
    objects["team"] = Team.objects.create(name="Versand", slug="versand-access")
    objects["routing_rule"] = RoutingRule.objects.create(name="Alles", team=objects["team"])
    objects["crisis_step"] = CrisisStep.objects.create(
        plan=objects["crisis_plan"], position=99, text="Kunden anschreiben"
    )
    objects["outbound"] = OutboundMessage.objects.create(
        idempotency_key="access-1",
        customer=customer,
        to_address="j.mueller@example.de",
        purpose="transactional",
        state="uncertain",
        subject="Ihre Bestellung",
        text_body="Danke!",
        from_address="shop@example.de",
        message_id="<access-1@example.de>",
    )
    objects["campaign"] = Campaign.objects.create(
        name="Herbstaktion",
        purpose="newsletter",
        segment=objects["segment"],
        template_de=template,
        sender_name="Kaffeerösterei Süd",
    )
    return objects


def _logins() -> dict[str, object]:
    """Objects of the login apps' admin pages: lockout records, security settings, devices."""
    # the devices belong to a user of their own: a role user with one would be asked for it
    owner = User.objects.create(username="u-with-devices")
    attempt = {"user_agent": "curl", "http_accept": "*/*", "path_info": "/login/"}
    return {
        "axes_accessattempt": AccessAttempt.objects.create(
            **attempt, get_data="", post_data="", failures_since_start=3
        ),
        "axes_accessfailurelog": AccessFailureLog.objects.create(**attempt),
        "logins_rolesecurity": RoleSecurity.objects.get_or_create(
            group=Group.objects.get(name=GROUPS[AGENT])
        )[0],
        "logins_securityevent": SecurityEvent.objects.create(kind="locked_out"),
        "otp_static_staticdevice": StaticDevice.objects.create(user=owner, name="backup"),
        "otp_totp_totpdevice": TOTPDevice.objects.create(user=owner, name="phone"),
    }


def _service_desk(customer, order, users) -> dict[str, object]:
    """The service desk's objects: a goodwill request, a crisis plan, a macro, an article and
    an incident."""
    category = KnowledgeCategory.objects.create(
        slug="lieferung", name_de="Lieferung", name_en="Delivery"
    )
    return {
        "goodwill": GoodwillGrant.objects.create(
            customer=customer,
            order=order,
            kind="voucher",
            amount="20.00",
            reason="Lieferung verspätet",
            status="pending",
            requested_by=users[AGENT],
            requested_at=timezone.now(),
        ),
        "crisis_plan": CrisisPlan.objects.get_or_create(
            incident_type="late_delivery", language="de", defaults={"name": "Lieferverzug"}
        )[0],
        "macro": Macro.objects.create(name="Entschuldigung", body="Es tut uns leid."),
        "article": KnowledgeArticle.objects.create(
            category=category, title="Wo ist meine Lieferung?", body="So finden Sie sie."
        ),
        "incident": Incident.objects.create(
            title="Paketdienst streikt", incident_type="late_delivery"
        ),
    }


@pytest.fixture(scope="module")
def clients(users) -> dict[str, Client]:
    """One logged-in client per role (and one anonymous)."""
    clients = {ANONYMOUS: Client(HTTP_ACCEPT_LANGUAGE="en")}
    for role, user in users.items():
        clients[role] = Client(HTTP_ACCEPT_LANGUAGE="en")
        clients[role].force_login(user)
    return clients


def _value(world: dict[str, object], name: str) -> str:
    if name not in world:
        raise LookupError(
            f"The URL parameter names the world object {name!r}: add one to the world fixture "
            "of tests/ui/access_world.py"
        )
    value = world[name]
    return str(getattr(value, "pk", value))


def page_path(key: str, row: Row, world: dict[str, object]) -> str:
    kwargs = {name: _value(world, obj) for name, obj in row.params.items()}
    if key != PATTERNS[key]:  # a named pattern
        return reverse(key, kwargs=kwargs)
    route = PATTERNS[key]
    for name, value in kwargs.items():
        route = re.sub(rf"<(\w+:)?{name}>|\(\?P<{name}>[^)]*\)", value, route)
    return "/" + route.lstrip("^").rstrip("$")


LOGIN_PATHS = ("/login/", "/admin/login/")


def outcome(response, row: Row) -> str:
    """allowed (2xx, a form's 400/422, or a redirect not to a login page) or denied (403/404,
    or a redirect to a login page).

    Logging out lands on the login page by design: there that redirect is the page's answer."""
    status = response.status_code
    if status in (403, 404):
        return "denied"
    if 300 <= status < 400:
        target = urlsplit(response["Location"]).path
        return "denied" if target in LOGIN_PATHS and not row.logs_out else "allowed"
    if 200 <= status < 300 or status in (400, 422):
        # 400/422: let in, and the empty form was answered with its errors
        return "allowed"
    return f"status {status}"


def request(client: Client, row: Row, path: str, **headers: str):
    """Request ``path`` as ``row`` says, in a savepoint that is rolled back afterwards.

    The client's cookies are kept too: a logout would otherwise end its session for good."""
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        if row.method == "POST":
            response = client.post(path, row.query, headers=headers)
        else:
            response = client.get(path, row.query, headers=headers)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response
