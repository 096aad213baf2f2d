"""Outbox tasks: thin wrappers that take ids and call the outbox (safe to run twice: the lease and the
delivery's status decide whether there is anything to do)."""

from celery import shared_task

from . import outbox


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def deliver(delivery_id: int):
    """Deliver one delivery (and its dossier's next ones, in order). A failure is not a task retry: the
    delivery row keeps its own next attempt, queued with a countdown and by the sweeper."""
    return outbox.deliver(delivery_id=delivery_id)


@shared_task(soft_time_limit=120, time_limit=180)
def sweep():
    """Queue every delivery that is due (beat): what the broker lost, what waited for its backoff."""
    return outbox.outbox_sweep()


@shared_task(soft_time_limit=240, time_limit=300)
def national_pull():
    """Take the dossiers the national portal holds unacknowledged (beat): a lost push is picked up here."""
    from . import inbound

    return inbound.pull()


@shared_task(soft_time_limit=240, time_limit=300)
def catalog_sync():
    """Import the national catalog now (the sync desk's button); the run is recorded."""
    from . import inbound

    return inbound.catalog_sync().pk
