"""Values of parsed YAML files as JSON: plain data only, for the caches (never executable, never trusted
beyond its shape). YAML gives str, int, float, bool, None, date, datetime, list, dict (any key type).
JSON keeps the first five; dates and dicts that JSON cannot hold exactly are tagged. Anything else
(bytes, sets) is not encoded (None)."""

from __future__ import annotations

import json
from datetime import date, datetime


class _Unsupported(Exception):
    pass


def _enc(v):
    if v is None or isinstance(v, (str, bool, int, float)):
        return v
    if isinstance(v, datetime):
        return {"$t": v.isoformat()}
    if isinstance(v, date):
        return {"$d": v.isoformat()}
    if isinstance(v, list):
        return [_enc(x) for x in v]
    if isinstance(v, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in v):
            return {k: _enc(x) for k, x in v.items()}
        return {"$m": [[_enc(k), _enc(x)] for k, x in v.items()]}
    raise _Unsupported(type(v).__name__)


def _hook(obj: dict):
    if len(obj) == 1:
        if "$d" in obj:
            return date.fromisoformat(obj["$d"])
        if "$t" in obj:
            return datetime.fromisoformat(obj["$t"])
        if "$m" in obj:
            return {_hashable(k): v for k, v in obj["$m"]}
    if any(k.startswith("$") for k in obj):
        raise ValueError("unexpected tag")
    return obj


def _hashable(k):
    if isinstance(k, (list, dict)):
        raise ValueError("unhashable key")
    return k


def encode_value(v) -> str | None:
    try:
        return json.dumps(_enc(v), ensure_ascii=False, separators=(",", ":"))
    except (_Unsupported, ValueError, RecursionError):
        return None


def decode_value(text: str):
    return json.loads(text, object_hook=_hook)
