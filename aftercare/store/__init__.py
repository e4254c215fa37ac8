"""The store layer: the only code that touches files and git.

`Store` and its companions load on first use (PEP 562), so that a light module of this package
(`stamps`, `cache`) can be imported without the YAML parser and the model.
"""

__all__ = ["Store", "Transaction", "find_store", "init_store"]


def __getattr__(name: str):
    if name in __all__:
        from aftercare.store import store

        return getattr(store, name)
    raise AttributeError(f"module 'aftercare.store' has no attribute {name!r}")
