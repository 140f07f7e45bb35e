from django.apps import AppConfig


class UiAnalyticsConfig(AppConfig):
    """Installed only so that Django finds this topic's templates/ and templatetags/."""

    name = "stammkunde.ui.analytics"
    label = "ui_analytics"
