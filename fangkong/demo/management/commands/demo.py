from typing import Any

from django.core.management.base import BaseCommand

from fangkong.demo.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the Alxa League demo: regions, six institutions and a user for each role."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = load_demo()
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.username:<40} {login.role:<9} {login.scope or '*'}")
