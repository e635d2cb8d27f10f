"""The production server's worker set-up."""

from __future__ import annotations

import gc

from motcua.cli.management.commands.serve import settle_worker


def test_a_worker_freezes_what_it_loaded_before_its_first_request() -> None:
    gc.unfreeze()
    try:
        settle_worker(None)
        # Everything alive (Django, the apps, the views) is out of the collector's scans.
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
