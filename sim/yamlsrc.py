"""Safe YAML loading that remembers where every value came from, and `extends` merging.

The scenario model reports problems as `file:line:column`, also for problems found after
parsing, so every mapping and list loaded here carries the position of each of its values.
Only plain YAML is accepted: no `!!python/...` or other custom tags, no duplicate keys, no
alias bombs, and files over a size cap are refused.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from sim.errors import Problem, ScenarioError

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NODES = 200_000  # values visited while expanding aliases; a real scenario has a few thousand
_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:timestamp",
}

Loc = tuple[str, int, int]
_YAML_HINTS = {
    "mapping values are not allowed here": "a ': ' inside a value? put the value in quotes",
    "found character '\\t'": "YAML indents with spaces, not tabs",
    "could not find expected ':'": "a key without ':' or an unclosed quote?",
    "expected ',' or '}'": "an unclosed { } mapping, or a ': ' inside a value that needs quotes?",
    "expected ',' or ']'": "an unclosed [ ] list?",
    "found undefined alias": "an *alias with no &anchor of that name above it",
    "but found another document": "the file holds two YAML documents (a '---' line); a scenario is one document",
}  # file, line (1-based), column (1-based)


class LocDict(dict):
    """A mapping that knows where it and each of its values were written."""

    loc: Loc
    key_locs: dict[str, Loc]


class LocList(list):
    """A list that knows where it and each of its items were written."""

    loc: Loc
    item_locs: list[Loc]


def kind_of(value: Any) -> str:
    """How a value looks to a YAML author: 'a list', 'plain text', 'a number', ..."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, bool):
        return f"true/false ({value})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if value is None:
        return "nothing"
    return f"plain text ({str(value)[:40]!r})"


def _mkdict(loc: Loc) -> LocDict:
    d = LocDict()
    d.loc, d.key_locs = loc, {}
    return d


def _mklist(loc: Loc) -> LocList:
    lst = LocList()
    lst.loc, lst.item_locs = loc, []
    return lst


def _loc(file: str, node: yaml.Node) -> Loc:
    return (file, node.start_mark.line + 1, node.start_mark.column + 1)


class _Converter:
    def __init__(self, file: str):
        self.file = file
        self.visited = 0
        self.top_node: yaml.Node | None = None  # value of the top-level key being converted
        self.problems: list[Problem] = []
        self._scalar = yaml.SafeLoader("")

    def convert(self, node: yaml.Node, path: str) -> Any:
        self.visited += 1
        if self.visited > MAX_NODES:
            at = self.top_node if self.top_node is not None else node
            raise ScenarioError(
                [Problem(self.file, *_loc(self.file, at)[1:], path.split(".")[0].split("[")[0],
                         f"the file expands to more than {MAX_NODES} values (an alias bomb?); refusing to load it")]
            )
        if node.tag not in _PLAIN_TAGS:
            self.problems.append(Problem(self.file, *_loc(self.file, node)[1:], path,
                                         f"YAML tag {node.tag!r} is not allowed; scenarios use plain YAML only"))
            return None
        if isinstance(node, yaml.MappingNode):
            out = _mkdict(_loc(self.file, node))
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problems.append(Problem(self.file, *_loc(self.file, key_node)[1:], path,
                                                 "mapping keys must be plain names"))
                    continue
                key = str(key_node.value)
                sub = f"{path}.{key}" if path else key
                if key == "<<":
                    self.problems.append(Problem(self.file, *_loc(self.file, key_node)[1:], path,
                                                 "YAML merge keys ('<<') are not supported; use 'extends' or repeat the values"))
                    continue
                if key in out:
                    first = out.key_locs[key]
                    self.problems.append(Problem(self.file, *_loc(self.file, key_node)[1:], sub,
                                                 f"duplicate key {key!r} (first at line {first[1]}); keep one"))
                    continue
                if not path:
                    self.top_node = value_node
                out[key] = self.convert(value_node, sub)
                out.key_locs[key] = _loc(self.file, value_node)
            return out
        if isinstance(node, yaml.SequenceNode):
            out_list = _mklist(_loc(self.file, node))
            for i, item in enumerate(node.value):
                out_list.append(self.convert(item, f"{path}[{i}]"))
                out_list.item_locs.append(_loc(self.file, item))
            return out_list
        if node.tag == "tag:yaml.org,2002:timestamp":
            return str(node.value)  # times are parsed by the scenario model, with their offsets
        if node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float") and ":" in str(node.value):
            return str(node.value)  # YAML 1.1 reads 1:30 as 90 (base 60); keep it as written
        return self._scalar.construct_object(node, deep=True)


