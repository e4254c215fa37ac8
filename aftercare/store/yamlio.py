"""YAML reading (fast, safe, bounded) and writing (one emitter whose output every loader agrees on).

Read path: PyYAML's libyaml-backed CSafeLoader. A file larger than MAX_BYTES is refused before it
is parsed, and a file that uses aliases (the "billion laughs" bomb) is refused: the store never
writes aliases, so none is legitimate.

Write path: `emit_*` write every string double-quoted (JSON escaping, which is valid YAML), dates
as bare ISO dates, integers and booleans bare. So YAML 1.1 (PyYAML) and YAML 1.2 (ruamel) read
back exactly what was written: `no`, `21:00`, `052` stay strings.

PyYAML is imported at the first file that the fast paths below do not read (and its loader class
made then): files the program wrote never need it, and its import (~10 ms, most of it compiling its
reader's pattern of printable characters) would be most of a small command's reading.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any, Iterable, Mapping

from aftercare.core.model import Problem

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64          # nesting levels; the store writes at most 4 (libyaml's composer recurses: deep input crashes it)
# patterns of the libyaml path only: compiled (and kept by `re`) when a file first goes that way
_ALIAS_HINT = rb"(?:^|[\s\[\{,:?-])[*&][^\s\]\},]"
# nesting that a few bytes can make deep: flow brackets, and compact "- - - " / "? ? ? " on one line
# (nesting by indentation costs n²/2 bytes: MAX_BYTES bounds it to ~2,000 levels, which libyaml survives)
_COMPACT_HINT = rb"(?:[-?][ \t]+){16}"

_LIBYAML: list = []     # [(yaml module, loader class, duplicate-key error class)] once made


def _libyaml() -> tuple:
    """(PyYAML, the loader, its duplicate-key error), made at the first call."""
    if not _LIBYAML:
        import yaml

        class _DuplicateKey(yaml.MarkedYAMLError):
            pass

        class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            """The safe C loader, refusing a mapping that names a key twice (YAML would keep the last silently)."""

            def construct_mapping(self, node, deep=False):
                mapping = super().construct_mapping(node, deep=deep)
                if isinstance(node, yaml.MappingNode) and len(mapping) != len(node.value):
                    seen = set()
                    for key_node, _ in node.value:
                        key = self.construct_object(key_node, deep=True)
                        if key in seen:
                            raise _DuplicateKey(None, None, f"{key}", key_node.start_mark)
                        seen.add(key)
                return mapping

        _LIBYAML.append((yaml, _Loader, _DuplicateKey))
    return _LIBYAML[0]


class YamlProblem(Exception):
    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def parse(data: bytes, path: str) -> Any:
    """Parse YAML bytes; raise YamlProblem(path:line) for anything unsafe or malformed."""
    if len(data) > MAX_BYTES:
        raise YamlProblem(Problem(path, 1, "too-large", f"文件过大（{len(data) // 1024} KB，上限 {MAX_BYTES // 1024} KB），拒绝读取",
                                  "检查该文件是否被误写入大量内容"))
    yaml, loader, duplicate_key = _libyaml()
    try:
        _check_shape(data, path)
        return yaml.load(data, Loader=loader)
    except yaml.reader.ReaderError as exc:
        raise _reader_problem(exc, data, path) from None
    except duplicate_key as exc:
        raise YamlProblem(Problem(path, exc.problem_mark.line + 1, "duplicate-key", f"键“{exc.problem}”出现了两次（后一个会悄悄覆盖前一个）",
                                  "删去多余的一行，或用 git log -p 查看它的来历")) from None
    except yaml.MarkedYAMLError as exc:
        raise _syntax_problem(exc, path) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(Problem(path, 1, "yaml-syntax", f"YAML 格式错误：{yaml_words(str(exc))}", "修正该文件")) from None
    except (ValueError, TypeError, OverflowError) as exc:
        # a value YAML recognises but Python cannot build, e.g. the date 2026-04-31
        line, value = _bad_scalar(data)
        what = f"“{value}”不是有效的值" if value else f"无法读取的值（{exc}）"
        raise YamlProblem(Problem(path, line, "bad-value", what, "修正该值（日期写作 YYYY-MM-DD）")) from None


def _bad_scalar(data: bytes) -> tuple[int, str]:
    root = _compose(data)
    if root is None:
        return 1, ""
    yaml = _libyaml()[0]
    stack = [root]
    loader = yaml.SafeLoader("")
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            try:
                loader.construct_object(node, deep=True)
            except Exception:  # noqa: BLE001
                return node.start_mark.line + 1, str(node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            for k, v in reversed(node.value):
                stack.extend([v, k])
    return 1, ""


# ---------------------------------------------------------------- the fast path for event files
#
# PyYAML's C parser still builds every value in Python; for a county's register that is most of
# the cold read. Event files written by `emit_item` have a canonical shape: one `- key: value` or
# `  key: value` per line, values double-quoted (JSON escaping), ISO dates, integers, decimals,
# true/false/null. `fast_items` reads exactly that shape and returns None for anything else (a hand
# edit, a comment after a value, a plain string, an alias …), which then goes through libyaml.
# A property test checks that both give identical results.

_FAST_LINE = re.compile(r"(- |  )([a-z_]+): (.*)\Z")
_FAST_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_FAST_INT = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_FAST_FLOAT = re.compile(r"-?[0-9]+\.[0-9]+\Z")
# characters on which YAML and JSON could read a double-quoted string differently
_FAST_UNSURE = re.compile("[^\x09\x0a\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
                          "|\\\\u[dD][89a-fA-F]")
_FAIL = object()


def _fast_scalar(raw: str):
    if raw.startswith('"'):
        # most values: no escape, no inner quote: the text between the quotes is the value
        if len(raw) > 1 and raw[-1] == '"' and "\\" not in raw and raw.count('"') == 2:
            return raw[1:-1]
        try:
            value = json.loads(raw)
        except ValueError:
            return _FAIL
        return value if isinstance(value, str) else _FAIL
    if raw == "true":
        return True
    if raw == "false":
        return False
    if raw == "null":
        return None
    if _FAST_DATE.match(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            return _FAIL
    if _FAST_INT.match(raw):
        return int(raw)
    if _FAST_FLOAT.match(raw):
        return float(raw)
    return _FAIL


# line -> (starts a record, key, value), or () for a blank or comment line: most lines of a register
# repeat ("  type: \"test\"", "  result: \"negative\"", a date, a worker's name), so each distinct line is
# matched and converted once per process. The values are immutable (str, date, int, float, bool, None).
# Lines that open a record ("- id: …") are unique and not kept; the memo is emptied when it grows large.
_LINE_MEMO: dict = {}
_LINE_MEMO_MAX = 200_000
_SKIP = ()


def _fast_line(line: str):
    """One line of the canonical shape as (starts a record, key, value), _SKIP, or _FAIL."""
    if _FAST_UNSURE.search(line):
        return _FAIL
    if not line or line[0] == "#":
        return _SKIP
    m = _FAST_LINE.match(line)
    if m is None:
        return _FAIL
    lead, key, raw = m.groups()
    if key in _YAML11_WORDS:
        return _FAIL
    value = _fast_scalar(raw)
    if value is _FAIL:
        return _FAIL
    return (lead == "- ", key, value)


def fast_items(data: bytes) -> list | None:
    """The records of an event file in the canonical shape, or None to let libyaml read it."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    items: list = []
    cur = None
    memo = _LINE_MEMO
    for line in text.split("\n"):
        got = memo.get(line)
        if got is None:
            got = _fast_line(line)
            if got is _FAIL:
                return None
            if line[:1] != "-":
                if len(memo) >= _LINE_MEMO_MAX:
                    memo.clear()
                memo[line] = got
        if not got:
            continue
        first, key, value = got
        if first:
            cur = {key: value}
            items.append(cur)
        elif cur is None or key in cur:
            return None
        else:
            cur[key] = value
    return items


