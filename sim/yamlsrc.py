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

Loc = tuple[str, int, int]  # file, line (1-based), column (1-based)


class LocDict(dict):
    """A mapping that knows where it and each of its values were written."""

    loc: Loc
    key_locs: dict[str, Loc]


class LocList(list):
    """A list that knows where it and each of its items were written."""

    loc: Loc
    item_locs: list[Loc]


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
        self.problems: list[Problem] = []
        self._scalar = yaml.SafeLoader("")

    def convert(self, node: yaml.Node, path: str) -> Any:
        self.visited += 1
        if self.visited > MAX_NODES:
            raise ScenarioError(
                [Problem(self.file, *_loc(self.file, node)[1:], path,
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
    if b"\x00" in raw:
        raise ScenarioError([Problem(name, 0, 0, "", "looks like a binary file, not YAML text")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(name, 0, 0, "", f"is not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8")]) from None


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
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        what = exc.problem or str(exc)
        raise ScenarioError([Problem(name, line, col, "", f"YAML syntax error: {what}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(name, 0, 0, "", f"YAML error: {exc}")]) from None
    if node is None:
        raise ScenarioError([Problem(name, 0, 0, "", "file has no content")])
    conv = _Converter(name)
    data = conv.convert(node, "")
    if conv.problems:
        raise ScenarioError(conv.problems)
    if not isinstance(data, LocDict):
        raise ScenarioError([Problem(name, node.start_mark.line + 1, node.start_mark.column + 1, "",
                                     f"the top level must be a mapping of keys (name, start, airfields, ...), not a {type(data).__name__}")])
    return data


# ---------------------------------------------------------------- extends


def _has_ids(items: list) -> bool:
    return bool(items) and all(isinstance(x, dict) and "id" in x for x in items)


def merge(base: Any, over: Any) -> Any:
    """Merge `over` onto `base`: maps deeply, id'd lists by id (`remove: true` drops), else replace."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = _mkdict(getattr(over, "loc", getattr(base, "loc", ("", 0, 0))))
        for k, v in base.items():
            out[k] = v
            out.key_locs[k] = getattr(base, "key_locs", {}).get(k, out.loc)
        for k, v in over.items():
            out[k] = merge(base[k], v) if k in base else v
            out.key_locs[k] = getattr(over, "key_locs", {}).get(k, out.loc)
        return out
    if isinstance(base, list) and isinstance(over, list) and _has_ids(base) and all(isinstance(x, dict) and "id" in x for x in over):
        out_list = _mklist(getattr(over, "loc", ("", 0, 0)))
        base_locs = getattr(base, "item_locs", [out_list.loc] * len(base))
        over_locs = getattr(over, "item_locs", [out_list.loc] * len(over))
        by_id = {x["id"]: (i, x) for i, x in enumerate(over)}
        used = set()
        for item, loc in zip(base, base_locs):
            if item["id"] in by_id:
                j, patch = by_id[item["id"]]
                used.add(item["id"])
                if patch.get("remove") is True:
                    continue
                out_list.append(merge(item, patch))
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
    if real in _chain:
        names = " -> ".join([*(_short(c) for c in _chain), _short(real)])
        raise ScenarioError([Problem(display, 0, 0, "extends", f"extends forms a cycle: {names}")])
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
    if not parent_path.is_file():
        chain = " -> ".join([*(_short(c) for c in _chain), _short(real), parent])
        raise ScenarioError([Problem(display, line, col, "extends", f"parent scenario {parent!r} not found (looked for {parent_path}); chain: {chain}")])
    base = load_with_extends(parent_path, prepare, (*_chain, real))
    child = _mkdict(data.loc)
    for k, v in data.items():
        if k != "extends":
            child[k] = v
            child.key_locs[k] = data.key_locs[k]
    return merge(base, child)


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
