"""aftercare export --redact: what goes out, and that nothing identifying does."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest

from conftest import git, person, staff

PHONE = "13912345678"
ADDRESS = "示范县云溪镇桃源村七组18号"
NOTE = "与母亲同住情绪稳定"
PLACE = "镇卫生院二楼"


@pytest.fixture
def store(cli):
    staff(cli, "王芳")
    a = cli.add(1, reported_on="2026-03-05", phone=PHONE, address=ADDRESS, worker="王芳")
    b = cli.add(2, measure="rehab", reported_on="2026-02-01", household="nonlocal", phone="13800001111",
                address="外省某市某区幸福路1号")
    cli.ok("record", "test", a, "--result", "negative", "--method", "urine", "--date", "2026-03-10", "--place", PLACE,
           "--by", "李警官")
    cli.ok("record", "visit", a, "--kind", "home", "--date", "2026-03-12", "--note", NOTE, "--met", "母亲张某")
    cli.ok("record", "support", a, "--kind", "assistance", "--amount", "500", "--date", "2026-03-15", "--note", NOTE)
    cli.ok("record", "violation", b, "--kind", "absence", "--days", "4", "--date", "2026-03-20", "--note", NOTE)
    cli.ok("record", "evaluation", b, "--date", "2026-02-20", "--risk", "medium", "--result", "情绪波动需关注")
    cli.ok("suspend", b, "--reason", "detention", "--date", "2026-04-01", "--note", NOTE)
    return cli, a, b


def read_csv(path) -> list:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def forbidden(cli) -> list:
    out = [PHONE, ADDRESS, NOTE, PLACE, "13800001111", "外省某市某区幸福路1号", "王芳", "李警官", "母亲张某", "情绪波动需关注"]
    for seed in (1, 2):
        name, idn = person(seed)
        out += [name, idn, idn[:6] + idn[6:14]]
    return out


def test_csv_export_holds_codes_and_dates_only(store, tmp_path):
    cli, a, b = store
    out = tmp_path / "research"
    before = cli.commits()
    res = cli.ok("export", "--redact", str(out))
    assert "已导出 2 人" in res.stdout
    assert cli.commits() == before and git(cli.root, "status", "--porcelain") == ""      # the key is not in git
    persons = read_csv(out / "persons.csv")
    measures = read_csv(out / "measures.csv")
    events = read_csv(out / "events.csv")
    assert len(persons) == 2 and len(measures) == 2
    by_birth = {p["household"]: p for p in persons}
    assert by_birth["local"]["birth_year"] == "1990" and by_birth["local"]["sex"] == "M"
    assert by_birth["nonlocal"]["state"] == "suspended"
    pid_a = by_birth["local"]["person"]
    mine = [e for e in events if e["person"] == pid_a]
    assert [(e["type"], e["date"]) for e in mine] == [("report-in", "2026-03-05"), ("test", "2026-03-10"),
                                                      ("visit", "2026-03-12"), ("support", "2026-03-15")]
    test = mine[1]
    assert (test["result"], test["method"], test["makeup"], test["delegated"]) == ("negative", "urine", "", "0")
    assert mine[2]["kind"] == "home" and mine[3]["amount"] == "500.0"
    theirs = [e for e in events if e["person"] != pid_a]
    assert {(e["type"], e["kind"], e["days"], e["risk"], e["reason"]) for e in theirs} >= {
        ("violation", "absence", "4", "", ""), ("evaluation", "", "", "medium", ""), ("suspend", "", "", "", "detention")}
    # no name, ID number, phone, address, note, place or worker in any byte
    blob = b"".join(p.read_bytes() for p in out.iterdir())
    for s in forbidden(cli):
        assert s.encode() not in blob, s


def test_pseudonyms_are_stable_and_keyed(store, tmp_path):
    cli, a, b = store
    cli.ok("export", "--redact", str(tmp_path / "one"))
    cli.ok("export", "--redact", str(tmp_path / "two"))
    one = [p["person"] for p in read_csv(tmp_path / "one" / "persons.csv")]
    two = [p["person"] for p in read_csv(tmp_path / "two" / "persons.csv")]
    assert one == two and len(set(one)) == 2
    hashes = set()
    for seed in (1, 2):
        idn = person(seed)[1]
        for h in (hashlib.sha256, hashlib.sha1, hashlib.md5):
            hashes.add(h(idn.encode()).hexdigest())
    assert not any(p[1:] in h for p in one for h in hashes)
    key = cli.root / ".git" / "aftercare-export.key"
    assert key.is_file() and oct(key.stat().st_mode & 0o777) == "0o600"


def test_parquet_export(store, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    cli, a, b = store
    out = tmp_path / "pq"
    cli.ok("export", "--redact", str(out), "--format", "parquet")
    table = pq.read_table(out / "events.parquet")
    assert table.num_rows == 8            # A: report-in, test, visit, support; B: report-in, violation, evaluation, suspend
    # compressed columns could hide a string from a byte search: read every value back
    text = " ".join(str(v) for name in ("persons", "measures", "events")
                    for row in pq.read_table(out / f"{name}.parquet").to_pylist() for v in row.values())
    blob = b"".join(p.read_bytes() for p in out.iterdir())
    for s in forbidden(cli):
        assert s not in text and s.encode() not in blob, s


def test_export_refuses_bad_input(store, tmp_path):
    cli, a, b = store
    res = cli("export", "--redact", str(tmp_path / "x"), "--format", "xml")
    assert res.exit_code == 1 and "csv 或 parquet" in res.stderr
    (tmp_path / "file").write_text("")
    res = cli("export", "--redact", str(tmp_path / "file"))
    assert res.exit_code == 1 and "不是目录" in res.stderr


def test_export_refuses_empty_target_and_date(store, tmp_path, monkeypatch):
    cli, a, b = store
    monkeypatch.chdir(cli.root)          # an empty --redact must not write into the current folder (the store)
    before = sorted(p.name for p in cli.root.iterdir())
    res = cli("export", "--redact", "")
    assert res.exit_code == 1 and res.stderr.startswith("错误：") and "--redact" in res.stderr
    res = cli("export", "--redact", str(tmp_path / "x"), "--on", "")
    assert res.exit_code == 1 and res.stderr.startswith("错误：") and "无法识别" in res.stderr
    assert sorted(p.name for p in cli.root.iterdir()) == before and not (tmp_path / "x").exists()
