from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fangkong.accounts.models import Role, RoleGrant, User
from fangkong.accounts.services import resolve_scope, role_grant, role_revoke, user_ensure
from fangkong.core.errors import error_items
from fangkong.core.scoping import SYSTEM
from fangkong.institutions.models import Institution
from fangkong.regions.models import Region


class Command(BaseCommand):
    help = (
        "Create users and grant roles: `user create USERNAME --role ROLE [--scope CODE]`; "
        "take a role back: `user revoke USERNAME --role ROLE [--scope CODE]`."
    )

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
        revoke = sub.add_parser("revoke", help="take back a role the user holds over a scope")
        revoke.add_argument("username")
        revoke.add_argument("--role", required=True, choices=Role.values)
        revoke.add_argument("--scope", help="a region or institution code; none: everything")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with transaction.atomic():
                getattr(self, f"_{options['action']}")(options)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{e['field']}: {e['message']}" for e in error_items(exc))
            ) from exc

    def _create(self, options: dict[str, Any]) -> None:
        password = None
        if options["password_file"] is not None:
            password = options["password_file"].read_text(encoding="utf-8").splitlines()[0]
        scope = resolve_scope(options["scope"])
        user, created = user_ensure(
            actor=SYSTEM,
            username=options["username"],
            password=password,
            full_name=options["full_name"],
        )
        role_grant(actor=SYSTEM, user=user, role=options["role"], scope=scope)
        verb = "created" if created else "updated"
        self.stdout.write(
            f"{verb} {user.username}: {options['role']} over {options['scope'] or '*'}"
        )

    def _revoke(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']!r}")
        grant = _grant(user, options["role"], resolve_scope(options["scope"]))
        if grant is None:
            raise CommandError(
                f"{user.username} holds no {options['role']} role over {options['scope'] or '*'}"
            )
        role_revoke(actor=SYSTEM, grant=grant)
        self.stdout.write(
            f"revoked {user.username}: {options['role']} over {options['scope'] or '*'}"
        )


def _grant(user: User, role: str, scope: Region | Institution | None) -> RoleGrant | None:
    region = scope if isinstance(scope, Region) else None
    institution = scope if isinstance(scope, Institution) else None
    return user.grants.filter(role=role, region=region, institution=institution).first()
