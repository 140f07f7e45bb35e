from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _reapply_roles(sender: AppConfig, apps: Any, **kwargs: Any) -> None:
    from stammkunde.ui.roles import apply_roles

    apply_roles(apps, strict=True)


class UiConfig(AppConfig):
    name = "stammkunde.ui"
    label = "ui"
    verbose_name = _("Staff web interface")

    def ready(self) -> None:
        # The role table in roles.py is the truth: every migrate brings the groups in line with
        # it, so a permission added to a role reaches existing installations without a data
        # migration per change.
        post_migrate.connect(_reapply_roles, sender=self, dispatch_uid="stammkunde-roles")
