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
from typing import Any, NamedTuple

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

class Loc(NamedTuple):
    """Where a value was written: file, line and column (1-based; 0 when unknown)."""

    file: str
    line: int
    column: int


NOWHERE = Loc("", 0, 0)  # merged data that no file wrote
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
    """A mapping that knows where it and each of its values were written.

    `defaulted` names keys filled in by sim (not written in the file); `removed` (on a merged scenario)
    lists the ids a child scenario removed, as (list path, id, location of the `remove` item)."""

    loc: Loc
    key_locs: dict[str, Loc]
    defaulted: tuple[str, ...]
    removed: list[tuple[str, Any, Loc]]


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
    return Loc(file, node.start_mark.line + 1, node.start_mark.column + 1)


class _Converter:
    """Turns a composed YAML node tree into LocDict/LocList values, collecting problems as it goes."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.visited = 0
        self.top_node: yaml.Node | None = None  # value of the top-level key being converted
        self.problems: list[Problem] = []
        self._scalar = yaml.SafeLoader("")

    def convert(self, node: yaml.Node, path: str) -> Any:
        """The plain value of `node` (at `path`, for messages); None where its tag is not plain YAML."""
        self._count(node, path)
        if node.tag not in _PLAIN_TAGS:
            self._problem(node, path, f"YAML tag {node.tag!r} is not allowed; scenarios use plain YAML only")
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return self._sequence(node, path)
        if node.tag == "tag:yaml.org,2002:timestamp":
            return str(node.value)  # times are parsed by the scenario model, with their offsets
        if node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float") and ":" in str(node.value):
            return str(node.value)  # YAML 1.1 reads 1:30 as 90 (base 60); keep it as written
        return self._scalar.construct_object(node, deep=True)

    def _count(self, node: yaml.Node, path: str) -> None:
        """Count one more value; refuse a file that expands to too many (an alias bomb)."""
        self.visited += 1
        if self.visited > MAX_NODES:
            at = self.top_node if self.top_node is not None else node
            raise ScenarioError(
                [Problem(self.file, *_loc(self.file, at)[1:], path.split(".")[0].split("[")[0],
                         f"the file expands to more than {MAX_NODES} values (an alias bomb?); refusing to load it")]
            )

    def _problem(self, node: yaml.Node, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, *_loc(self.file, node)[1:], path, message))

    def _mapping(self, node: yaml.MappingNode, path: str) -> LocDict:
        """A mapping's keys and values; keys must be plain, unique and not YAML merge keys."""
        out = _mkdict(_loc(self.file, node))
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, path, "mapping keys must be plain names")
                continue
            key = str(key_node.value)
            sub = f"{path}.{key}" if path else key
            if key == "<<":
                self._problem(key_node, path,
                              "YAML merge keys ('<<') are not supported; use 'extends' or repeat the values")
                continue
            if key in out:
                first = out.key_locs[key]
                self._problem(key_node, sub, f"duplicate key {key!r} (first at line {first[1]}); keep one")
                continue
            if not path:
                self.top_node = value_node
            out[key] = self.convert(value_node, sub)
            out.key_locs[key] = _loc(self.file, value_node)
        return out

    def _sequence(self, node: yaml.SequenceNode, path: str) -> LocList:
        """A list's items, each with its position."""
        out_list = _mklist(_loc(self.file, node))
        for i, item in enumerate(node.value):
            out_list.append(self.convert(item, f"{path}[{i}]"))
            out_list.item_locs.append(_loc(self.file, item))
        return out_list


def read_text(path: Path) -> str:
    """Read a scenario file, refusing what is not a small UTF-8 text file."""
    name = str(path)
    if not path.exists():
        raise ScenarioError([Problem(name, 0, 0, "", "file not found")])
    if path.is_dir():
        raise ScenarioError([Problem(name, 0, 0, "", "is a directory, not a scenario file")])
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ScenarioError([Problem(name, 0, 0, "", f"file is {size / 1e6:.1f} MB; "
                                     f"scenario files are capped at {MAX_FILE_BYTES / 1e6:.0f} MB")])
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
        raise ScenarioError([Problem(name, 0, 0, "",
                                     "file is empty; a scenario needs at least name, start and airfields")])
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise ScenarioError([_syntax_problem(name, exc)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(name, 0, 0, "", f"YAML error: {exc}")]) from None
    if node is None:
        raise ScenarioError([Problem(name, 0, 0, "", "file is empty (only comments); "
                                     "a scenario needs at least name, start and airfields")])
    conv = _Converter(name)
    data = conv.convert(node, "")
    if conv.problems:
        raise ScenarioError(conv.problems)
    if not isinstance(data, LocDict):
        raise ScenarioError([Problem(name, node.start_mark.line + 1, node.start_mark.column + 1, "",
                                     "the file must start with keys like 'name:', 'start:', 'airfields:'; "
                                     f"found {kind_of(data)}")])
    return data


