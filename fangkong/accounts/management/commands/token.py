from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fangkong.accounts.models import ApiToken, User
from fangkong.accounts.services import token_create, token_revoke
from fangkong.core.scoping import SYSTEM


class Command(BaseCommand):
    help = "API tokens: `token create USERNAME` prints a new token as its last line."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print it once")
        create.add_argument("username")
        create.add_argument("--name", default="")
        revoke = sub.add_parser("revoke", help="revoke a token by the hint `token list` shows")
        revoke.add_argument("hint")
        listing = sub.add_parser("list", help="list a user's tokens")
        listing.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        return user

    def _create(self, options: dict[str, Any]) -> None:
        _token, secret = token_create(
            actor=SYSTEM, user=self._user(options["username"]), name=options["name"]
        )
        self.stdout.write("Store this token now; it will not be shown again.")
        self.stdout.write(secret)

    def _revoke(self, options: dict[str, Any]) -> None:
        tokens = list(ApiToken.objects.filter(hint=options["hint"]))
        if len(tokens) != 1:
            raise CommandError(f"{len(tokens)} tokens match {options['hint']!r}; expected one")
        token_revoke(actor=SYSTEM, token=tokens[0])
        self.stdout.write(f"revoked {options['hint']}")

    def _list(self, options: dict[str, Any]) -> None:
        for token in self._user(options["username"]).api_tokens.order_by("created_at"):
            state = "active" if token.is_active else f"revoked {token.revoked_at:%Y-%m-%d %H:%M}"
            self.stdout.write(
                f"{token.hint}\t{token.name}\t{token.created_at:%Y-%m-%d %H:%M}\t{state}"
            )
