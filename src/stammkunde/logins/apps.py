from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoginsConfig(AppConfig):
    """Staff logins: lockouts after failed logins, two-factor login, password reset, the
    browser-facing headers (docs/INTERNALS.md, "Logins and browser security")."""

    name = "stammkunde.logins"
    label = "logins"
    verbose_name = _("Logins")

    def ready(self) -> None:
        from stammkunde.logins import receivers

        receivers.connect()