def _syntax_problem(name: str, exc: yaml.MarkedYAMLError) -> Problem:
    """A YAML syntax error where it is (an unclosed flow collection: where it opened), with a hint."""
    mark = exc.problem_mark or exc.context_mark
    what = exc.problem or str(exc)
    context = exc.context or ""
    opened = exc.context_mark if "flow" in context else None
    if opened is not None and exc.problem_mark is not None and opened.line != exc.problem_mark.line:
        what += (f" at line {exc.problem_mark.line + 1}; the {'{' if 'mapping' in context else '['} opened here "
                 "is not closed")
        mark = opened
    line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    return Problem(name, line, col, "", f"YAML syntax error: {what}{_yaml_hint(what)}")


def _yaml_hint(what: str) -> str:
    """' (a hint)' for the first known clue in a YAML error message, else ''."""
    for clue, hint in _YAML_HINTS.items():
        if clue in what:
            return f" ({hint})"
    return ""


# ---------------------------------------------------------------- extends


def _has_ids(items: list) -> bool:
    """Whether a list is non-empty and every item is a mapping with an id."""
    return bool(items) and _all_have_ids(items)


def _all_have_ids(items: list) -> bool:
    """Whether every item of a list (none, for an empty one) is a mapping with an id."""
    return all(isinstance(x, dict) and "id" in x for x in items)


def merge(base: Any, over: Any, path: str = "", removed: list | None = None) -> Any:
    """Merge `over` onto `base`: maps deeply, id'd lists by id (`remove: true` drops), else replace.

    Removals are recorded in `removed` as (list path, id, location of the `remove` item); removing an
    id the base does not have is an error.
    """
    removed = [] if removed is None else removed
    if isinstance(base, dict) and isinstance(over, dict):
        return _merge_maps(base, over, path, removed)
    if isinstance(base, list) and isinstance(over, list) and _has_ids(base) and _all_have_ids(over):
        return _merge_id_lists(base, over, path, removed)
    return over


def _merge_maps(base: dict, over: dict, path: str, removed: list) -> LocDict:
    """Every key of both, in base's order then over's new keys; a key in both is merged."""
    out = _mkdict(getattr(over, "loc", getattr(base, "loc", NOWHERE)))
    for k, v in base.items():
        out[k] = v
        out.key_locs[k] = getattr(base, "key_locs", {}).get(k, out.loc)
    for k, v in over.items():
        sub = f"{path}.{k}" if path else k
        out[k] = merge(base[k], v, sub, removed) if k in base else v
        out.key_locs[k] = getattr(over, "key_locs", {}).get(k, out.loc)
    return out


def _merge_id_lists(base: list, over: list, path: str, removed: list) -> LocList:
    """Base's items in order, patched by the item of `over` with the same id (or dropped by its
    `remove: true`), then the items of `over` with new ids."""
    out_list = _mklist(getattr(over, "loc", NOWHERE))
    base_locs = getattr(base, "item_locs", [out_list.loc] * len(base))
    over_locs = getattr(over, "item_locs", [out_list.loc] * len(over))
    by_id = {x["id"]: (i, x) for i, x in enumerate(over)}
    _check_removals(base, over, over_locs, path)
    used = set()
    for item, loc in zip(base, base_locs):
        if item["id"] not in by_id:
            out_list.append(item)
            out_list.item_locs.append(loc)
            continue
        j, patch = by_id[item["id"]]
        used.add(item["id"])
        if patch.get("remove") is True:
            removed.append((path, item["id"], over_locs[j]))
            continue
        out_list.append(merge(item, patch, f"{path}[{item['id']}]", removed))
        out_list.item_locs.append(over_locs[j])
    for item, loc in zip(over, over_locs):
        if item["id"] not in used and item.get("remove") is not True:
            out_list.append(item)
            out_list.item_locs.append(loc)
    return out_list


