from django.apps import AppConfig


class UiSecurityConfig(AppConfig):
    """Installed only so that Django finds this topic's templates/ and templatetags/."""

    name = "stammkunde.ui.security"
    label = "ui_security"
