"""The interfaces the core needs from the outside world, and the one it offers.

- storage: every repository, the Store of one transaction, the UnitOfWork (bot/storage implements them);
- clock: real or simulated time;
- messaging: the outbox's message and the Messenger each platform provides;
(The inbound port, CoreApi, is bot/api.py: it names the command registry, which sits above these.)
"""

from bot.ports.clock import Clock
from bot.ports.messaging import DeliveryError, Messenger, OutboxMessage, Sent, Thread
from bot.ports.storage import Listener, Store, UnitOfWork

__all__ = ["Clock", "DeliveryError", "Listener", "Messenger", "OutboxMessage", "Sent", "Store", "Thread",
           "UnitOfWork"]