# ---------------------------------------------------------------- the fast path for case files
#
# case.yaml as `emit_mapping` writes it: `key: value`, `key:` followed by a mapping indented two more or
# a list whose items (`- value`, or `- key: value` and the item's other keys under it) are indented two
# more, `{}` and `[]` for empty ones, the same scalars as the event files, comment lines at the margin.
# Anything else (a hand-edited plain string, a comment after a value, flow style, a key YAML 1.1 reads
# as a boolean) returns None and goes through libyaml; a property test checks that both agree.

_MAP_LINE = re.compile(r"( *)(- )?(?:([a-z_][a-z0-9_]*):(?: (.*))?|(.+))\Z")
# keys that YAML 1.1 reads as booleans or null, not as text
_YAML11_WORDS = frozenset({"yes", "no", "on", "off", "true", "false", "null", "y", "n"})


def _map_tokens(text: str) -> list | None:
    """(indent, key or None, raw value or None) per line; a list item is a token ("- ", None, raw) or, when
    it holds a mapping, a token ("- ", None, None) followed by the item's first key two columns in."""
    out: list = []
    if _FAST_UNSURE.search(text):
        return None
    for line in text.split("\n"):
        if not line or line[0] == "#":
            continue
        m = _MAP_LINE.match(line)
        if m is None:
            return None
        pad, dash, key, raw, item = m.groups()
        indent = len(pad)
        if key is not None and key in _YAML11_WORDS:
            return None
        if dash:
            if item is not None:
                out.append((indent, "- ", item))
                continue
            out.append((indent, "- ", None))
            indent += 2
        elif item is not None:
            return None
        out.append((indent, key, raw))
    return out


