"""History backfill and reconciliation: a shop's orders through its own REST API.

Both walk the API page by page and hand every order to the webhook path's mapping and
``apply_events``, so history and live data are one and the same thing. After each page the
run's cursor is saved in the same transaction as that page's orders: whatever stops a run
(the shop failing, a lost connection, Ctrl-C, a killed process), running it again continues at
the first page that is not stored, and re-applying an order changes nothing (``apply_events``
is idempotent and never lets older data overwrite newer).

Never called from a web request: the CLI (``stammkunde connectors``) and the worker's hourly
reconciliation job run them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.connectors.applying import ApplyError, apply_events
from stammkunde.connectors.backfill.http import ApiError, RetryPolicy
from stammkunde.connectors.backfill.mapping import order_events, order_key
from stammkunde.connectors.backfill.pages import OrderClient, OrderPage, OrderQuery
from stammkunde.connectors.models import ShopConnection
from stammkunde.connectors.models.backfill import (
    MAX_RECORDED_ERRORS,
    BackfillRun,
    RunKind,
    RunState,
)
from stammkunde.connectors.platforms.base import PayloadError
from stammkunde.core.origin import Origin, event_origin
from stammkunde.shop.models import Platform, Shop

logger = logging.getLogger(__name__)

API_PLATFORMS = (Platform.SHOPIFY, Platform.WOOCOMMERCE, Platform.SHOPWARE6)
# A reconciliation pass re-reads this much before the previous pass began: the shop's clock and
# ours differ a little, and an order saved in the shop while the last pass ran may carry a
# change time just before that pass's start.
OVERLAP = timedelta(minutes=15)
# The window of a shop's first reconciliation (before it, the backfill's job).
FIRST_WINDOW = timedelta(days=2)

Progress = Callable[[BackfillRun], None]


class BackfillError(Exception):
    """The run cannot start; the message is meant for the user."""


def api_client(shop: Shop, *, retry: RetryPolicy | None = None) -> OrderClient:
    """The API client of a shop's platform with its stored credentials (BackfillError)."""
    from stammkunde.connectors.backfill.shopify import ShopifyClient
    from stammkunde.connectors.backfill.shopware6 import Shopware6Client
    from stammkunde.connectors.backfill.woocommerce import WooCommerceClient

    if shop.platform not in API_PLATFORMS:
        raise BackfillError(
            _("%(shop)s is a %(platform)s shop; it has no API to read orders from.")
            % {"shop": shop.name, "platform": shop.get_platform_display()}
        )
    connection = ShopConnection.objects.filter(shop=shop).first()
    needs_secret = shop.platform != Platform.SHOPIFY
    if (
        connection is None
        or not connection.api_base_url
        or not connection.api_key
        or (needs_secret and not connection.api_secret)
    ):
        if needs_secret:
            message = _(
                "%(shop)s has no API credentials; enter the API base URL, key and secret in the "
                "shop's connection settings."
            )
        else:
            message = _(
                "%(shop)s has no API credentials; enter the API base URL and access token in the "
                "shop's connection settings."
            )
        raise BackfillError(message % {"shop": shop.name})
    if shop.platform == Platform.SHOPIFY:
        return ShopifyClient(
            base_url=connection.api_base_url, access_token=connection.api_key, retry=retry
        )
    if shop.platform == Platform.WOOCOMMERCE:
        return WooCommerceClient(
            base_url=connection.api_base_url,
            consumer_key=connection.api_key,
            consumer_secret=connection.api_secret,
            retry=retry,
        )
    return Shopware6Client(
        base_url=connection.api_base_url,
        client_id=connection.api_key,
        client_secret=connection.api_secret,
        retry=retry,
    )


def run_backfill(
    shop: Shop,
    since: datetime | None = None,
    progress: Progress | None = None,
    *,
    restart: bool = False,
    client: OrderClient | None = None,
    retry: RetryPolicy | None = None,
) -> BackfillRun:
    """Pull every order created since ``since`` (all when None); continue a stopped run.

    The latest backfill of the shop is continued when it did not finish and asked for the
    same ``since``; ``restart`` starts from the first page regardless. Returns the run: state
    finished, or failed with ``error`` (run again to continue). Raises BackfillError when the
    shop has no usable API.
    """
    client = client or api_client(shop, retry=retry)
    latest = BackfillRun.objects.filter(shop=shop, kind=RunKind.BACKFILL).first()
    if (
        latest is not None
        and latest.state != RunState.FINISHED
        and latest.since == since
        and not restart
    ):
        run = latest
        run.state = RunState.RUNNING
        run.error = ""
        run.save(update_fields=["state", "error"])
    else:
        run = BackfillRun.objects.create(
            shop=shop, kind=RunKind.BACKFILL, since=since, started_at=timezone.now()
        )
        count = getattr(client, "count_orders", None)
        if count is not None:
            # Without a count the bar goes without a total; the pages will tell any error.
            with suppress(ApiError):
                run.orders_total = count(OrderQuery(created_since=since))
            run.save(update_fields=["orders_total"])
    return _walk(run, client, OrderQuery(created_since=since), progress)


