"""The event-file fast path reads exactly what libyaml reads, or declines."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from aftercare.store import yamlio
from aftercare.store.store import EVENT_HEADER

keys = st.sampled_from(["id", "type", "date", "note", "result", "days", "amount", "makeup", "by", "deadline", "x_y"])
values = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    st.text(st.sampled_from("张王李检测阴性 abc:#-'\"\\{}[]&*!|>%@`,?\n\t"), max_size=20),
    st.sampled_from(["no", "yes", "on", "off", "~", "null", "true", "052", "0x1F", "1e3", "21:00", "", " x ", "2026-05-14"]),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    st.integers(-10**6, 10**6),
    st.floats(min_value=0, max_value=1e8, allow_nan=False).map(lambda f: round(f, 2)),
    st.booleans(),
    st.none(),
)
records = st.lists(st.dictionaries(keys, values, min_size=1, max_size=6), max_size=6)


def libyaml(data: bytes):
    return yaml.load(data, Loader=yaml.CSafeLoader) or []


@settings(max_examples=300, deadline=None)
@given(recs=records)
def test_fast_path_equals_libyaml_on_written_files(recs):
    data = (EVENT_HEADER + "".join(yamlio.emit_item(r) for r in recs)).encode()
    fast = yamlio.fast_items(data)
    slow = libyaml(data)
    assert slow == recs
    if fast is not None:
        assert fast == slow


@settings(max_examples=300, deadline=None)
@given(recs=st.lists(st.dictionaries(keys, st.one_of(st.text("张王李检测阴性abc", max_size=8), st.integers(0, 99),
                                                     st.dates()), min_size=1, max_size=4), min_size=1, max_size=4),
       pos=st.integers(0, 10**6), junk=st.text(st.sampled_from("\"\\ :#-&*!|>\n\tab0\u0085\u2028\ufeff"), min_size=1,
                                               max_size=3))
def test_fast_path_declines_or_agrees_on_hand_edits(recs, pos, junk):
    text = "".join(yamlio.emit_item(r) for r in recs)
    assert yamlio.fast_items(text.encode()) is not None      # the canonical shape takes the fast path
    agrees_or_declines(yamlio.fast_items, text, pos, junk)


def agrees_or_declines(fast_path, text: str, pos: int, junk: str) -> None:
    """`junk` put into `text` at `pos`: the fast path declines, or reads what libyaml reads."""
    i = pos % (len(text) + 1)
    data = (text[:i] + junk + text[i:]).encode()
    fast = fast_path(data)
    if fast is None:
        return
    try:
        slow = libyaml(data)
    except (yaml.YAMLError, ValueError):
        pytest.fail(f"fast path accepted what libyaml refuses: {data!r}")
    assert fast == slow


def test_files_with_comments_and_blank_lines_take_the_fast_path():
    data = b'# note\n\n- id: "a"\n  date: 2026-05-01\n  amount: 320.5\n  makeup: true\n'
    assert yamlio.fast_items(data) == [{"id": "a", "date": date(2026, 5, 1), "amount": 320.5, "makeup": True}]


@pytest.mark.parametrize("data", [
    b'- id: a\n',                               # plain scalar
    b'- id: "a" # comment\n',                   # comment after a value
    b'- id: "a"\n  n: 052\n',                   # YAML 1.1 octal
    b'- id: "a"\n  d: 2026-02-30\n',            # not a date: libyaml reports it
    b'- id: "a"\n  id: "b"\n',                  # duplicate key
    b'- id: &x "a"\n',                          # anchor
    b'- {id: "a"}\n',                           # flow style
    b'- id: "\\ud83d\\ude00"\n',                # surrogate escapes
    '- id: "a\u0085b"\n'.encode(),             # NEL inside quotes (YAML folds it)
])
def test_fast_path_declines(data):
    assert yamlio.fast_items(data) is None


def test_floats_are_written_so_yaml_11_reads_them_back():
    for f in (1e-05, 0.01, 320.5, 1e7, 12345678.9):
        assert yaml.load(yamlio.scalar(f), Loader=yaml.CSafeLoader) == pytest.approx(f, rel=1e-6, abs=1e-6)


def test_lines_read_before_give_the_same_records_and_the_shape_is_still_checked():
    good = b'- id: "a"\n  type: "test"\n  date: 2026-05-01\n  result: "negative"\n'
    want = [{"id": "a", "type": "test", "date": date(2026, 5, 1), "result": "negative"}]
    assert yamlio.fast_items(good) == want
    assert yamlio.fast_items(good) == want                 # the same lines again (remembered)
    # every line below was read above: the file as a whole is still refused, as libyaml would have it
    assert yamlio.fast_items(b'- id: "b"\n  type: "test"\n  type: "test"\n') is None     # duplicate key
    assert yamlio.fast_items(b'  type: "test"\n- id: "c"\n') is None                     # a field before any record
    assert yamlio.fast_items(b'- id: "d"\n  result: "negative"\n  date: 2026-05-1\n') is None  # not the date shape


# ---------------------------------------------------------------- case files (mappings)

map_keys = st.sampled_from(["name", "id_number", "decision", "notified_on", "later_measures", "drug_types", "x_y",
                            "a1", "no", "on", "kind"])
# what emit_mapping writes: scalars, mappings, and lists of scalars or of mappings (not lists of lists)
nested = st.recursive(
    values,
    lambda inner: st.one_of(st.lists(values, max_size=3), st.dictionaries(map_keys, inner, max_size=4),
                            st.lists(st.dictionaries(map_keys, inner, min_size=1, max_size=3), max_size=3)),
    max_leaves=12)
mappings = st.dictionaries(map_keys, nested, min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(doc=mappings)
def test_mapping_fast_path_equals_libyaml_on_written_files(doc):
    data = ("# 个案基本信息\n" + yamlio.emit_mapping(doc)).encode()
    fast = yamlio.fast_mapping(data)
    slow = libyaml(data)
    if fast is not None:
        assert fast == slow
    if not {"no", "on"} & set(_all_keys(doc)):
        assert slow == doc and fast == doc        # the canonical shape takes the fast path


def _all_keys(v):
    if isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from _all_keys(x)
    elif isinstance(v, list):
        for x in v:
            yield from _all_keys(x)


@settings(max_examples=300, deadline=None)
@given(doc=st.dictionaries(st.sampled_from(["name", "decision", "measures", "kind"]), nested, min_size=1, max_size=4),
       pos=st.integers(0, 10**6), junk=st.text(st.sampled_from("\"\\ :#-&*!|>{}[]\n\tab0\u0085"), min_size=1, max_size=3))
def test_mapping_fast_path_declines_or_agrees_on_hand_edits(doc, pos, junk):
    agrees_or_declines(yamlio.fast_mapping, yamlio.emit_mapping(doc), pos, junk)


@pytest.mark.parametrize("data", [
    b'name: a\n',                               # plain scalar
    b'name: "a" # note\n',                      # comment after a value
    b'name: "a"\nname: "b"\n',                  # duplicate key
    b'decision:\n  number: "1"\n   no: "x"\n',  # odd indentation
    b'decision:\nname: "a"\n',                  # an empty value (YAML: null)
    b'on: "a"\n',                               # YAML 1.1 reads the key as true
    b'list:\n- "a"\n',                          # a list item at the key's own column
    b'name: {a: 1}\n',                          # flow style
    b'- "a"\n',                                 # not a mapping
])
def test_mapping_fast_path_declines(data):
    assert yamlio.fast_mapping(data) is None


def test_an_event_key_yaml_reads_as_a_boolean_is_left_to_libyaml():
    assert yamlio.fast_items(b'- id: "a"\n  on: "x"\n') is None


def test_files_the_program_wrote_are_read_without_pyyaml(tmp_path):
    """`record` and `show` of a case whose files the program wrote never load PyYAML (its import is
    ~10 ms of a small command); a hand-edited file (a comment after a value) loads it and reads the same."""
    import os
    import subprocess
    import sys

    from conftest import Cli, case_dir, git

    c = Cli(tmp_path / "store")
    c.ok("init", str(c.root), store=False)
    cid = c.add(1, reported_on="2026-03-05")
    code = ("import atexit, sys, runpy; sys.argv = ['aftercare'] + sys.argv[1:]\n"
            "atexit.register(lambda: sys.stderr.write('YAML=%s' % ('yaml' in sys.modules)))\n"
            "runpy.run_module('aftercare', run_name='__main__')\n")
    env = {**os.environ, "AFTERCARE_TODAY": "2026-05-20", "GIT_AUTHOR_NAME": "测试员", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "测试员", "GIT_COMMITTER_EMAIL": "t@example.invalid"}

    def run(*args):
        res = subprocess.run([sys.executable, "-c", code, *args, "--store", str(c.root)], capture_output=True,
                             text=True, env=env, timeout=60)
        assert res.returncode == 0, res.stderr
        return res.stdout, res.stderr.rsplit("YAML=", 1)[1]

    assert run("record", "visit", cid, "--date", "2026-05-19", "--kind", "phone")[1] == "False"
    shown, loaded = run("show", cid)
    assert loaded == "False" and "电话" in shown
    ev = next((case_dir(c.root, cid) / "events").glob("*.yaml"))
    ev.write_text(ev.read_text().replace('type: "visit"', 'type: "visit"   # 核对过'))
    git(c.root, "commit", "-qam", "hand edit")
    assert run("show", cid) == (shown, "True")
