"""Shop credentials and webhook secrets are stored encrypted: the raw column does not hold
them, the application reads them back, and the migration encrypts existing values."""

from __future__ import annotations

import stat

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from stammkunde.connectors.inbox.connections import connect_shop
from stammkunde.connectors.models import ShopConnection
from stammkunde.core import crypto

SECRET = "whsec_Röst3rei-geheim-1234567890"
API_KEY = "shpat_0123456789abcdef"
API_SECRET = "cs_fedcba9876543210"


def raw_columns(pk: int) -> tuple[str, str, str]:
    table = ShopConnection._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT webhook_secret, api_key, api_secret FROM {table} WHERE id = %s", [pk]
        )
        return cursor.fetchone()


@pytest.mark.django_db
def test_the_database_holds_tokens_not_the_secrets(agent):
    shop = connect_shop(
        by=agent,
        name="Rösterei",
        platform="shopify",
        webhook_secret=SECRET,
        api_base_url="https://roesterei.example",
        api_key=API_KEY,
        api_secret=API_SECRET,
    )
    raw = raw_columns(shop.pk)
    for stored, plain in zip(raw, (SECRET, API_KEY, API_SECRET), strict=True):
        assert stored.startswith("fernet:")
        assert plain not in stored
        # Only the key opens it.
        assert (
            Fernet(
                crypto.load_keys(
                    [],
                    __import__("pathlib").Path(
                        __import__("django.conf", fromlist=["settings"]).settings.DATA_DIR
                    ),
                )[0].encode()
            )
            .decrypt(stored[7:].encode())
            .decode()
            == plain
        )
    again = ShopConnection.objects.get(pk=shop.pk)
    assert (again.webhook_secret, again.api_key, again.api_secret) == (SECRET, API_KEY, API_SECRET)
    # "Not set" stays an empty string, so the backfill's exclude(api_key="") still works.
    assert ShopConnection.objects.exclude(api_key="").count() == 1


def test_a_wrong_key_does_not_open_the_secrets(settings, tmp_path):
    token = crypto.encrypt(SECRET)
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    crypto.reset_cache()
    try:
        with pytest.raises(Exception, match="cannot be decrypted"):
            crypto.decrypt(token)
    finally:
        settings.ENCRYPTION_KEYS = []
        crypto.reset_cache()


def test_keys_can_be_rotated(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    crypto.reset_cache()
    try:
        token = crypto.encrypt(API_KEY)
        settings.ENCRYPTION_KEYS = [new, old]
        crypto.reset_cache()
        assert crypto.decrypt(token) == API_KEY
    finally:
        settings.ENCRYPTION_KEYS = []
        crypto.reset_cache()


def test_the_key_file_is_private(tmp_path):
    keys = crypto.load_keys([], tmp_path)
    assert len(Fernet(keys[0].encode()).encrypt(b"x")) > 0
    assert stat.S_IMODE((tmp_path / crypto.KEY_FILE_NAME).stat().st_mode) == 0o600
    assert crypto.load_keys([], tmp_path) == keys


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_secrets_and_can_go_back():
    executor = MigrationExecutor(connection)
    executor.migrate([("connectors", "0002_lean_delivery_indexes")])
    apps = executor.loader.project_state([("connectors", "0002_lean_delivery_indexes")]).apps
    shop = apps.get_model("shop", "Shop").objects.create(name="Alt", slug="alt", platform="shopify")
    old = apps.get_model("connectors", "ShopConnection").objects.create(
        shop=shop, webhook_secret=SECRET, hook_token="t1", api_key=API_KEY, api_secret=""
    )
    assert raw_columns(old.pk) == (SECRET, API_KEY, "")
    try:
        executor = MigrationExecutor(connection)
        executor.migrate([("connectors", "0003_encrypt_shop_secrets")])
        stored = raw_columns(old.pk)
        assert stored[0].startswith("fernet:")
        assert stored[1].startswith("fernet:")
        assert stored[2] == ""
        assert [crypto.decrypt(value) for value in stored] == [SECRET, API_KEY, ""]

        executor = MigrationExecutor(connection)
        executor.migrate([("connectors", "0002_lean_delivery_indexes")])
        assert raw_columns(old.pk) == (SECRET, API_KEY, "")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