def run_reconciliation(
    shop: Shop,
    progress: Progress | None = None,
    *,
    client: OrderClient | None = None,
    retry: RetryPolicy | None = None,
    now: datetime | None = None,
) -> BackfillRun:
    """Re-read the orders the shop changed since the last pass (with an overlap margin).

    Catches what webhooks missed: orders never delivered, and updates newer than ours. On
    success ``last_reconciled_at`` moves to this pass's start; a failed pass leaves it, so the
    next one covers the same window again.
    """
    client = client or api_client(shop, retry=retry)
    started = now or timezone.now()
    connection = ShopConnection.objects.get(shop=shop)
    if connection.last_reconciled_at is not None:
        since = connection.last_reconciled_at - OVERLAP
    else:
        since = started - FIRST_WINDOW
    run = BackfillRun.objects.create(
        shop=shop, kind=RunKind.RECONCILIATION, since=since, started_at=started
    )
    _walk(run, client, OrderQuery(updated_since=since), progress)
    if run.state == RunState.FINISHED:
        ShopConnection.objects.filter(pk=connection.pk).update(last_reconciled_at=started)
    return run


def reconcile_all_shops(*, retry: RetryPolicy | None = None) -> list[BackfillRun]:
    """One reconciliation pass for every active shop with API credentials."""
    runs = []
    for shop in shops_with_api():
        try:
            runs.append(run_reconciliation(shop, retry=retry))
        except BackfillError as error:
            logger.warning("reconciliation of %s skipped: %s", shop.slug, error)
        except Exception:
            # One shop's failure (recorded on its run) must not keep the others waiting.
            logger.exception("reconciliation of %s failed", shop.slug)
    return runs


def shops_with_api() -> list[Shop]:
    """Active shops on an API platform whose connection has an API address and key."""
    return list(
        Shop.objects.filter(
            is_active=True,
            platform__in=API_PLATFORMS,
            connection__isnull=False,
        )
        .exclude(connection__api_base_url="")
        .exclude(connection__api_key="")
        .order_by("pk")
    )


def _walk(
    run: BackfillRun, client: OrderClient, query: OrderQuery, progress: Progress | None
) -> BackfillRun:
    """Fetch, apply and save page after page from ``run.cursor`` until the last one.

    The events of a backfill are history (no "order received" mail for an order from 2023);
    those of a reconciliation are what webhooks missed lately.
    """
    origin = Origin.BACKFILL if run.kind == RunKind.BACKFILL else Origin.RECONCILIATION
    try:
        with event_origin(origin):
            return _walk_pages(run, client, query, progress)
    except ApiError as error:
        _stop(run, str(error))
    except BaseException as error:
        # Ctrl-C, a database failure or a bug: the last saved page stays the resume point.
        _stop(run, _("Interrupted: %(error)s") % {"error": type(error).__name__})
        raise
    return run


def _walk_pages(
    run: BackfillRun, client: OrderClient, query: OrderQuery, progress: Progress | None
) -> BackfillRun:
    while True:
        page = client.fetch_orders(run.cursor, query)
        _store_page(run, client.platform, page)
        if progress is not None:
            progress(run)
        if run.state == RunState.FINISHED:
            return run


@transaction.atomic
def _store_page(run: BackfillRun, platform: str, page: OrderPage) -> None:
    """Apply one page's orders and advance the cursor, in one transaction."""
    for order in page.orders:
        run.orders_seen += 1
        try:
            # apply_events runs in its own savepoint: a refused order neither stops the page
            # nor leaves half of itself behind.
            result = apply_events(run.shop, order_events(platform, order))
        except (PayloadError, ApplyError) as error:
            run.orders_failed += 1
            if len(run.errors) < MAX_RECORDED_ERRORS:
                problem = {"order": order_key(platform, order), "error": str(error)[:500]}
                run.errors = [*run.errors, problem]
            continue
        if result.orders_created or result.orders_updated:
            run.orders_applied += 1  # new or changed; an order we already hold as is is not
    run.pages_done += 1
    run.cursor = page.next_cursor
    if page.total is not None and run.orders_total is None:
        run.orders_total = page.total
    if not page.next_cursor:
        run.state = RunState.FINISHED
        run.finished_at = timezone.now()
    run.save()


def _stop(run: BackfillRun, error: str) -> None:
    run.state = RunState.FAILED
    run.error = error[:5000]
    run.save(update_fields=["state", "error"])