def _map_value(raw: str):
    if raw == "{}":
        return {}
    if raw == "[]":
        return []
    return _fast_scalar(raw)


def _map_block(tokens: list, i: int, indent: int):
    """The mapping whose keys stand at `indent` from token i: (mapping, next i), or (_FAIL, i)."""
    out: dict = {}
    n = len(tokens)
    while i < n:
        ind, key, raw = tokens[i]
        if ind < indent or (ind == indent and key == "- "):
            break
        if ind != indent or key == "- " or key in out:
            return _FAIL, i
        i += 1
        if raw is None:            # `key:` then what is under it, two columns in
            if i >= n or tokens[i][0] != indent + 2:
                return _FAIL, i
            value, i = (_map_list if tokens[i][1] == "- " else _map_block)(tokens, i, indent + 2)
        else:
            value = _map_value(raw)
        if value is _FAIL:
            return _FAIL, i
        out[key] = value
    return out, i


def _map_list(tokens: list, i: int, indent: int):
    """The list whose `- ` stand at `indent` from token i: (list, next i), or (_FAIL, i)."""
    out: list = []
    n = len(tokens)
    while i < n and tokens[i][0] == indent and tokens[i][1] == "- ":
        raw = tokens[i][2]
        i += 1
        if raw is None:
            value, i = _map_block(tokens, i, indent + 2)
        else:
            value = _map_value(raw)
        if value is _FAIL:
            return _FAIL, i
        out.append(value)
    return out, i


