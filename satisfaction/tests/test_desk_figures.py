"""The sync desk's T2 card (``satisfaction.desk_figures``, on ``integrations.extensions.desk_figures``): the
Decision 766 index's figure as its snapshot stored it, the drill-down link for those who may open it, and
nothing computed when there is no snapshot. ``world`` is the sync desk tests' fixture (its dossiers, users, runs)."""

import pytest
from django.urls import reverse

from satisfaction import index766 as ix
from satisfaction.index_service import index_refresh
from satisfaction.models import IndexSnapshot

pytestmark = pytest.mark.django_db

DESK = "/dong-bo/"


def get(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response


def test_the_t2_figure_is_the_index_snapshots(world, client):
    month = ix.period_current("month")
    index_refresh(periods=[month.code])
    snapshot = IndexSnapshot.objects.get(agency=world.office["ward"], period=month.code)
    t2 = next(i for g in snapshot.data["groups"] for i in g["indicators"] if i["code"] == "T2")
    assert t2["denominator"] == 4  # the ward's dossiers received this month; only one fully synced
    response = get(client, world.admin, DESK)
    shown = response.context["t2"]["indicator"]
    assert (shown["numerator"], shown["denominator"], shown["rate"]) == (t2["numerator"], t2["denominator"], t2["rate"])
    page = response.content.decode()
    assert f'data-t2="{t2["numerator"]}/{t2["denominator"]}"' in page
    drilldown = (reverse("index766-drilldown")
                 + f"?agency={world.office['ward'].code}&amp;period={month.code}&amp;indicator=T2&amp;missing=1")
    assert drilldown in page
    # A clerk sees the figure, not the link: the drill-down is the leaders' and administrators' page.
    clerk_page = get(client, world.office["clerk"], DESK).content.decode()
    assert f'data-t2="{t2["numerator"]}/{t2["denominator"]}"' in clerk_page and "indicator=T2" not in clerk_page


def test_without_a_snapshot_the_card_says_so_and_computes_nothing(world, client):
    response = get(client, world.admin, DESK)
    assert response.context["t2"]["indicator"] is None
    assert 'id="t2"' in response.content.decode()
    assert not IndexSnapshot.objects.exists()
