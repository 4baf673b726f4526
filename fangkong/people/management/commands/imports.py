from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from fangkong.people.imports.services import imports_expire, keep_hours


class Command(BaseCommand):
    help = (
        "Imports of files: `imports expire` removes the file of every import checked but not "
        "confirmed within FANGKONG_IMPORT_KEEP_HOURS (default 24) and marks it expired, ends "
        "the imports stuck as long in a check or a write (refused, nothing written), and removes "
        "the files no import keeps once an hour old (the reminders' loop does so every minute "
        "too)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("expire", help="expire the unconfirmed imports older than the limit")

    def handle(self, *args: Any, **options: Any) -> None:
        expired = imports_expire(now=timezone.now())
        self.stdout.write(f"imports expired: {expired} (kept {keep_hours()} hours after check)")
