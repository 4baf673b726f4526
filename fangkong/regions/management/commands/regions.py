from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from fangkong.regions.loading import load_official


class Command(BaseCommand):
    help = "Manage the region tree: `regions load` loads China's division list (GB/T 2260)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load", help="load or refresh the county-level list and non-standard units")

    def handle(self, *args: Any, **options: Any) -> None:
        created, renamed = load_official()
        self.stdout.write(f"regions: {created} created, {renamed} renamed")
