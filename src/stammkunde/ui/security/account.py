"""A staff member's own settings: the language of the mail Stammkunde sends them."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stammkunde.logins.language import set_language_cookie
from stammkunde.logins.queries import chosen_language, installation_language
from stammkunde.logins.services import set_staff_language


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language of your mail"),
        required=False,
        help_text=gettext_lazy(
            "Deadline warnings, approval requests and other mail to you are written in it."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(settings.LANGUAGES)
        default = _("As the installation (%(language)s)") % {
            "language": names.get(installation_language(), installation_language())
        }
        self.fields["language"].choices = [("", default), *settings.LANGUAGES]


@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    """The staff member's own settings (everyone logged in, for themselves only)."""
    form = LanguageForm(request.POST or None, initial={"language": chosen_language(request.user)})
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        set_staff_language(request.user, language, by=request.user)
        messages.success(request, _("Your settings are saved."))
        response = redirect("ui:account-settings")
        if language:
            # The pages follow the mail's language from now on, as the header's switch does.
            set_language_cookie(response, language)
        return response
    return render(
        request,
        "ui/security/account_settings.html",
        {"form": form},
        status=422 if request.method == "POST" else 200,
    )
