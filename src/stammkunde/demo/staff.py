"""Staff logins for the demo: an admin and one user per role group, sharing one password."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction

LOGIN_FILE_NAME = "demo-login.txt"

# (username, first name, last name, role group). The group names are those of ui/roles.py,
# copied as strings because the demo package may not import the ui package (sibling layers).
DEMO_STAFF = [
    ("anna", "Anna", "Becker", "Service agent"),
    ("max", "Max", "Weber", "Mediator"),
    ("lena", "Lena", "Hoffmann", "Team lead"),
    ("mark", "Mark", "Schulz", "Marketing"),
]
ADMIN_USERNAME = "admin"


def login_file() -> Path:
    """Where the demo password is kept (readable by the owner only)."""
    return Path(settings.DATA_DIR) / LOGIN_FILE_NAME


def demo_password() -> str:
    """The demo password: read from the login file, or generated and stored there once."""
    path = login_file()
    if path.exists():
        for line in path.read_text().splitlines():
            if line.startswith("password:"):
                return line.split(":", 1)[1].strip()
    password = secrets.token_urlsafe(12)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    users = ", ".join([ADMIN_USERNAME, *(username for username, *_rest in DEMO_STAFF)])
    path.write_text(f"users: {users}\npassword: {password}\n")
    return password


@transaction.atomic
def ensure_demo_staff(password: str) -> list[tuple[str, str]]:
    """Create (or reset) the admin and the role users; returns (username, role) pairs."""
    admin, _created = User.objects.get_or_create(
        username=ADMIN_USERNAME, defaults={"first_name": "Admin"}
    )
    admin.is_staff = admin.is_superuser = admin.is_active = True
    admin.set_password(password)
    admin.save()
    accounts = [(ADMIN_USERNAME, "Admin (superuser)")]
    for username, first_name, last_name, role in DEMO_STAFF:
        user, _created = User.objects.get_or_create(
            username=username, defaults={"first_name": first_name, "last_name": last_name}
        )
        user.is_active = True
        user.is_staff = False
        user.set_password(password)
        user.save()
        group = Group.objects.filter(name=role).first()
        if group is not None:
            user.groups.add(group)
        accounts.append((username, role))
    return accounts
