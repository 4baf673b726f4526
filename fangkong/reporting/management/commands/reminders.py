import datetime
import logging
import signal
import threading
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils import timezone

from fangkong.notifications.services import deliveries_run
from fangkong.people.imports.services import imports_expire
from fangkong.reporting.idempotency import forget_expired
from fangkong.reporting.reminders import DueRun, run_due

log = logging.getLogger(__name__)


def moment(value: str) -> datetime.datetime:
    """An ISO 8601 date and time; without an offset, in the site's time zone."""
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError as exc:
        raise ArgumentTypeError(f"not an ISO 8601 date and time: {value!r}") from exc
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def positive(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ArgumentTypeError("must be at least 1")
    return number


def seconds(value: str) -> float:
    number = float(value)
    if not 0 <= number < 24 * 3600:
        raise ArgumentTypeError("must be between 0 and a day")
    return number


class Command(BaseCommand):
    help = (
        "Reminders before the daily deadline, escalations after it and early-warning signals: "
        "`reminders run` sends what is due once (for cron); `reminders loop` does so every "
        "minute (beside the worker). Both also expire the imports left unconfirmed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="send what is due now, or at --at, and exit")
        run.add_argument("--at", type=moment, default=None, help="ISO date and time to act at")
        loop = sub.add_parser("loop", help="send what is due every --interval seconds")
        loop.add_argument("--interval", type=seconds, default=60.0)
        loop.add_argument("--max-runs", type=positive, default=None, help="stop after N runs")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _run(self, options: dict[str, Any]) -> None:
        self._report(run_due(now=options["at"] or timezone.now()))
        deliveries_run()
        imports_expire(now=timezone.now())

    def _loop(self, options: dict[str, Any]) -> None:
        stop = threading.Event()
        previous = {sig: signal.signal(sig, lambda *_: stop.set())
                    for sig in (signal.SIGINT, signal.SIGTERM)}  # fmt: skip
        try:
            runs = 0
            while not stop.is_set():
                self._tick()
                runs += 1
                if options["max_runs"] is not None and runs >= options["max_runs"]:
                    break
                stop.wait(options["interval"])
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _tick(self) -> None:
        # A loop that lives for weeks must drop connections the database has closed.
        if not connection.in_atomic_block:
            close_old_connections()
        try:
            now = timezone.now()
            result = run_due(now=now)
            # Deliveries that failed are tried again here, once their delay has passed.
            deliveries_run(now=now)
            forget_expired(now=now)
            # Files checked for import but never confirmed are not kept past their hours.
            imports_expire(now=now)
        except Exception:
            # The next tick tries again: whatever was claimed is not sent twice.
            log.exception("reminders: the run failed")
            return
        if (result.reminders or result.escalations or result.signals or result.liaison_gaps
                or result.rectifications or result.follow_ups):  # fmt: skip
            self._report(result)

    def _report(self, result: DueRun) -> None:
        self.stdout.write(
            f"reminders: {result.reminders} sent; escalations: {result.escalations} sent; "
            f"signals: {result.signals} sent; liaison gaps: {result.liaison_gaps} sent"
        )
        if result.rectifications:
            self.stdout.write(f"overdue rectifications: {result.rectifications} sent")
        if result.follow_ups:
            self.stdout.write(f"overdue follow-ups: {result.follow_ups} sent")
