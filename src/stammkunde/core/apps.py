from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "stammkunde.core"
    label = "core"
    verbose_name = "Stammkunde core"
