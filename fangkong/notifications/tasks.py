from django.tasks import task

from fangkong.notifications.services import deliveries_run


@task
def deliver(dispatch_id: int) -> int:
    """Try the deliveries of one message now; return how many got through."""
    return deliveries_run(dispatch_id=dispatch_id)
