"""The parsed office file and shipped rules kept between commands (store/confcache.py): kept for
exactly the bytes they came from, ignored when damaged, never written with the cache off."""

from __future__ import annotations

import json
from datetime import date

from aftercare.store import Store
from conftest import Cli

CONFIG_EXTRA = ("calendar:\n  2027:\n    holidays: [2027-01-01, 2027-01-02]\n    workdays: [2027-01-04]\n"
                "security_periods:\n  - {name: 春节, from: 2027-02-05, to: 2027-02-12}\n")


def _config(cli: Cli, office: str) -> None:
    (cli.root / "aftercare.yaml").write_text(
        f"office:\n  name: \"{office}\"\n  township: \"\"\n  county: \"\"\nstaff:\n  - name: \"李娟\"\n    role: \"专职社工\"\n"
        f"rules: []\n{CONFIG_EXTRA}", encoding="utf-8")


def _facts(store: Store) -> tuple:
    return (store.office["name"], [s["name"] for s in store.staff], store.security[0].start, store.security[0].end,
            store.calendar.is_workday(date(2027, 1, 1)), store.calendar.is_workday(date(2027, 1, 4)),
            store.rules.for_day(date(2027, 1, 1)).fingerprint)


def test_kept_values_are_those_of_the_file_and_follow_its_edits(cli):
    kept = cli.root / ".git" / "aftercare-cache" / "context.json"
    _config(cli, "甲镇办公室")
    first = _facts(Store(cli.root))               # parsed from YAML, then kept
    assert kept.exists()
    again = _facts(Store(cli.root))               # read back from the kept file
    plain = _facts(Store(cli.root, use_cache=False))
    # by hand from the file written above: 2027-01-01 a holiday, 2027-01-04 (a Monday) a working day
    assert first[:6] == ("甲镇办公室", ["李娟"], date(2027, 2, 5), date(2027, 2, 12), False, True)
    assert again == first == plain
    _config(cli, "乙镇办公室")                     # a hand edit: other bytes, parsed again
    assert _facts(Store(cli.root))[0] == "乙镇办公室"
    assert json.loads(kept.read_text(encoding="utf-8"))["parsed_config"]["office"]["name"] == "乙镇办公室"


def test_a_damaged_kept_file_is_ignored_and_rewritten(cli):
    kept = cli.root / ".git" / "aftercare-cache" / "context.json"
    _config(cli, "甲镇办公室")
    Store(cli.root)
    doc = json.loads(kept.read_text(encoding="utf-8"))
    doc["config"] = doc["config"].replace("甲镇", "丙镇")      # kept for other bytes: not these
    doc["parsed_config"]["office"]["name"] = "丙镇办公室"
    kept.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert Store(cli.root).office["name"] == "甲镇办公室"
    for junk in ("not json", "[]", '{"stamp": 1}', '{"$d": "x"}'):
        kept.write_text(junk, encoding="utf-8")
        assert Store(cli.root).office["name"] == "甲镇办公室", junk
    assert json.loads(kept.read_text(encoding="utf-8"))["parsed_config"]["office"]["name"] == "甲镇办公室"


def test_nothing_is_kept_with_the_cache_off(cli):
    kept = cli.root / ".git" / "aftercare-cache" / "context.json"
    kept.unlink(missing_ok=True)
    _config(cli, "甲镇办公室")
    assert Store(cli.root, use_cache=False).office["name"] == "甲镇办公室"
    res = cli("--no-cache", "staff", "list")
    assert res.exit_code == 0 and "李娟" in res.stdout
    assert not kept.exists()
