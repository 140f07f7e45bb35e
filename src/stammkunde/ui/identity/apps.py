from django.apps import AppConfig


class UiIdentityConfig(AppConfig):
    """Installed only so that Django finds this topic's templates/ and templatetags/."""

    name = "stammkunde.ui.identity"
    label = "ui_identity"
