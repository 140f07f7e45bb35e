"""Reading the service mailbox over IMAP (IMAPClient).

Each new message is fetched without touching its flags (``BODY.PEEK[]``), stored raw in its
own committed transaction, and only then flagged ``\\Seen`` (or moved to the done folder): a
crash in between leaves it unmarked, and the next run stores it once more at most (its
``source_ref`` makes the second store a no-op). Where we got to is the UID of the last stored
message together with the mailbox's UIDVALIDITY (``MailboxCursor``); when the server changes
UIDVALIDITY the old UIDs mean nothing, so the run falls back to the unseen messages.
"""

from __future__ import annotations

import ssl as ssl_module
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings
from imapclient import IMAPClient

from stammkunde.service.intake.receiving import store_inbound_mails
from stammkunde.service.models import InboundSource, MailboxCursor

# Messages per FETCH round trip; flags are set per chunk after its rows are committed.
CHUNK = 100


@dataclass(frozen=True)
class MailboxConfig:
    """Where the service mailbox is and how to log in."""

    host: str
    port: int
    username: str
    password: str
    folder: str = "INBOX"
    use_ssl: bool = False
    done_folder: str = ""
    timeout: float = 30.0

    @property
    def key(self) -> str:
        """The mailbox's name in cursors and source references."""
        return f"{self.username}@{self.host}:{self.port}/{self.folder}"


def mailbox_from_settings() -> MailboxConfig | None:
    """The mailbox of ``STAMMKUNDE_IMAP_URL`` (None when none is configured)."""
    url = settings.IMAP_URL
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise ValueError("STAMMKUNDE_IMAP_URL must look like imap(s)://user@host:port/FOLDER")
    use_ssl = parts.scheme == "imaps"
    return MailboxConfig(
        host=parts.hostname,
        port=parts.port or (993 if use_ssl else 143),
        username=unquote(parts.username or ""),
        password=settings.IMAP_PASSWORD or unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        use_ssl=use_ssl,
        done_folder=settings.IMAP_DONE_FOLDER,
        timeout=float(settings.IMAP_TIMEOUT),
    )


@dataclass
class FetchResult:
    """What one run did: messages seen on the server, stored anew, stored before."""

    fetched: int = 0
    stored: int = 0
    known: int = 0


def fetch_mailbox(config: MailboxConfig, *, limit: int | None = None) -> FetchResult:
    """Store the mailbox's new messages (at most ``limit``), marking each after its commit.

    Must run outside a transaction: marking a message before its row is committed could lose
    it.
    """
    result = FetchResult()
    context = ssl_module.create_default_context() if config.use_ssl else None
    with IMAPClient(
        config.host,
        port=config.port,
        ssl=config.use_ssl,
        ssl_context=context,
        timeout=config.timeout,
    ) as client:
        client.login(config.username, config.password)
        status = client.select_folder(config.folder)
        uidvalidity = int(status[b"UIDVALIDITY"])
        cursor, _created = MailboxCursor.objects.get_or_create(mailbox=config.key[:300])
        if cursor.uidvalidity == uidvalidity:
            # "n:*" always names the last message, even when its UID is below n.
            found = client.search(["UID", f"{cursor.last_uid + 1}:*"])
            uids = [uid for uid in found if uid > cursor.last_uid]
        else:
            uids = client.search(["UNSEEN"])
            cursor.uidvalidity, cursor.last_uid = uidvalidity, 0
        uids = sorted(uids)[:limit] if limit else sorted(uids)
        for start in range(0, len(uids), CHUNK):
            chunk = uids[start : start + CHUNK]
            response = client.fetch(chunk, ["BODY.PEEK[]"])
            batch = []
            for uid in chunk:
                raw = response.get(uid, {}).get(b"BODY[]")
                if raw is not None:  # None: expunged meanwhile
                    batch.append((f"{config.key}:{uidvalidity}:{uid}", bytes(raw)))
            stored = store_inbound_mails(batch, source=InboundSource.IMAP)
            result.fetched += len(batch)
            result.stored += stored
            result.known += len(batch) - stored
            # Every row of the chunk is committed now: mark (or move) the messages.
            if config.done_folder:
                client.move(chunk, config.done_folder)
            else:
                client.add_flags(chunk, [b"\\Seen"])
            cursor.last_uid = max(cursor.last_uid, chunk[-1])
            cursor.save(update_fields=["uidvalidity", "last_uid", "updated_at"])
        if not uids:
            cursor.save(update_fields=["uidvalidity", "last_uid", "updated_at"])
    return result
