"""The whole demo of the embedded default (``load_demo``): each app's own demo data, loaded in the order of
the layers (docs/architecture.md), then a year of history over all of them.

Each part is idempotent, so the whole is: running it twice changes nothing. Never run by production
settings; ``load_demo`` refuses to run there.
"""

from django.db import transaction

from accounts.demo import DEMO_PASSWORD, demo_accounts_load
from cases.demo import demo_dossiers_load
from digitization.demo import demo_store_load
from procedures.demo import procedures_demo_load
from satisfaction.demo import feedback_demo, ratings_demo

from .demo_history import history


@transaction.atomic
def demo_load() -> dict[str, int]:
    """Load everything the demo needs; returns counts of what was created this time."""
    agencies, counts = procedures_demo_load()
    counts["accounts"] = demo_accounts_load(agencies=agencies, password=DEMO_PASSWORD)
    counts["data store dossiers"] = demo_store_load()
    counts["dossiers"] = demo_dossiers_load()
    counts["ratings"] = ratings_demo()
    counts["feedback"] = feedback_demo()
    counts["history dossiers"] = history()  # a year of past dossiers for the 766 dashboard's trend
    return counts
