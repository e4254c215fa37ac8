"""The audit trail (`log`): who recorded what and when, from git."""

from __future__ import annotations

from aftercare.store import Store


def audit_log(store: Store, cid: str | None, limit: int = 200) -> list:
    """Rows of the audit trail. Commits that arrived with a transfer import are shown as imported:
    their author followed by （转自 office）, the office named by the import's merge commit."""
    from aftercare.actions.transfer import IMPORTED_FROM

    args = ["log", f"-n{max(1, limit)}", "--date=format:%Y-%m-%d %H:%M", "--format=%H%x1f%P%x1f%ad%x1f%an%x1f%s%x1f%b%x1e"]
    if cid:
        store.require_case(cid)
        from aftercare.store.layout import history_paths

        top = store.git.prefix()
        args += ["--", *(top + p for p in history_paths(cid))]
    else:
        args += ["--", "."]
    out = store.git.run(*args, what="git log")
    rows, imported = [], {}
    for rec in out.split("\x1e"):
        parts = rec.strip("\n").split("\x1f")
        if len(parts) != 6:
            continue
        commit, parents, when, author, subject, body = parts
        office = next((ln.split(":", 1)[1].strip() for ln in body.splitlines() if ln.startswith(IMPORTED_FROM + ":")), None)
        if office and len(parents.split()) == 2:
            first, second = parents.split()
            for c in store.git.run("rev-list", second, "--not", first, what="git log").split():
                imported.setdefault(c, office)
        if commit in imported:
            author = f"{author}（转自{imported[commit]}）"
        rows.append({"when": when, "author": author, "subject": subject})
    return rows