def read_text(path: Path) -> str:
    """Read a scenario file, refusing what is not a small UTF-8 text file."""
    name = str(path)
    if not path.exists():
        raise ScenarioError([Problem(name, 0, 0, "", "file not found")])
    if path.is_dir():
        raise ScenarioError([Problem(name, 0, 0, "", "is a directory, not a scenario file")])
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ScenarioError([Problem(name, 0, 0, "", f"file is {size / 1e6:.1f} MB; scenario files are capped at {MAX_FILE_BYTES / 1e6:.0f} MB")])
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScenarioError([Problem(name, 0, 0, "", "is UTF-16 text; save it as UTF-8 (scenarios are UTF-8)")])
    if b"\x00" in raw:
        raise ScenarioError([Problem(name, 0, 0, "", "looks like a binary file, not YAML text")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScenarioError([Problem(name, line, col, "", f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} here); "
                                     "save the file as UTF-8")]) from None


def load_located(path: Path, display: str | None = None) -> LocDict:
    """Parse one YAML file into LocDict/LocList values (no `extends` handling)."""
    name = display or str(path)
    text = read_text(path)
    if not text.strip():
        raise ScenarioError([Problem(name, 0, 0, "", "file is empty; a scenario needs at least name, start and airfields")])
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or str(exc)
        opened = exc.context_mark if exc.context and "flow" in exc.context else None
        if opened is not None and exc.problem_mark is not None and opened.line != exc.problem_mark.line:
            what += f" at line {exc.problem_mark.line + 1}; the {'{' if 'mapping' in exc.context else '['} opened here is not closed"
            mark = opened
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        for clue, hint in _YAML_HINTS.items():
            if clue in what:
                what += f" ({hint})"
                break
        raise ScenarioError([Problem(name, line, col, "", f"YAML syntax error: {what}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(name, 0, 0, "", f"YAML error: {exc}")]) from None
    if node is None:
        raise ScenarioError([Problem(name, 0, 0, "", "file is empty (only comments); a scenario needs at least name, start and airfields")])
    conv = _Converter(name)
    data = conv.convert(node, "")
    if conv.problems:
        raise ScenarioError(conv.problems)
    if not isinstance(data, LocDict):
        raise ScenarioError([Problem(name, node.start_mark.line + 1, node.start_mark.column + 1, "",
                                     "the file must start with keys like 'name:', 'start:', 'airfields:'; "
                                     f"found {kind_of(data)}")])
    return data


# ---------------------------------------------------------------- extends


def _has_ids(items: list) -> bool:
    return bool(items) and all(isinstance(x, dict) and "id" in x for x in items)


def merge(base: Any, over: Any, path: str = "", removed: list | None = None) -> Any:
    """Merge `over` onto `base`: maps deeply, id'd lists by id (`remove: true` drops), else replace.

    Removals are recorded in `removed` as (list path, id, location of the `remove` item); removing an
    id the base does not have is an error.
    """
    removed = [] if removed is None else removed
    if isinstance(base, dict) and isinstance(over, dict):
        out = _mkdict(getattr(over, "loc", getattr(base, "loc", ("", 0, 0))))
        for k, v in base.items():
            out[k] = v
            out.key_locs[k] = getattr(base, "key_locs", {}).get(k, out.loc)
        for k, v in over.items():
            sub = f"{path}.{k}" if path else k
            out[k] = merge(base[k], v, sub, removed) if k in base else v
            out.key_locs[k] = getattr(over, "key_locs", {}).get(k, out.loc)
        return out
    if isinstance(base, list) and isinstance(over, list) and _has_ids(base) and all(isinstance(x, dict) and "id" in x for x in over):
        out_list = _mklist(getattr(over, "loc", ("", 0, 0)))
        base_locs = getattr(base, "item_locs", [out_list.loc] * len(base))
        over_locs = getattr(over, "item_locs", [out_list.loc] * len(over))
        by_id = {x["id"]: (i, x) for i, x in enumerate(over)}
        base_ids = [x["id"] for x in base]
        problems = []
        for j, item in enumerate(over):
            if item.get("remove") is True and item["id"] not in base_ids:
                loc = over_locs[j]
                problems.append(Problem(loc[0], loc[1], loc[2], f"{path}[{j}]",
                                        f"cannot remove {item['id']!r}: the parent has no such id "
                                        f"(it has: {', '.join(map(str, base_ids[:8]))})"))
        if problems:
            raise ScenarioError(problems)
        used = set()
        for item, loc in zip(base, base_locs):
            if item["id"] in by_id:
                j, patch = by_id[item["id"]]
                used.add(item["id"])
                if patch.get("remove") is True:
                    removed.append((path, item["id"], over_locs[j]))
                    continue
                out_list.append(merge(item, patch, f"{path}[{item['id']}]", removed))
                out_list.item_locs.append(over_locs[j])
            else:
                out_list.append(item)
                out_list.item_locs.append(loc)
        for item, loc in zip(over, over_locs):
            if item["id"] not in used and item.get("remove") is not True:
                out_list.append(item)
                out_list.item_locs.append(loc)
        return out_list
    return over


def load_with_extends(path: Path, prepare: Callable[[LocDict], None] | None = None,
                      _chain: tuple[str, ...] = ()) -> LocDict:
    """Load a scenario file, resolving `extends: other.yaml` (relative to the file) recursively.

    `prepare` is applied to each file's data before merging (the scenario model fills default ids
    there, so that a child can refer to a parent's items by their default ids)."""
    real = os.path.realpath(path)
    display = str(path)
    data = load_located(path, display)
    if prepare is not None:
        prepare(data)
    parent = data.get("extends")
    if parent is None:
        return data
    line, col = data.key_locs["extends"][1:]
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError([Problem(display, line, col, "extends", f"must be a file name like 'csto_kazakhstan_2022.yaml', got {parent!r}")])
    parent_path = Path(path).parent / parent
    if os.path.realpath(parent_path) in (*_chain, real):
        names = " -> ".join([*(_short(c) for c in _chain), _short(real), _short(os.path.realpath(parent_path))])
        raise ScenarioError([Problem(display, line, col, "extends", f"extends forms a cycle: {names}; "
                                     "a scenario cannot extend itself, directly or through others")])
    if not parent_path.is_file():
        chain = " -> ".join([*(_short(c) for c in _chain), _short(real), parent])
        raise ScenarioError([Problem(display, line, col, "extends", f"parent scenario {parent!r} not found (looked for {parent_path}); chain: {chain}")])
    try:
        base = load_with_extends(parent_path, prepare, (*_chain, real))
    except ScenarioError as exc:
        cycle = next((p for p in exc.problems if "forms a cycle" in p.message), None)
        if cycle is None or _chain or cycle.file == display:
            raise
        # also point at the extends line of the file the user gave, where the chain starts
        raise ScenarioError([*exc.problems, Problem(display, line, col, "extends",
                                                    f"extends {parent!r}, which leads back to this file: a cycle (see {cycle.file}:{cycle.line})")]) from None
    child = _mkdict(data.loc)
    for k, v in data.items():
        if k != "extends":
            child[k] = v
            child.key_locs[k] = data.key_locs[k]
    removed = list(getattr(base, "removed", []))
    out = merge(base, child, "", removed)
    out.removed = removed
    return out


def _short(p: str) -> str:
    return os.path.basename(p)


def to_plain(value: Any) -> Any:
    """Strip location info: LocDict/LocList -> dict/list (for writing resolved YAML)."""
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    return value


def locate(root: Any, path: tuple) -> Loc | None:
    """The position of the value at `path` (keys and indices), or of its nearest ancestor."""
    node, best = root, getattr(root, "loc", None)
    for part in path:
        if isinstance(node, dict) and part in node:
            best = node.key_locs.get(part, best) if hasattr(node, "key_locs") else best
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            best = node.item_locs[part] if hasattr(node, "item_locs") else best
            node = node[part]
        else:
            break
    return best
