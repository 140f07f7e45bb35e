"""A real IMAP server for tests: Debian's Dovecot in a temporary directory on a loopback port,
with one user in a password file (scripts/test installs dovecot-imapd).

Dovecot refuses to run mail processes as root, so the mail directory belongs to the
``dovecot`` system user (STACK.md's recipe).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

USER = "service@shop.test"
PASSWORD = "secret-imap"


@dataclass
class Dovecot:
    directory: Path
    port: int
    user: str = USER
    password: str = PASSWORD

    @property
    def url(self) -> str:
        return f"imap://{self.user.replace('@', '%40')}:{self.password}@127.0.0.1:{self.port}/INBOX"


def dovecot_available() -> bool:
    return shutil.which("dovecot") is not None or Path("/usr/sbin/dovecot").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_dovecot() -> Dovecot:
    """Start a Dovecot and wait until it accepts connections (generous deadline)."""
    account = pwd.getpwnam("dovecot")
    directory = Path(tempfile.mkdtemp(prefix="dovecot-"))
    directory.chmod(0o755)
    for sub in ("mail", "run", "state"):
        (directory / sub).mkdir()
    os.chown(directory / "mail", account.pw_uid, account.pw_gid)
    port = _free_port()
    (directory / "users").write_text(
        f"{USER}:{{PLAIN}}{PASSWORD}:{account.pw_uid}:{account.pw_gid}::{directory}/mail/%u\n"
    )
    (directory / "dovecot.conf").write_text(
        f"""
base_dir = {directory}/run
state_dir = {directory}/state
log_path = {directory}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{directory}/mail/%u
first_valid_uid = {account.pw_uid}
default_login_user = dovecot
default_internal_user = dovecot
passdb {{
  driver = passwd-file
  args = {directory}/users
}}
userdb {{
  driver = passwd-file
  args = {directory}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""
    )
    dovecot = shutil.which("dovecot") or "/usr/sbin/dovecot"
    subprocess.run([dovecot, "-c", str(directory / "dovecot.conf")], check=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    return Dovecot(directory, port)
        except OSError:
            time.sleep(0.05)
    log = (directory / "dovecot.log").read_text() if (directory / "dovecot.log").exists() else ""
    raise RuntimeError(f"dovecot did not start: {log[-2000:]}")


def stop_dovecot(server: Dovecot) -> None:
    pid_file = server.directory / "run" / "master.pid"
    if pid_file.exists():
        pid = int(pid_file.read_text().strip())
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
    shutil.rmtree(server.directory, ignore_errors=True)
