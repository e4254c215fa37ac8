"""The parsed office file and shipped rules, kept between commands.

Every command reads aftercare.yaml and the default rules (aftercare/core/rules/default.yaml); parsing
both with YAML costs a small command a few milliseconds. Their parsed values are kept in
`.git/aftercare-cache/context.json` beside the exact text they were parsed from and the parser's stamp
(aftercare's version, the YAML modules' files): a command whose files are unchanged reads one small
JSON file instead. The file is plain data (tagged JSON, store/plain.py), inside the git directory where
no commit, pull or clone can put it, and disposable: anything unexpected is ignored and rewritten.
"""

from __future__ import annotations

import os
from pathlib import Path

from aftercare.store.plain import decode_value, encode_value

FORMAT = "1"
NAME = "context.json"


def _stamp() -> str:
    """The parser: a changed program or PyYAML never reads values another one parsed."""
    import importlib.util

    from aftercare import __version__
    from aftercare.store import yamlio

    parts = [FORMAT, __version__]
    spec = importlib.util.find_spec("yaml")
    for f in (yamlio.__file__, spec.origin if spec is not None else None):
        try:
            st = os.stat(f)
            parts.append(f"{st.st_mtime_ns}:{st.st_size}")
        except (OSError, TypeError):
            parts.append("none")
    return "|".join(parts)


def _path(git_dir: Path) -> Path:
    return Path(git_dir) / "aftercare-cache" / NAME


def load(git_dir: Path, config: bytes, rules: bytes) -> tuple | None:
    """(parsed office file, parsed default rules) when kept for exactly these bytes, else None."""
    try:
        doc = decode_value(_path(git_dir).read_text(encoding="utf-8"))
        if (isinstance(doc, dict) and doc.get("stamp") == _stamp() and doc.get("config") == config.decode("utf-8")
                and doc.get("rules") == rules.decode("utf-8") and isinstance(doc.get("parsed_config"), dict)
                and isinstance(doc.get("parsed_rules"), dict)):
            return doc["parsed_config"], doc["parsed_rules"]
    except (OSError, ValueError, TypeError, RecursionError):
        pass
    return None


def save(git_dir: Path, config: bytes, rules: bytes, parsed_config: dict, parsed_rules: dict) -> None:
    """Keep the parsed values (silently not, when they do not read back exactly or cannot be written)."""
    from aftercare.store.fsutil import atomic_write, ensure_dir

    try:
        doc = {"stamp": _stamp(), "config": config.decode("utf-8"), "rules": rules.decode("utf-8"),
               "parsed_config": parsed_config, "parsed_rules": parsed_rules}
        text = encode_value(doc)
        if text is None or decode_value(text) != doc:
            return
        path = _path(git_dir)
        ensure_dir(path.parent)
        atomic_write(path, text.encode("utf-8"), durable=False)
    except (OSError, ValueError, TypeError, RecursionError):
        pass
