"""The interfaces the core needs from the outside world, and the one it offers.

- storage: every repository, the Store of one transaction, the UnitOfWork (bot/storage implements them);
- clock: real or simulated time;
- messaging: the outbox's message and the Messenger each platform provides;
- inbound: CoreApi, what an adapter may ask of the core.
"""

from bot.ports.clock import Clock
from bot.ports.inbound import CoreApi
from bot.ports.messaging import DeliveryError, Messenger, OutboxMessage, Thread
from bot.ports.storage import Listener, Store, UnitOfWork

__all__ = ["Clock", "CoreApi", "DeliveryError", "Listener", "Messenger", "OutboxMessage", "Store", "Thread",
           "UnitOfWork"]
