"""Writes of the market coverage figures (CoverageSnapshot); the counting is in insights.py."""

import time
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from directory.opendata import insights
from directory.opendata.models import CoverageSnapshot
from directory.organisations.models import ClientGroup, DeliverySetting

# Figures nobody has asked for since the directory changed are dropped after this long (they
# are counted again if someone asks).
UNWANTED_FOR = timedelta(days=30)


def coverage_snapshot_count(
    *, client_group_ids: list[int], setting_ids: list[int], fingerprint: str | None = None
) -> CoverageSnapshot:
    """Count the figures for these filters now and keep them (`fingerprint`: the data's, when
    the caller read it just before)."""
    client_group_ids, setting_ids = sorted(client_group_ids), sorted(setting_ids)
    key = insights.filters_key(client_group_ids=client_group_ids, setting_ids=setting_ids)
    # The fingerprint first: a change made while counting makes these figures out of date.
    if fingerprint is None:
        fingerprint = insights.data_fingerprint()
    start = time.perf_counter()
    figures = insights.count_figures(client_group_ids=client_group_ids, setting_ids=setting_ids)
    values = {
        "client_group_ids": client_group_ids,
        "setting_ids": setting_ids,
        "figures": figures,
        "fingerprint": fingerprint,
        "counted_at": timezone.now(),
        "seconds": time.perf_counter() - start,
        "wanted": False,
    }
    # update_or_create copes with another process keeping the same figures at the same moment.
    snapshot, _ = CoverageSnapshot.objects.update_or_create(filters=key, defaults=values)
    return snapshot


def coverage_snapshot_want(*, snapshot: CoverageSnapshot) -> None:
    """Note that out-of-date figures were asked for, so that the timer counts them again."""
    if not snapshot.wanted:
        CoverageSnapshot.objects.filter(pk=snapshot.pk).update(wanted=True)


@dataclass
class Refresh:
    counted: int = 0
    current: int = 0
    # Out of date but nobody has asked for them since: counted again when someone does.
    left: int = 0
    dropped: int = 0


def coverage_snapshots_refresh() -> Refresh:
    """Count again the figures that are out of date and were asked for (and the unfiltered
    ones, always kept current); drop those long out of date that nobody asked for."""
    refresh = Refresh()
    fingerprint = insights.data_fingerprint()
    unfiltered = insights.filters_key(client_group_ids=[], setting_ids=[])
    known_groups = set(ClientGroup.objects.values_list("pk", flat=True))
    known_settings = set(DeliverySetting.objects.values_list("pk", flat=True))
    snapshots = list(CoverageSnapshot.objects.all())
    if unfiltered not in {s.filters for s in snapshots}:
        coverage_snapshot_count(client_group_ids=[], setting_ids=[])
        refresh.counted += 1
    for snapshot in snapshots:
        terms_gone = not (
            set(snapshot.client_group_ids) <= known_groups
            and set(snapshot.setting_ids) <= known_settings
        )
        if snapshot.fingerprint == fingerprint and not terms_gone:
            refresh.current += 1
        elif terms_gone or (
            not snapshot.wanted
            and snapshot.filters != unfiltered
            and snapshot.counted_at < timezone.now() - UNWANTED_FOR
        ):
            snapshot.delete()
            refresh.dropped += 1
        elif snapshot.wanted or snapshot.filters == unfiltered:
            coverage_snapshot_count(
                client_group_ids=snapshot.client_group_ids, setting_ids=snapshot.setting_ids
            )
            refresh.counted += 1
        else:
            refresh.left += 1
    return refresh
