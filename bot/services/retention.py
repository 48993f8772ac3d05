"""Delivered outbox messages are kept only for a while: they hold what members said (digests of answers,
announced offers, pairing DMs), and once delivered they are needed for nothing but threads and a look
back when something went wrong."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.ports.storage import Store, UnitOfWork

log = logging.getLogger(__name__)
BATCH = 500  # rows a transaction deletes: a short write lock, so commands never wait long behind it
MAX_BATCHES = 200  # per run; a backlog beyond 100,000 rows goes on at the next run


async def prune_outbox(uow: UnitOfWork, now: datetime, days: int, *, batch: int = BATCH,
                       max_batches: int = MAX_BATCHES) -> int:
    """Delete messages delivered (or given up on) more than `days` days before `now`, in batches of
    one transaction each. Returns how many were deleted."""
    before, total = now - timedelta(days=days), 0

    async def one_batch(store: Store) -> int:
        return await store.outbox.prune(before, batch)

    for _ in range(max_batches):
        deleted = await uow.run(one_batch)
        total += deleted
        if deleted < batch:
            break
    else:
        log.info("outbox prune stopped after %d rows; the rest goes at the next run", total)
    if total:
        log.info("pruned %d delivered outbox messages older than %d days", total, days)
    return total
