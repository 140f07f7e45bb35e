from django.apps import AppConfig


class UiPrivacyConfig(AppConfig):
    """Installed only so that Django finds this topic's templates/ and templatetags/."""

    name = "stammkunde.ui.privacy"
    label = "ui_privacy"
