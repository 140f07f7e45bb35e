from django.urls import path

from stammkunde.service.public import views

urlpatterns = [
    path("", views.help_center, name="help-center"),
    path("articles/<int:pk>/", views.help_article, name="help-article"),
    path("contact/", views.help_contact, name="help-contact"),
]