def fast_mapping(data: bytes) -> dict | None:
    """A mapping file (case.yaml) in the shape `emit_mapping` writes, or None to let libyaml read it."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    tokens = _map_tokens(text)
    if not tokens:
        return None
    value, i = _map_block(tokens, 0, 0)
    return value if value is not _FAIL and i == len(tokens) else None


def parse_mapping(data: bytes, path: str):
    """A mapping file: the fast path when the file has the canonical shape, else libyaml."""
    return _fast_or_parse(fast_mapping, data, path)


def parse_events(data: bytes, path: str):
    """An event file: the fast path when the file has the canonical shape, else libyaml."""
    return _fast_or_parse(fast_items, data, path)


def _fast_or_parse(fast, data: bytes, path: str):
    if len(data) <= MAX_BYTES:
        got = fast(data)
        if got is not None:
            return got
    return parse(data, path)


def _check_shape(data: bytes, path: str) -> None:
    """Refuse aliases and nesting deeper than MAX_DEPTH before composing (libyaml's event parser is
    iterative; only files that could hold either are scanned)."""
    aliases = re.search(_ALIAS_HINT, data) is not None
    deep = data.count(b"[") + data.count(b"{") > MAX_DEPTH or re.search(_COMPACT_HINT, data) is not None
    if not (aliases or deep):
        return
    yaml, loader, _dup = _libyaml()
    depth = 0
    try:
        for ev in yaml.parse(data, Loader=loader):
            if aliases and (isinstance(ev, yaml.AliasEvent) or (getattr(ev, "anchor", None) is not None)):
                line = ev.start_mark.line + 1 if ev.start_mark else 1
                raise YamlProblem(Problem(path, line, "yaml-alias", "文件使用了 YAML 锚点/别名（&/*），出于安全拒绝读取",
                                          "删去锚点与别名，直接写出取值"))
            if isinstance(ev, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    line = ev.start_mark.line + 1 if ev.start_mark else 1
                    raise YamlProblem(Problem(path, line, "too-deep", f"嵌套层数超过 {MAX_DEPTH} 层，拒绝读取",
                                              "用 git checkout 恢复该文件，或检查它是否被误写入大量括号"))
            elif isinstance(ev, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        raise _syntax_problem(exc, path) from None


def _reader_problem(exc: "yaml.reader.ReaderError", data: bytes, path: str) -> YamlProblem:
    """A byte the YAML reader refuses (invalid UTF-8, NUL or another control character): one line, at the
    line where that byte stands."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as bad:
        line = data[:bad.start].count(b"\n") + 1
        return YamlProblem(Problem(path, line, "yaml-syntax", "文件不是有效的 UTF-8 编码（第一个无效字节在此行）",
                                   "用编辑器以 UTF-8 重新保存该文件，或用 git checkout 恢复该文件"))
    char = getattr(exc, "character", None)
    if isinstance(char, int):
        char = chr(char)
    pos = text.find(char) if isinstance(char, str) and char else -1
    if pos < 0:
        pos = min(max(int(getattr(exc, "position", 0) or 0), 0), len(text))
    line = text[:pos].count("\n") + 1
    code = f"#x{ord(char):04x}" if isinstance(char, str) and len(char) == 1 else ""
    return YamlProblem(Problem(path, line, "yaml-syntax", f"文件含有不允许的控制字符 {code}".rstrip(),
                               "删去该字符，或用 git checkout 恢复该文件"))


# what libyaml (and PyYAML's pure reader) say about a syntax mistake, in the words of the office: the
# first pattern that matches the problem (with its context) gives the Chinese sentence
YAML_PROBLEMS = [
    (r"found unexpected end of stream", r"quoted scalar", "引号没有闭合：到文件末尾也没有找到对应的右引号"),
    (r"found unexpected end of stream", r"", "文件意外结束（可能缺少右引号或右括号）"),
    (r"found a tab character|found character '\\t'", r"", "用了制表符（跳格键）：YAML 只能用空格缩进，值中含制表符请加引号"),
    (r"mapping values are not allowed", r"", "此处不能出现“键: 值”：值里含“: ”时请给整个值加引号，或检查缩进"),
    (r"mapping keys are not allowed", r"", "此处不能出现键（检查缩进）"),
    (r"block sequence entries are not allowed", r"", "此处不能出现列表项“- ”（检查缩进）"),
    (r"could not find expected ':'", r"", "缺少冒号：键后面应写“: ”再写值"),
    (r"did not find expected '-' indicator|expected <block end>, but found '(<block mapping start>|\?)'", r"block collection",
     "缩进不一致：列表中的各项应与上面的“- ”对齐"),
    (r"did not find expected key|expected <block end>", r"", "缩进不一致或多出了内容：此行应是与上文对齐的“键: 值”"),
    (r"did not find expected ',' or '\]'|expected ',' or '\]'", r"", "方括号 [ ] 没有闭合，或其中缺少逗号"),
    (r"did not find expected ',' or '}'|expected ',' or '}'", r"", "花括号 { } 没有闭合，或其中缺少逗号"),
    (r"did not find expected node content|expected the node content", r"", "此处缺少内容"),
    (r"found unknown escape character", r"", "双引号中有无效的转义字符（反斜杠 \\ 要写成 \\\\，或改用单引号）"),
    (r"found character .*that cannot start any token", r"", "出现了不能作为开头的字符（如 @、`；以它开头的值请加引号）"),
    (r"found undefined alias", r"", "引用了未定义的别名（*）"),
    (r"did not find expected alphabetic or numeric character|expected alphabetic or numeric character", r"",
     "锚点（&）或别名（*）后缺少名称"),
    (r"did not find expected <document start>|expected '<document start>'", r"", "文件中有多余的内容（如多出的右括号）"),
    (r"but found another document", r"", "一个文件只能有一个文档（不能有第二个 ---）"),
    (r"found incompatible YAML document", r"", "不支持的 YAML 版本"),
    (r"found unexpected document indicator", r"", "值中出现了文档分隔符（--- 或 ...），请加引号"),
    (r"could not determine a constructor for the tag", r"", "使用了不支持的标签（!）"),
    (r"found undefined tag handle", r"", "使用了未定义的标签（!）"),
    (r"did not find expected comment or line break|expected a comment or a line break", r"", "此处之后应换行（多出了内容）"),
]


