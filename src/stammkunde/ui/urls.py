"""The staff UI's URLs: the shared pages here, each topic's pages from its own ``urls.py``.

Every topic's patterns are included without a namespace of their own, so all names stay
``ui:...`` (``ui:customer-detail``, ``ui:segment-list``) wherever the pages live.
"""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from stammkunde.ui import home

app_name = "ui"

urlpatterns = [
    path("", home.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="ui/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("stammkunde.ui.customers.urls")),
    path("", include("stammkunde.ui.identity.urls")),
    path("", include("stammkunde.ui.connectors.urls")),
    path("", include("stammkunde.ui.analytics.urls")),
    path("", include("stammkunde.ui.service.urls")),
    path("", include("stammkunde.ui.privacy.urls")),
    path("", include("stammkunde.ui.messaging.urls")),
    path("", include("stammkunde.ui.security.urls")),
    path("", include("stammkunde.ui.mail.urls")),
]