def _check_removals(base: list, over: list, over_locs: list[Loc], path: str) -> None:
    """Each item of `over` with `remove: true` names an id that base has."""
    base_ids = [x["id"] for x in base]
    problems = []
    for j, item in enumerate(over):
        if item.get("remove") is True and item["id"] not in base_ids:
            loc = over_locs[j]
            problems.append(Problem(*loc, f"{path}[{j}]",
                                    f"cannot remove {item['id']!r}: the parent has no such id "
                                    f"(it has: {', '.join(map(str, base_ids[:8]))})"))
    if problems:
        raise ScenarioError(problems)


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
    at = data.key_locs["extends"]._replace(file=display)
    parent_path = _parent_path(path, parent, at, real, _chain)
    base = _load_parent(parent_path, parent, prepare, at, (*_chain, real))
    child = _mkdict(data.loc)
    for k, v in data.items():
        if k != "extends":
            child[k] = v
            child.key_locs[k] = data.key_locs[k]
    removed = list(getattr(base, "removed", []))
    out = merge(base, child, "", removed)
    out.removed = removed
    return out


def _extends_error(at: Loc, message: str) -> ScenarioError:
    """A problem with the `extends` key at `at`."""
    return ScenarioError([Problem(at[0], at[1], at[2], "extends", message)])


def _parent_path(path: Path, parent: Any, at: Loc, real: str, chain: tuple[str, ...]) -> Path:
    """The file `extends` names, relative to the child: a file name, no cycle, and there."""
    if not isinstance(parent, str) or not parent.strip():
        raise _extends_error(at, f"must be a file name like 'csto_kazakhstan_2022.yaml', got {parent!r}")
    parent_path = Path(path).parent / parent
    if os.path.realpath(parent_path) in (*chain, real):
        names = " -> ".join([*(_short(c) for c in chain), _short(real), _short(os.path.realpath(parent_path))])
        raise _extends_error(at, f"extends forms a cycle: {names}; "
                             "a scenario cannot extend itself, directly or through others")
    if not parent_path.is_file():
        names = " -> ".join([*(_short(c) for c in chain), _short(real), parent])
        raise _extends_error(at, f"parent scenario {parent!r} not found (looked for {parent_path}); chain: {names}")
    return parent_path


def _load_parent(parent_path: Path, parent: str, prepare: Callable[[LocDict], None] | None, at: Loc,
                 chain: tuple[str, ...]) -> LocDict:
    """The parent scenario, itself resolved; a cycle found further up is also reported at the `extends`
    line of the file the user gave (the first in `chain`), where the chain starts."""
    try:
        return load_with_extends(parent_path, prepare, chain)
    except ScenarioError as exc:
        cycle = next((p for p in exc.problems if "forms a cycle" in p.message), None)
        if cycle is None or len(chain) > 1 or cycle.file == at[0]:
            raise
        raise ScenarioError([*exc.problems, Problem(at[0], at[1], at[2], "extends",
                                                    f"extends {parent!r}, which leads back to this file: a cycle "
                                                    f"(see {cycle.file}:{cycle.line})")]) from None


def _short(p: str) -> str:
    """A file's name without its folder, for a chain of `extends`."""
    return os.path.basename(p)


def to_plain(value: Any) -> Any:
    """Strip location info: LocDict/LocList -> dict/list (for writing resolved YAML)."""
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    return value


def locate(root: Any, path: tuple) -> Loc | None:
    """The position of the value at `path` (keys and indices), or of its nearest ancestor (or, for a key a
    table row leaves empty, of its empty cell)."""
    node, best = root, getattr(root, "loc", None)
    for part in path:
        if isinstance(node, dict) and part in node:
            best = node.key_locs.get(part, best) if hasattr(node, "key_locs") else best
            node = node[part]
        elif isinstance(node, LocDict) and part in node.key_locs:
            return node.key_locs[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            best = node.item_locs[part] if hasattr(node, "item_locs") else best
            node = node[part]
        else:
            break
    return best
