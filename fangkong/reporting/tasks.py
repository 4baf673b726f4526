from dataclasses import asdict

from django.tasks import task
from django.utils import timezone

from fangkong.reporting.reminders import run_due


@task
def run_reminders() -> dict[str, int]:
    """Send the reminders, escalations and early warnings due now; never anything twice."""
    return asdict(run_due(now=timezone.now()))
