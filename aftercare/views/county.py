"""A county's view: several stores (each a clone of one office's remote), read only.

Each store is named by its office (aftercare.yaml `office.name`; the folder name is added when two
offices share a name). A person registered in two stores (the same ID number, e.g. mid-transfer) is
counted once: in the store where the person is not closed (transferred out), else in the one with
the most records, else in the first store given; the other registrations are listed as duplicates.
"""

from __future__ import annotations

from datetime import date

from aftercare.core.errors import DataError


def open_stores(paths: list, use_cache: bool = True) -> list:
    """Open every store given (each must be a store); returns [(label, Store)]."""
    from aftercare.store import Store, find_store

    stores = [Store(find_store(p), use_cache=use_cache) for p in paths]
    return list(zip(store_labels(stores), stores))


def store_labels(stores: list) -> list:
    names = [str((s.office or {}).get("name") or s.root.name) for s in stores]
    out = []
    for s, n in zip(stores, names):
        out.append(f"{n}（{s.root.name}）" if names.count(n) > 1 else n)
    return out


def load_county(labelled: list, d2: date):
    """PersonFacts of every store as of d2, each person once: (facts, duplicates)."""
    from aftercare.views.stats_facts import load_facts

    facts, problems = [], []
    for label, store in labelled:
        fs, probs = load_facts(store, label, d2)
        facts.extend(fs)
        problems.extend(probs)
    if problems:
        raise DataError(problems)
    return dedupe(facts, [label for label, _ in labelled])


def dedupe(facts: list, order: list) -> tuple[list, list]:
    """Keep one PersonFacts per ID number; returns (kept, duplicates)."""
    rank = {label: i for i, label in enumerate(order)}
    by_id: dict = {}
    for pf in facts:
        by_id.setdefault(pf.id_number, []).append(pf)
    kept, dups = [], []
    for pfs in by_id.values():
        if len(pfs) == 1:
            kept.append(pfs[0])
            continue
        pfs.sort(key=lambda p: (p.state == "closed", -(len(p.events) + len(p.windows)), rank.get(p.store, 0), p.cid))
        main, rest = pfs[0], pfs[1:]
        main.also = [(p.store, p.cid) for p in rest]
        kept.append(main)
        dups.append({"store": main.store, "case": main.cid, "name": main.name, "also": main.also})
    kept.sort(key=lambda p: (rank.get(p.store, 0), p.cid))
    dups.sort(key=lambda d: (rank.get(d["store"], 0), d["case"]))
    return kept, dups
