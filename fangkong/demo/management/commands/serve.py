import signal
import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from fangkong.institutions.models import Institution


class Command(BaseCommand):
    help = (
        "Migrate, load the demo into an empty local (DEBUG) database, and serve the web app "
        "and the worker."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if not Institution.objects.exists():
            self._first_run()
        manage = [sys.executable, "-m", "fangkong.cli"]
        worker = subprocess.Popen([*manage, "db_worker", "--no-reload"])  # noqa: S603
        # db_worker has no scheduler: this loop sends due reminders, escalations and early
        # warnings every minute; the Dispatch constraint makes a second loop harmless.
        reminders = subprocess.Popen([*manage, "reminders", "loop"])  # noqa: S603
        self.stdout.write(f"Fangkong on http://{options['addr']}/ (worker pid {worker.pid})")
        try:
            subprocess.call([*manage, "runserver", options["addr"], "--noreload"])  # noqa: S603
        finally:
            for process in (worker, reminders):
                process.send_signal(signal.SIGTERM)
            for process in (worker, reminders):
                process.wait(timeout=30)

    def _first_run(self) -> None:
        # The demo publishes its passwords: only ever on a developer's own (DEBUG) database.
        if settings.DEBUG:
            call_command("demo", stdout=self.stdout)
            return
        self.stdout.write(
            "The database is empty; no demo is loaded outside local settings (DEBUG).\n"
            "Create the first administrator with:\n"
            "  fangkong user create USERNAME --role admin --password-file FILE\n"
            "and load the region tree with `fangkong regions load`."
        )
