"""Backup and restore of an installation: the database and the data directory, as one archive.

The archive (tar, gzip) holds ``manifest.json``, the database (``database/stammkunde.sqlite3``
made with SQLite's online backup API, consistent while the server runs and writes; or
``database/stammkunde.pgdump``, ``pg_dump``'s custom format, one consistent snapshot) and every
file of the data directory but the live SQLite files (``data/...``: the generated secret key,
encryption keys, attachments). PostgreSQL's client tools must have the server's major version
(``pg_dump`` refuses newer servers, and an older ``pg_restore`` cannot read a newer dump), which
``check_pg_tools`` tells before anything is written.

``table_fingerprints`` (row count and a content hash per table) lets a test, or an operator,
check that a restore brought back every table exactly.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

FORMAT = "stammkunde-backup/1"
SQLITE_MEMBER = "database/stammkunde.sqlite3"
PG_MEMBER = "database/stammkunde.pgdump"
DATA_PREFIX = "data/"
# Never copied from the data directory: the live database files, the write turns' lock files
# beside them (core.write_turns) and backups kept there.
SKIPPED_DATA = re.compile(r"^(backups/|.*\.sqlite3(-wal|-shm|-journal|-turns)?$)")


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason in words."""


@dataclass(frozen=True)
class Fingerprint:
    rows: int
    sha256: str


def table_fingerprints(using: str = "default") -> dict[str, Fingerprint]:
    """Row count and a hash of the content of every table (rows sorted, so order-independent)."""
    conn = connections[using]
    result: dict[str, Fingerprint] = {}
    with conn.cursor() as cursor:
        for table in sorted(conn.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {conn.ops.quote_name(table)}")
            rows = sorted(repr(tuple(_plain(value) for value in row)) for row in cursor.fetchall())
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            result[table] = Fingerprint(len(rows), digest)
    return result


def _plain(value: Any) -> Any:
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def vendor(using: str = "default") -> str:
    return connections[using].vendor


def _database_settings(using: str = "default") -> dict[str, Any]:
    return connections[using].settings_dict


def sqlite_path(using: str = "default") -> Path:
    return Path(_database_settings(using)["NAME"])


# ---- PostgreSQL client tools -----------------------------------------------------------------


def _tool_major(tool: str) -> int:
    path = shutil.which(tool)
    if path is None:
        raise BackupError(
            f"{tool} is not installed; install the PostgreSQL client of the server's major "
            "version (Debian: apt-get install postgresql-client-15)."
        )
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    if match is None:
        raise BackupError(f"Cannot read the version of {tool}: {output.strip()}")
    return int(match.group(1))


def server_major(using: str = "default") -> int:
    with connections[using].cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10_000


def check_pg_tools(tool: str, using: str = "default") -> None:
    """Fail with a clear message unless ``tool`` is installed with the server's major version."""
    client, server = _tool_major(tool), server_major(using)
    if client != server:
        raise BackupError(
            f"{tool} is version {client}, the PostgreSQL server {server}: install the client "
            f"tools of version {server} (Debian: postgresql-client-{server})."
        )


def _pg_env(using: str) -> tuple[list[str], dict[str, str]]:
    db = _database_settings(using)
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])  # never on the command line, where ps shows it
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


# ---- backup ------------------------------------------------------------------------------------


def _data_files(data_dir: Path) -> Iterator[tuple[Path, str]]:
    for path in sorted(data_dir.rglob("*")):
        relative = path.relative_to(data_dir).as_posix()
        if path.is_file() and not SKIPPED_DATA.match(relative):
            yield path, relative


def create_backup(output: Path, *, using: str = "default") -> dict[str, Any]:
    """Write the archive to ``output`` (readable by the owner only); returns its manifest."""
    kind = vendor(using)
    if kind == "postgresql":
        check_pg_tools("pg_dump", using)
    elif kind != "sqlite":
        raise BackupError(f"Backups of {kind} databases are not supported.")
    data_dir = Path(settings.DATA_DIR)
    output = output.resolve()
    with tempfile.TemporaryDirectory(prefix="stammkunde-backup-") as scratch:
        dump = Path(scratch) / "database"
        if kind == "sqlite":
            _sqlite_copy(sqlite_path(using), dump)
            member = SQLITE_MEMBER
        else:
            args, env = _pg_env(using)
            _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), *args], env)
            member = PG_MEMBER
        files = [relative for path, relative in _data_files(data_dir) if path.resolve() != output]
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database": kind,
            "database_member": member,
            "data_files": files,
        }
        partial = output.with_name(output.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
            archive.add(dump, arcname=member)
            for relative in files:
                archive.add(data_dir / relative, arcname=DATA_PREFIX + relative)
        partial.replace(output)  # a crash never leaves a half archive under the real name
    return manifest


def _add_bytes(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mode = 0o600
    info.mtime = int(timezone.now().timestamp())
    archive.addfile(info, io.BytesIO(content))


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy a live SQLite database with the online backup API (a consistent snapshot; writers
    in WAL mode are not blocked)."""
    with (
        closing(sqlite3.connect(source, timeout=30)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


@contextmanager
def closing(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    try:
        yield conn
    finally:
        conn.close()


# ---- restore -----------------------------------------------------------------------------------


def read_manifest(archive_path: Path) -> dict[str, Any]:
    """The manifest of an archive, checked for the format."""
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            member = archive.extractfile("manifest.json")
            manifest = json.loads(member.read()) if member else None
    except (OSError, KeyError, tarfile.TarError, ValueError) as error:
        raise BackupError(f"{archive_path} is not a Stammkunde backup: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive_path} is not a Stammkunde backup of format {FORMAT}.")
    return manifest


def database_has_data(using: str = "default") -> bool:
    """Whether the configured database already holds an installation (migrations applied)."""
    conn = connections[using]
    with conn.cursor() as cursor:
        return "django_migrations" in conn.introspection.table_names(cursor)


def restore_backup(archive_path: Path, *, using: str = "default") -> dict[str, Any]:
    """Replace the database and the data directory's files with the archive's; returns the
    manifest. The database must be of the archive's kind (SQLite or PostgreSQL)."""
    manifest = read_manifest(archive_path)
    kind = vendor(using)
    if manifest["database"] != kind:
        raise BackupError(
            f"The backup holds a {manifest['database']} database; this installation uses {kind}."
        )
    if kind == "postgresql":
        check_pg_tools("pg_restore", using)
    data_dir = Path(settings.DATA_DIR)
    with (
        tempfile.TemporaryDirectory(prefix="stammkunde-restore-") as scratch,
        tarfile.open(archive_path, "r:gz") as archive,
    ):
        archive.extractall(scratch, filter="data")
        dump = Path(scratch) / manifest["database_member"]
        connections[using].close()
        if kind == "sqlite":
            _sqlite_copy(dump, sqlite_path(using))
        else:
            args, env = _pg_env(using)
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    *args,
                    str(dump),
                ],
                env,
            )
        for relative in manifest["data_files"]:
            source = Path(scratch) / (DATA_PREFIX + relative)
            target = data_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            target.chmod(0o600)
    connection.close()
    return manifest
