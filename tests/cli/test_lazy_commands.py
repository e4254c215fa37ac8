"""`main` imports only the command modules a command needs: the map must name every module that
registers a part of each top-level command, and a command run through it must still work whole."""

from __future__ import annotations

import subprocess
import sys

import typer

import aftercare.cli as cli


def _modules_of(t: typer.Typer) -> set:
    mods = {c.callback.__module__ for c in t.registered_commands}
    for g in t.registered_groups:
        mods |= _modules_of(g.typer_instance)
    return mods


def _short(mods: set) -> set:
    return {m.rsplit(".", 1)[1] for m in mods}


def test_the_map_names_every_module_of_each_command():
    app = cli.full_app()
    seen = set()
    for c in app.registered_commands:
        name = c.name or c.callback.__name__
        seen.add(name)
        assert _short({c.callback.__module__}) <= set(cli.COMMAND_MODULES[name]), name
    for g in app.registered_groups:
        seen.add(g.name)
        assert _short(_modules_of(g.typer_instance)) <= set(cli.COMMAND_MODULES[g.name]), g.name
    # every mapped name is a real command (no stale entry)
    assert seen == set(cli.COMMAND_MODULES)
    # a sub-command mapped on its own: its module is named, and the name is one of the group's commands
    groups = {g.name: g.typer_instance for g in app.registered_groups}
    for group, subs in cli.SUB_MODULES.items():
        commands = {c.name: c for c in groups[group].registered_commands}
        for sub, modules in subs.items():
            assert sub in commands, (group, sub)
            assert _short({commands[sub].callback.__module__}) <= set(modules) <= set(cli.COMMAND_MODULES[group])


def test_the_command_word_is_found_after_root_options():
    assert cli.modules_for(["due"]) == ("agenda_cmd",)
    assert cli.modules_for(["--store", "due", "show", "X"]) == ("cases",)     # "due" is --store's value here
    assert cli.modules_for(["--debug", "--no-cache", "record", "followup"]) == ("records", "pathway")
    assert cli.modules_for(["--store=x", "case", "start"]) == ("cases", "pathway")
    # a sub-command that one module registers: that module only (record's are in records.py)
    assert cli.modules_for(["--debug", "--no-cache", "record", "test"]) == ("records",)
    assert cli.modules_for(["--store=x", "case", "list"]) == ("cases",)
    for argv in (["record"], ["record", "--help"], ["record", "vist"], ["case", "-h", "add"]):
        assert cli.modules_for(argv) == cli.COMMAND_MODULES[argv[0]], argv
    for argv in ([], ["--help"], ["-h"], ["duee"], ["--version"]):
        assert cli.modules_for(argv) == cli.ALL_MODULES, argv


def _run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "aftercare", *args], capture_output=True, text=True, env=env)


def test_a_small_command_loads_only_its_module(tmp_path):
    code = ("import sys; sys.argv = ['aftercare', 'due', '--help']; import aftercare.cli as c; "
            "c.load(c.modules_for(sys.argv[1:])); "
            "print(sorted(m for m in sys.modules if m.startswith('aftercare.cli.') and m.rsplit('.', 1)[1] in c.ALL_MODULES))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['aftercare.cli.agenda_cmd']"


def test_help_and_a_mistyped_command_still_see_every_command():
    r = _run("--help")
    assert r.returncode == 0
    for name in ("due", "record", "render", "stats", "sync", "transfer", "staff"):
        assert name in r.stdout
    r = _run("recrd", "test")
    assert r.returncode == 2
    assert "record" in r.stderr          # the suggestion comes from the whole command list
    r = _run("record", "vist", "2026-0001")
    assert r.returncode == 2
    assert "visit" in r.stderr


def _names(t: typer.Typer) -> list:
    return sorted([c.name for c in t.registered_commands] + [g.name for g in t.registered_groups])


def test_a_command_registers_only_itself_and_a_word_that_names_nothing_keeps_all(monkeypatch):
    app = cli.full_app()
    everything = _names(app)
    record = next(g for g in app.registered_groups if g.name == "record").typer_instance
    record_all = _names(record)
    monkeypatch.setattr(app, "registered_commands", list(app.registered_commands))
    monkeypatch.setattr(app, "registered_groups", list(app.registered_groups))
    monkeypatch.setattr(record, "registered_commands", list(record.registered_commands))
    for words in ([], ["recrd", "test"], ["--help"]):
        cli.keep_only(app, words)
        assert _names(app) == everything, words
    cli.keep_only(app, ["record", "vist", "2026-0001"])       # the group kept alone, its sub-commands all
    assert _names(app) == ["record"] and _names(record) == record_all and len(record_all) > 10
    cli.keep_only(app, ["record", "test", "2026-0001", "--result", "negative"])
    assert _names(app) == ["record"] and _names(record) == ["test"]
    assert cli._command_words(["--store", "show", "--debug", "show", "X"]) == ["show", "X"]


def test_a_group_s_help_still_lists_every_sub_command():
    r = _run("record", "--help")
    assert r.returncode == 0
    for name in ("report-in", "test", "visit", "report", "education", "violation"):
        assert name in r.stdout
    r = _run("record", "test", "--help")
    assert r.returncode == 0 and "--result" in r.stdout