def yaml_words(problem: str, context: str = "") -> str:
    """The Chinese sentence for a YAML syntax problem; one the table does not know keeps the original in
    parentheses (nothing is hidden)."""
    for rx, ctx, words in YAML_PROBLEMS:
        if re.search(rx, problem) and re.search(ctx, context or ""):
            return words
    return f"无法识别的格式问题（{problem}）"


def _syntax_problem(exc: "yaml.MarkedYAMLError", path: str) -> YamlProblem:
    mark = exc.problem_mark or exc.context_mark
    words = yaml_words(str(exc.problem or exc), str(exc.context or ""))
    return YamlProblem(Problem(path, mark.line + 1 if mark else 1, "yaml-syntax", f"YAML 格式错误：{words}",
                               "用编辑器打开该行修正格式，或用 git checkout 恢复该文件"))


def _compose(data: bytes):
    """The node tree of a file that `parse` accepted (None for anything else)."""
    yaml, loader, _dup = _libyaml()
    try:
        _check_shape(data, "")
        return yaml.compose(data, Loader=loader)
    except (yaml.YAMLError, YamlProblem):
        return None


def item_lines(data: bytes) -> list[int]:
    """1-based line of each item of a top-level sequence (for error messages)."""
    node = _compose(data)
    if not isinstance(node, _libyaml()[0].SequenceNode):
        return []
    return [n.start_mark.line + 1 for n in node.value]


def key_line(data: bytes, keypath: Iterable) -> int:
    """1-based line of a key path in a mapping document (best effort; 1 if not found)."""
    node = _compose(data)
    line = node.start_mark.line + 1 if node is not None else 1
    yaml = _libyaml()[0]
    for key in keypath:
        if isinstance(node, yaml.MappingNode):
            found = None
            for k, v in node.value:
                if str(k.value) == str(key):
                    found = (k, v)
                    break
            if found is None:
                return line
            line = found[0].start_mark.line + 1
            node = found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line


# ---------------------------------------------------------------- writing


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        # YAML 1.1 (PyYAML) reads a float only with a dot and no bare exponent
        return text if "." in text and "e" not in text else format(value, ".6f")
    if isinstance(value, date):
        return value.isoformat()
    return _UNSAFE.sub(lambda m: "\\u%04x" % ord(m.group()), json.dumps(str(value), ensure_ascii=False))


# characters YAML does not allow raw, or that a reader would normalise (C1 controls, NEL, line and
# paragraph separators, BOM, non-characters): written as \uXXXX escapes. (Lone surrogates cannot be
# written at all; the service layer refuses them.)
_UNSAFE = re.compile("[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]")


def emit_mapping(data: Mapping[str, Any], indent: int = 0) -> str:
    pad = " " * indent
    lines = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            if not value:
                lines.append(f"{pad}{key}: {{}}")
            else:
                lines.append(f"{pad}{key}:")
                lines.append(emit_mapping(value, indent + 2).rstrip("\n"))
        elif isinstance(value, (list, tuple)):
            if not value:
                lines.append(f"{pad}{key}: []")
            else:
                lines.append(f"{pad}{key}:")
                for v in value:
                    if isinstance(v, Mapping):
                        body = emit_mapping(v, indent + 4).rstrip("\n")
                        lines.append(f"{pad}  - " + body.lstrip(" "))
                    else:
                        lines.append(f"{pad}  - {scalar(v)}")
        else:
            lines.append(f"{pad}{key}: {scalar(value)}")
    return "\n".join(lines) + "\n"


def emit_item(data: Mapping[str, Any]) -> str:
    """One entry of a top-level sequence: '- key: value' then indented keys."""
    body = emit_mapping(data, 2)
    return "- " + body[2:]
