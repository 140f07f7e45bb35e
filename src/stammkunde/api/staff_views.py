"""Staff pages for the REST API's tokens: list them, create one (its secret shown once), revoke.

They belong to the api app, which owns its tokens; they look like the rest of the staff UI by
extending its base template.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from stammkunde.api.models import ApiToken, Scope
from stammkunde.api.tokens import TokenError, create_token, revoke_token, tokens_for_staff
from stammkunde.shop.models import Shop


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("Which integration uses it, e.g. “ERP sync”."),
    )
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Scopes"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Grant only what the integration needs."),
    )
    shop = forms.ModelChoiceField(
        label=gettext_lazy("Shop"),
        queryset=Shop.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("All shops"),
        help_text=gettext_lazy(
            "A token bound to a shop writes and reads that shop's orders and events only."
        ),
    )


@login_required
@permission_required("api.view_apitoken", raise_exception=True)
def token_list(request: HttpRequest) -> HttpResponse:
    return render(request, "api/token_list.html", {"tokens": tokens_for_staff()})


@login_required
@permission_required("api.add_apitoken", raise_exception=True)
@require_http_methods(["GET", "POST"])
def token_add(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = create_token(by=request.user, **form.cleaned_data)
        except TokenError as error:
            form.add_error(None, str(error))
        else:
            # Rendered, not redirected: the secret must not travel through the session or a URL.
            response = render(request, "api/token_created.html", {"token": token, "secret": secret})
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "api/token_add.html", {"form": form})


@login_required
@permission_required("api.change_apitoken", raise_exception=True)
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk)
    revoke_token(token, by=request.user)
    messages.success(request, _("The token %(name)s no longer works.") % {"name": token.name})
    return redirect("api-tokens:list")
