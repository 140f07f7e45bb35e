"""Every URL pattern of the URLconf, requested by every role, against tests/ui/access_table.py.

The patterns are read from the URLconf, so a new page without a row in the table fails here.
Each request runs in a savepoint that is rolled back, so a POST (revoke, delete, merge) leaves
the world as it was for the next role.
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
from stammkunde.audit.models import AuditAction, AuditEntry
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
from stammkunde.shop.models import Product, Shop
from stammkunde.shop.services import limit_staff_to_shops
from stammkunde.shop.services.vouchers import issue_voucher
from tests.connectors.test_inbox_helpers import shopify_delivery
from tests.factories import OrderFactory, OrderLineFactory
from tests.ui.access_table import (
    ACCESS,
    ADMIN,
    AGENT,
    ANONYMOUS,
    MARKETING,
    MEDIATOR,
    ROLES,
    SHOP_SCOPED,
    SUPERUSER,
    TEAM_LEAD,
    Row,
)

# The API's operations have their own table (scopes instead of roles). The ESP's webhooks
# (django-anymail) are machines authenticated by anymail's shared secret, tested in
# tests/messaging; the inbound mail webhooks (service:inbound-*) likewise, in tests/service.
OWN_TABLES = ("api:", "anymail:", "service:inbound-")

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


def test_every_url_pattern_has_a_row_in_the_access_table():
    missing = [key for key in PATTERNS if key not in ACCESS and not key.startswith(OWN_TABLES)]
    assert not missing, (
        "These URL patterns have no row in tests/ui/access_table.py; add one per page with "
        "the roles that may open it (and check the permission in its view): "
        + ", ".join(sorted(missing))
    )


def test_every_row_of_the_access_table_is_a_url_pattern():
    stale = [key for key in ACCESS if key not in PATTERNS]
    assert not stale, f"Rows for URLs that no longer exist: {', '.join(sorted(stale))}"


def _user(username: str, role: str) -> User:
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
    return {role: _user(f"u-{role.replace(' ', '-')}", role) for role in ROLES[1:]}


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
            "of tests/ui/test_access.py"
        )
    value = world[name]
    return str(getattr(value, "pk", value))


def _path(key: str, row: Row, world: dict[str, object]) -> str:
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


@pytest.mark.parametrize("key", sorted(ACCESS))
def test_each_role_is_let_in_or_turned_away_as_the_table_says(key, world, clients, db):
    row = ACCESS[key]
    path = _path(key, row, world)
    variants = [{}]
    if row.htmx:
        variants.append({"HX-Request": "true", "HX-Target": row.htmx})
    wrong = []
    for role in ROLES:
        expected = "allowed" if role in row.roles else "denied"
        for headers in variants:
            response = request(clients[role], row, path, **headers)
            got = outcome(response, row)
            if got != expected:
                how = " (htmx)" if headers else ""
                wrong.append(f"{role}{how}: {got} ({response.status_code}), expected {expected}")
    assert not wrong, f"{row.method} {path}:\n" + "\n".join(wrong)


@pytest.fixture(scope="module")
def staff_of_another_shop(module_db, world) -> dict[str, User]:
    """A team lead and a marketer limited to a second shop, in which the world's customer has
    no account and no order: every page about that customer must act as if it did not exist,
    and no other page may show them."""
    other = Shop.objects.create(name="Zweitshop", slug="zweitshop-access", platform="csv")
    staff = {
        TEAM_LEAD: _user("u-lead-of-zweitshop", TEAM_LEAD),
        MARKETING: _user("u-marketing-of-zweitshop", MARKETING),
    }
    for user in staff.values():
        limit_staff_to_shops(user, [other.pk], by=None)
    return staff


def _limited_client(row: Row, staff: dict[str, User]) -> tuple[Client, User]:
    """A client logged in as the limited team lead, or the limited marketer where only
    marketing (not team leads) may open the page."""
    role = TEAM_LEAD if TEAM_LEAD in row.roles else MARKETING
    assert role in row.roles  # else a 404 or an empty page would prove nothing
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff[role])
    return client, staff[role]


@pytest.mark.parametrize("key", sorted(SHOP_SCOPED))
def test_staff_limited_to_other_shops_get_404_and_leave_a_refuse_row(
    key, world, staff_of_another_shop, db
):
    row = ACCESS[key]
    path = _path(key, row, world)
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


@pytest.mark.parametrize(
    "key",
    sorted(
        key
        for key, row in ACCESS.items()
        if key.startswith("ui:")
        and key not in SHOP_SCOPED
        and key not in NOT_STAFF_PAGES
        and {TEAM_LEAD, MARKETING} & row.roles
    ),
)
def test_staff_limited_to_other_shops_see_nothing_of_another_shops_customer(
    key, world, staff_of_another_shop, db
):
    """Every other page a limited team lead (or marketer) may open, as page and as htmx
    fragment: lists, reports, exports and forms leave the world's customer out (a new page
    that forgets the scope fails here)."""
    row = ACCESS[key]
    path = _path(key, row, world)
    client, _user = _limited_client(row, staff_of_another_shop)
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
