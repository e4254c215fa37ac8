"""The store layer: the only code that touches files and git."""

from aftercare.store.store import Store, Transaction, find_store, init_store

__all__ = ["Store", "Transaction", "find_store", "init_store"]
