from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fangkong.accounts.models import Role, User
from fangkong.accounts.scoping import SYSTEM
from fangkong.accounts.services import resolve_scope, role_grant, user_ensure
from fangkong.core.errors import error_items


class Command(BaseCommand):
    help = "Create users and grant roles: `user create USERNAME --role ROLE [--scope CODE]`."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create the user if needed and grant a role")
        create.add_argument("username")
        create.add_argument("--role", required=True, choices=Role.values)
        create.add_argument("--scope", help="a region or institution code; none: everything")
        create.add_argument(
            "--password-file", type=Path, help="file whose first line is the password"
        )
        create.add_argument("--full-name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        password = None
        if options["password_file"] is not None:
            password = options["password_file"].read_text(encoding="utf-8").splitlines()[0]
        try:
            with transaction.atomic():
                user, created = self._create(options, password)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{e['field']}: {e['message']}" for e in error_items(exc))
            ) from exc
        verb = "created" if created else "updated"
        self.stdout.write(
            f"{verb} {user.username}: {options['role']} over {options['scope'] or '*'}"
        )

    def _create(self, options: dict[str, Any], password: str | None) -> tuple[User, bool]:
        scope = resolve_scope(options["scope"])
        user, created = user_ensure(
            actor=SYSTEM,
            username=options["username"],
            password=password,
            full_name=options["full_name"],
        )
        role_grant(actor=SYSTEM, user=user, role=options["role"], scope=scope)
        return user, created
