"""Logins: lockouts (admins), one's own settings, two-factor setup and code page, password
reset by e-mail."""

from django.urls import path

from stammkunde.ui.security import account, lockouts, password, two_factor

urlpatterns = [
    path("security/lockouts/", lockouts.lockout_list, name="lockout-list"),
    path("security/lockouts/lift/", lockouts.lift, name="lockout-lift"),
    path("account/", account.account_settings, name="account-settings"),
    path("account/two-factor/", two_factor.overview, name="two-factor"),
    path("account/two-factor/setup/", two_factor.setup, name="two-factor-setup"),
    path("account/two-factor/backup-codes/", two_factor.backup_codes, name="two-factor-backup"),
    path("account/two-factor/remove/", two_factor.remove, name="two-factor-remove"),
    path("login/code/", two_factor.verify, name="two-factor-verify"),
    path("password-reset/", password.ResetRequest.as_view(), name="password-reset"),
    path("password-reset/sent/", password.ResetSent.as_view(), name="password-reset-sent"),
    path(
        "password-reset/<uidb64>/<token>/",
        password.ResetConfirm.as_view(),
        name="password-reset-confirm",
    ),
    path("password-reset/done/", password.ResetDone.as_view(), name="password-reset-done"),
]
