"""``stammkunde api token create|list|revoke``: the REST API's per-integration tokens."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stammkunde.api.models import ApiToken, Scope
from stammkunde.api.tokens import TokenError, create_token, revoke_token
from stammkunde.shop.models import Shop


class Command(BaseCommand):
    help = "Manage REST API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        subjects = parser.add_subparsers(dest="subject", required=True)
        token = subjects.add_parser("token", help="API tokens", called_from_command_line=True)
        actions = token.add_subparsers(dest="action", required=True)
        create = actions.add_parser(
            "create", help="Create a token and print it (once)", called_from_command_line=True
        )
        create.add_argument("name", help="Name of the integration, e.g. shop-sync")
        create.add_argument(
            "--scope",
            action="append",
            required=True,
            choices=Scope.values,
            help="A scope (repeat for several)",
        )
        create.add_argument("--shop", help="Bind the token to this shop (short name)")
        actions.add_parser("list", help="List tokens", called_from_command_line=True)
        revoke = actions.add_parser(
            "revoke", help="Revoke a token by name", called_from_command_line=True
        )
        revoke.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options)
        elif action == "list":
            for token in ApiToken.objects.select_related("shop"):
                state = "revoked" if token.revoked_at else "active"
                used = token.last_used_at.isoformat() if token.last_used_at else "never"
                shop = token.shop.slug if token.shop else "*"
                self.stdout.write(
                    f"{token.name}\t{token.prefix}…\t{state}\tshop={shop}\t"
                    f"last used {used}\t{' '.join(token.scopes)}"
                )
        elif action == "revoke":
            token = ApiToken.objects.filter(name=options["name"]).first()
            if token is None:
                raise CommandError(f"No token named {options['name']}.")
            revoke_token(token)
            self.stdout.write(f"Revoked {token.name}.")

    def _create(self, options: dict[str, Any]) -> None:
        shop = None
        if options.get("shop"):
            shop = Shop.objects.filter(slug=options["shop"]).first()
            if shop is None:
                raise CommandError(f"No shop named {options['shop']}.")
        try:
            token, secret = create_token(name=options["name"], scopes=options["scope"], shop=shop)
        except TokenError as exc:
            raise CommandError(str(exc)) from None
        self.stderr.write(
            f"Token {token.name} created. It is shown once; store it in the integration now:"
        )
        self.stdout.write(secret)
