from django.tasks import task

from fangkong.people.imports import services


@task
def check_import(import_id: int) -> None:
    """Check an uploaded file (the dry run): its problems, its rows to add."""
    with services.stopped_on_failure(import_id):
        services.import_check(import_id)


@task
def write_import(import_id: int) -> None:
    """Write a checked file, all or nothing."""
    with services.stopped_on_failure(import_id):
        services.import_write(import_id)
