from django.contrib.auth import views as auth_views
from django.urls import include, path

from stammkunde.ui.views import contacts, customers, home

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
    path("customers/", customers.customer_list, name="customer-list"),
    path("customers/<int:pk>/", customers.customer_detail, name="customer-detail"),
    path("customers/<int:pk>/timeline/", customers.customer_timeline, name="customer-timeline"),
    path("customers/<int:pk>/notes/", contacts.add_customer_note, name="customer-add-note"),
    path("customers/<int:pk>/calls/", contacts.log_customer_call, name="customer-log-call"),
    path("customers/<int:pk>/edit/", contacts.edit_customer, name="customer-edit"),
    path("", include("stammkunde.ui.urls_identity")),
    path("", include("stammkunde.ui.urls_connectors")),
    path("", include("stammkunde.ui.urls_analytics")),
]
