"""Bad values in API bodies are a 422 naming the field, never a 500, and leave nothing behind.

The explicit cases first (the null form of address of the review, year-1 and far-future times,
amounts that are no numbers), then a fuzz test per write operation: hypothesis replaces fields
of a valid body with generated values of every JSON type and checks that no answer is a 5xx and
that a refused request wrote nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from stammkunde.audit.models import AuditEntry
from stammkunde.connectors.models import WebhookDelivery
from stammkunde.customers.models import ConsentEvent, Customer
from stammkunde.customers.services.profile import create_customer
from stammkunde.shop.models import Order, OrderLine, Shop, ShopAccount
from stammkunde.timeline.models import Activity

pytestmark = pytest.mark.django_db

ORDER = {
    "shop": "kaffee",
    "external_id": "A-1001",
    "number": "1001",
    "placed_at": "2026-03-01T10:15:00+01:00",
    "customer": {"email": "kim@example.de", "first_name": "Kim"},
    "lines": [{"name": "Espresso 1 kg", "quantity": 2, "unit_price": "18.90"}],
    "shipping_total": "4.90",
}
CUSTOMER = {"email": "kim@example.de", "first_name": "Kim", "language": "de"}


def rows() -> dict[str, int]:
    """Row counts of everything a write operation may touch."""
    models = (
        Customer,
        ShopAccount,
        ConsentEvent,
        Order,
        OrderLine,
        Activity,
        AuditEntry,
        WebhookDelivery,
    )
    return {model.__name__: model.objects.count() for model in models}


def field_errors(response) -> list[str]:
    assert response.status_code == 422, response.content
    return [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize("field", ["language", "form_of_address"])
def test_null_for_a_field_without_an_empty_value_is_422(api, field):
    customer = create_customer(by=None, email="kim@example.de", language="en")
    before = rows()

    response = api.put("/customers", {"email": "kim@example.de", field: None})

    assert field_errors(response) == [field]
    assert rows() == before
    customer.refresh_from_db()
    assert (customer.language, customer.form_of_address) == ("en", "formal")


def test_null_still_empties_a_field_that_may_be_empty(api):
    create_customer(by=None, email="kim@example.de", phone="0171 1234567")

    response = api.put("/customers", {"email": "kim@example.de", "phone": None})

    assert response.status_code == 200
    assert Customer.objects.get().phone == ""


@pytest.mark.parametrize(
    ("birthday", "message"),
    [("0001-01-01", "is before 1900-01-01."), ("2999-01-01", "is in the future.")],
)
def test_an_implausible_birthday_is_422(api, birthday, message):
    response = api.put("/customers", {**CUSTOMER, "birthday": birthday})

    assert field_errors(response) == ["birthday"]
    assert response.json()["errors"][0]["message"] == message
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("placed_at", "0001-01-01T00:00:00+14:00", "is out of range."),
        ("placed_at", "1969-12-31T23:00:00+00:00", "is before 1970-01-01."),
        ("placed_at", "2999-01-01T00:00:00+00:00", "is more than a day in the future."),
        ("source_updated_at", "0001-01-01T00:00:00-01:00", "is before 1970-01-01."),
    ],
)
def test_an_implausible_order_time_is_422_naming_the_field(api, shop, field, value, message):
    response = api.put("/orders", {**ORDER, field: value})

    assert field_errors(response) == [field]
    assert response.json()["errors"][0]["message"] == message
    assert response.json()["detail"] == f"Invalid request: {field}: {message}"
    assert not Order.objects.exists()


@pytest.mark.parametrize("price", ["NaN", "Infinity", "-0.01", "1e30", True, None, [1]])
def test_a_unit_price_that_is_no_plausible_amount_is_422(api, shop, price):
    lines = [{**ORDER["lines"][0], "unit_price": price}]

    response = api.put("/orders", {**ORDER, "lines": lines})

    assert field_errors(response) == ["lines.0.unit_price"]
    assert not Order.objects.exists()


# --- fuzz ------------------------------------------------------------------------------------

ZONES = [timezone(timedelta(hours=14)), timezone(timedelta(hours=-14)), UTC]
TIME_EDGES = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "1969-12-31T23:59:59Z",
    "2026-03-01T10:15:00",
    "0001-01-01",
    "2999-12-31",
    0,
    -1,
    2**40,
]
AMOUNT_EDGES = [
    "NaN",
    "-Infinity",
    "sNaN",
    "1e400",
    "-1",
    "99999999999999999999.99",
    "0.001",
    1e300,
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.sampled_from(["", " ", "\x00", "x" * 301, "ü" * 9])
    | st.text(max_size=20)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=5,
)
times = st.one_of(
    st.sampled_from(TIME_EDGES),
    st.datetimes(timezones=st.sampled_from(ZONES)).map(datetime.isoformat),
    values,
)
amounts = st.one_of(
    st.sampled_from(AMOUNT_EDGES),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    values,
)
texts = st.one_of(st.text(max_size=400), values)


def changes_of(**fields: st.SearchStrategy) -> st.SearchStrategy[dict]:
    """Dictionaries with some of ``fields`` (``lines__0__price`` is ``lines.0.price``)."""
    optional = {name.replace("__", "."): strategy for name, strategy in fields.items()}
    return st.fixed_dictionaries({}, optional=optional).filter(bool)


def replaced(body: dict, changes: dict) -> dict:
    """``body`` with the fields of ``changes`` replaced; ``lines.0.x`` reaches into the line."""
    body = json.loads(json.dumps(body))
    for name, value in changes.items():
        target = body
        *parents, last = name.split(".")
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        target[last] = value
    return body


def check_answer(response, before: dict[str, int]) -> None:
    assert response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/json")
    if response.status_code >= 400:
        assert response.json()["detail"]
        assert rows() == before


FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
customer_changes = changes_of(
    email=texts,
    shop=texts,
    external_id=texts,
    first_name=texts,
    salutation=texts,
    form_of_address=texts,
    language=texts,
    phone=texts,
    birthday=times,
    vat_id=texts,
    unknown=values,
)
order_changes = changes_of(
    external_id=texts,
    number=texts,
    placed_at=times,
    currency=texts,
    status=texts,
    shipping_total=amounts,
    discount_total=amounts,
    tax_total=amounts,
    is_test=values,
    source_updated_at=times,
    billing_address=values,
    customer=values,
    customer__email=texts,
    lines__0__quantity=amounts,
    lines__0__unit_price=amounts,
    lines__0__name=texts,
)


@FUZZ
@given(changes=customer_changes)
@example(changes={"language": None})
@example(changes={"form_of_address": None, "birthday": "0001-01-01"})
def test_fuzzed_customer_upserts_never_fail_or_half_write(api, shop, changes):
    before = rows()
    response = api.put("/customers", replaced(CUSTOMER, changes))
    check_answer(response, before)


@FUZZ
@given(changes=order_changes)
@example(changes={"placed_at": "0001-01-01T00:00:00+14:00"})
@example(changes={"lines.0.unit_price": "1e400", "source_updated_at": "9999-12-31T23:59:59-14:00"})
def test_fuzzed_order_upserts_never_fail_or_half_write(api, shop, changes):
    before = rows()
    response = api.put("/orders", replaced(ORDER, changes))
    check_answer(response, before)


@FUZZ
@given(text=texts, merged_id=amounts)
def test_fuzzed_notes_and_merges_never_fail_or_half_write(api, text, merged_id):
    customer = create_customer(by=None, email="kim@example.de")
    before = rows()
    check_answer(api.post(f"/customers/{customer.pk}/notes", {"text": text}), before)
    before = rows()
    check_answer(api.post(f"/customers/{customer.pk}/merge", {"merged_id": merged_id}), before)
    Customer.objects.all().delete()


@pytest.mark.parametrize("before", ["0001-01-01T00:00:00+14:00_5", "9999-12-31T23:59:59-14:00_5"])
def test_a_timeline_cursor_without_a_utc_time_is_400(api, before):
    customer = create_customer(by=None, email="kim@example.de")

    response = api.get(f"/customers/{customer.pk}/activities", before=before)

    assert response.status_code == 400
    assert "before" in response.json()["detail"]


event_changes = changes_of(
    data__placed_at=times,
    data__updated_at=times,
    data__shipping_total=amounts,
    data__lines__0__unit_price=amounts,
    data__lines__0__quantity=amounts,
    data__customer=values,
    id=texts,
)


@pytest.fixture
def events_api(make_api):
    """A token for posting events of a shop of our own JSON format."""
    shop = Shop.objects.create(name="Eigenbau", slug="eigenbau", platform="generic")
    return make_api("events:write", name="events", shop=shop)


@FUZZ
@given(changes=event_changes)
@example(changes={"data.placed_at": "0001-01-01T00:00:00+14:00"})
def test_fuzzed_events_are_stored_or_refused_never_a_server_error(events_api, changes):
    from stammkunde.connectors.inbox.services import process_waiting
    from stammkunde.connectors.models import DeliveryState

    api = events_api
    event = {
        "id": f"evt-{WebhookDelivery.objects.count()}",
        "type": "order.upserted",
        "data": {
            "id": "A-1",
            "placed_at": "2026-03-01T10:15:00+01:00",
            "lines": [{"name": "Espresso", "quantity": 1, "unit_price": "18.90"}],
        },
    }
    before = rows()

    response = api.post("/events", replaced(event, changes))

    assert response.status_code < 500, response.content
    if response.status_code == 202:
        process_waiting()
        delivery = WebhookDelivery.objects.get(pk=response.json()["delivery_id"])
        assert delivery.state in (DeliveryState.PROCESSED, DeliveryState.FAILED), delivery.error
    else:
        assert response.json()["detail"]
        # A refused event is kept in the inbox as rejected, and nothing else is written.
        after = rows()
        assert after.pop("WebhookDelivery") - before.pop("WebhookDelivery") <= 1
        assert after == before


@pytest.mark.parametrize(
    "pk", ["99999999999999999999", "-5", "0", "٣", " 5", "abc", "9223372036854775808"]
)
def test_a_timeline_cursor_whose_id_is_no_id_is_400(api, pk):
    customer = create_customer(by=None, email="kim@example.de")

    response = api.get(
        f"/customers/{customer.pk}/activities", before=f"2026-01-01T00:00:00+00:00_{pk}"
    )

    assert response.status_code == 400
    assert "before" in response.json()["detail"]
