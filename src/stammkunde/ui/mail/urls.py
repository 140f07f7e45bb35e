"""URLs of the inbound mail pages (included by ui/urls.py, so their names are ui:...)."""

from django.urls import path

from stammkunde.ui.mail import views

urlpatterns = [
    path("service/mail/", views.mail_list, name="inbound-mail-list"),
    path("service/mail/<int:pk>/", views.mail_detail, name="inbound-mail-detail"),
    path("service/mail/<int:pk>/original/", views.mail_original, name="inbound-mail-original"),
    path("service/mail/<int:pk>/reprocess/", views.mail_reprocess, name="inbound-mail-reprocess"),
    path("service/mail/attachments/<int:pk>/", views.attachment_file, name="inbound-attachment"),
]
