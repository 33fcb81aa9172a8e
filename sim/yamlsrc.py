"""Safe YAML loading that remembers where every value came from, and `extends` merging.

The scenario model reports problems as `file:line:column`, also for problems found after
parsing, so every mapping and list loaded here carries the position of each of its values.
Only plain YAML is accepted: no `!!python/...` or other custom tags, no duplicate keys, no
alias bombs, no values nested more than MAX_DEPTH deep; a scenario file must be a regular file (not a
folder, FIFO or device) under a size cap.

`extends` (and the tables of sim.movetable) may only name files inside the folder tree of the scenario
file given to sim (the top-level one), of the current folder (unless that is the file system's root), or
of a folder listed in the environment variable SIM_SCENARIO_PATH (os.pathsep-separated). A parent that
is not a scenario (not YAML, not a mapping, none of a scenario's keys) is named, never quoted.
"""

from __future__ import annotations

import contextvars
import difflib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from sim.errors import Problem, ScenarioError, input_problem, read_input

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NODES = 200_000  # values visited while expanding aliases; a real scenario has a few thousand
MAX_DEPTH = 50  # levels of nested mappings and lists; a real scenario has at most 6
SCENARIO_PATH_ENV = "SIM_SCENARIO_PATH"
"""Extra folders (os.pathsep-separated) whose trees `extends` and table files may name."""
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
    lists the ids a child scenario removed, as (list path, id, location of the `remove` item); `near_id`
    (on an item a child scenario adds) is the parent's id that its own id nearly matches, if any: a new
    item that fails validation for want of required fields is then most likely a misspelt id."""

    loc: Loc
    key_locs: dict[str, Loc]
    defaulted: tuple[str, ...]
    removed: list[tuple[str, Any, Loc]]
    near_id: str | None = None


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
    """Where a YAML node starts, 1-based."""
    return Loc(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _too_deep(file: str, line: int, column: int) -> ScenarioError:
    """The problem of a value nested more than MAX_DEPTH levels deep (or an alias that contains itself)."""
    return ScenarioError([Problem(file, line, column, "",
                                  f"values are nested more than {MAX_DEPTH} levels deep here (or an alias contains "
                                  "itself); a scenario nests mappings and lists a few levels at most")])


class _NestedTooDeep(Exception):
    """Raised by _Loader where nesting passes MAX_DEPTH; carries the YAML mark of that value."""

    def __init__(self, mark: yaml.Mark) -> None:
        super().__init__("nested too deep")
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing values nested deeper than MAX_DEPTH before Python's recursion limit (PyYAML
    composes nested values recursively, so 5,000 levels of [[[...]]] would raise RecursionError)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """Compose one value, counting how deep it is nested."""
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _NestedTooDeep(self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Converter:
    """Turns a composed YAML node tree into LocDict/LocList values, collecting problems as it goes."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.visited = 0
        self.depth = 0
        self.top_node: yaml.Node | None = None  # value of the top-level key being converted
        self.problems: list[Problem] = []
        self._scalar = yaml.SafeLoader("")

    def convert(self, node: yaml.Node, path: str) -> Any:
        """The plain value of `node` (at `path`, for messages); None where its tag is not plain YAML."""
        self._count(node, path)
        if node.tag not in _PLAIN_TAGS:
            self._problem(node, path, f"YAML tag {node.tag!r} is not allowed; scenarios use plain YAML only")
            return None
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            return self._collection(node, path)
        if node.tag == "tag:yaml.org,2002:timestamp":
            return str(node.value)  # times are parsed by the scenario model, with their offsets
        if node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float") and ":" in str(node.value):
            return str(node.value)  # YAML 1.1 reads 1:30 as 90 (base 60); keep it as written
        return self._plain_scalar(node, path)

    def _plain_scalar(self, node: yaml.Node, path: str) -> Any:
        """A plain scalar's value; None (and a problem) for one Python cannot read, such as an integer of more
        than 4,300 digits."""
        try:
            return self._scalar.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError) as exc:
            why = "a number of more than 4300 digits" if "digits" in str(exc) else str(exc)[:80]
            self._problem(node, path, f"cannot read this value ({why})")
            return None

    def _collection(self, node: yaml.MappingNode | yaml.SequenceNode, path: str) -> LocDict | LocList:
        """A mapping or list, refused when nested more than MAX_DEPTH deep (an alias can contain itself)."""
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _too_deep(self.file, *_loc(self.file, node)[1:])
            return self._mapping(node, path) if isinstance(node, yaml.MappingNode) else self._sequence(node, path)
        finally:
            self.depth -= 1

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


def scenario_file_problem(path: Path) -> str | None:
    """Why `path` cannot be read as a scenario file (missing, a folder, a FIFO or device, unreadable, too big),
    or None; does not open it."""
    return input_problem(path, MAX_FILE_BYTES, "scenario files", "a scenario file")


def read_text(path: Path, name: str | None = None) -> str:
    """Read a scenario file, refusing what is not a small, regular, readable UTF-8 text file (problems at
    `name`, default the path)."""
    name = name or str(path)
    raw = read_input(Path(path), name, MAX_FILE_BYTES, "scenario files", "a scenario file")
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
    text = read_text(path, name)
    if not text.strip():
        raise ScenarioError([Problem(name, 0, 0, "",
                                     "file is empty; a scenario needs at least name, start and airfields")])
    node = _compose(text, name)
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
                                     f"found {_shape_of(data)}")])
    return data


def _compose(text: str, name: str) -> yaml.Node | None:
    """The YAML node tree of a file's text; ScenarioError for a syntax error or values nested too deep."""
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:  # the reader checks every character first
        raise ScenarioError([_character_problem(name, text, exc)]) from None
    try:
        return loader.get_single_node()
    except _NestedTooDeep as exc:
        raise _too_deep(name, exc.mark.line + 1, exc.mark.column + 1) from None
    except yaml.MarkedYAMLError as exc:
        raise ScenarioError([_syntax_problem(name, exc)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(name, 0, 0, "", f"YAML error: {exc}")]) from None
    finally:
        loader.dispose()


def _character_problem(name: str, text: str, exc: yaml.reader.ReaderError) -> Problem:
    """Where a character YAML does not allow (a control character) is, and which it is."""
    at = max(0, min(int(exc.position), len(text)))
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
    return Problem(name, line, column, "", f"holds the control character U+{code:04X}, which YAML does not allow "
                                           "in a file; remove it")


def _shape_of(value: Any) -> str:
    """What a value is, without quoting it ('a list', 'plain text', 'a number'): the file may not be a scenario
    at all, and its text is not echoed."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return "nothing" if value is None else "plain text"


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
    _check_duplicates(over, over_locs, path)
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
    unpatched = [str(x["id"]) for x in base if x["id"] not in used]
    for item, loc in zip(over, over_locs):
        if item["id"] not in used and item.get("remove") is not True:
            if isinstance(item, LocDict):
                item.near_id = next(iter(difflib.get_close_matches(str(item["id"]), unpatched, n=1, cutoff=0.75)),
                                    None)
            out_list.append(item)
            out_list.item_locs.append(loc)
    return out_list


def _check_duplicates(over: list, over_locs: list[Loc], path: str) -> None:
    """No id twice in one file's list: merged by id, the second would silently replace the first. (The same
    messages as sim.checks gives a whole file.)"""
    first: dict[Any, int] = {}
    problems = []
    for j, item in enumerate(over):
        k = first.setdefault(item["id"], j)
        if k == j:
            continue
        if "id" in getattr(item, "defaulted", ()):
            problems.append(Problem(*over_locs[j], f"{path}[{j}]", f"duplicate default id: this entry gets the same "
                                    f"id {item['id']!r} as the one at line {over_locs[k][1]}; merge them, or give "
                                    "each an explicit 'id:'"))
        else:
            problems.append(Problem(*over_locs[j], f"{path}[{j}].id", f"duplicate id {item['id']!r} (first at line "
                                    f"{over_locs[k][1]}); ids must be unique"))
    if problems:
        raise ScenarioError(problems)


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


_FOLDERS: contextvars.ContextVar[tuple[str, ...] | None] = contextvars.ContextVar("sim_scenario_folders",
                                                                                  default=None)


def _current_folder() -> list[str]:
    """The current folder, unless it is the file system's root (a service started in / would allow every file)
    or gone."""
    try:
        here = os.path.realpath(os.getcwd())
    except OSError:
        return []
    return [] if os.path.dirname(here) == here else [here]


def _folders_of(top: Path) -> tuple[str, ...]:
    """The real paths of the folder of the scenario file `top`, of the current folder, then of the folders in
    SIM_SCENARIO_PATH."""
    extra = [p for p in os.environ.get(SCENARIO_PATH_ENV, "").split(os.pathsep) if p.strip() and "\0" not in p]
    return tuple(os.path.realpath(p) for p in [os.path.dirname(os.path.abspath(top)), *_current_folder(), *extra])


def allowed_folders(scenario_file: str | Path) -> tuple[str, ...]:
    """The folders whose trees a scenario's `extends` and tables may name: while a scenario file loads, the
    folder of the file given to sim (the top-level one), else that of `scenario_file`; then the current folder
    and the folders listed in SIM_SCENARIO_PATH."""
    return _FOLDERS.get() or _folders_of(Path(scenario_file))


@contextmanager
def _scenario_folders(top: Path) -> Iterator[None]:
    """Within it, allowed_folders() is that of the top-level scenario file `top` (unless already set)."""
    token = _FOLDERS.set(_folders_of(top)) if _FOLDERS.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _FOLDERS.reset(token)


def outside_folders(target: Path, scenario_file: str | Path, what: str, named: str) -> str | None:
    """None when `target` (symlinks followed) is inside an allowed folder tree (see allowed_folders), else the
    message saying so: `what` names it ('extends', 'a table'), as `named` (the text written)."""
    roots = allowed_folders(scenario_file)
    if "\0" not in str(target):
        real = os.path.realpath(target)
        if any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in roots):
            return None
    return (f"{named!r} is outside the scenario's folder ({roots[0]}): {what} may only name files in that folder "
            "or below it, or below the current folder (to allow another folder, list it in the environment variable "
            f"{SCENARIO_PATH_ENV}, several separated by '{os.pathsep}')")


def load_with_extends(path: Path, prepare: Callable[[LocDict], None] | None = None,
                      _chain: tuple[str, ...] = ()) -> LocDict:
    """Load a scenario file, resolving `extends: other.yaml` (relative to the file) recursively.

    `prepare` is applied to each file's data before merging (the scenario model fills default ids
    there, so that a child can refer to a parent's items by their default ids). Parents and tables
    must be inside the folders allowed_folders() gives for `path`."""
    with _scenario_folders(Path(path)):
        return _load_chain(Path(path), prepare, _chain, None)


def _load_chain(path: Path, prepare: Callable[[LocDict], None] | None, _chain: tuple[str, ...],
                named_at: Loc | None) -> LocDict:
    """A scenario file with its parents merged in; `named_at` is the `extends` that names it, for a parent."""
    real = os.path.realpath(path)
    display = str(path)
    data = load_located(path, display) if named_at is None else _parent_file(path, display, named_at)
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
    if not isinstance(parent, str) or not parent.strip() or "\0" in parent:
        raise _extends_error(at, f"must be a file name like 'csto_kazakhstan_2022.yaml', got {kind_of(parent)}")
    parent_path = Path(path).parent / parent
    outside = outside_folders(parent_path, path, "extends", parent)
    if outside:
        raise _extends_error(at, outside)
    if os.path.realpath(parent_path) in (*chain, real):
        names = " -> ".join([*(_short(c) for c in chain), _short(real), _short(os.path.realpath(parent_path))])
        raise _extends_error(at, f"extends forms a cycle: {names}; "
                             "a scenario cannot extend itself, directly or through others")
    why = scenario_file_problem(parent_path)
    if why == "file not found":
        names = " -> ".join([*(_short(c) for c in chain), _short(real), parent])
        raise _extends_error(at, f"parent scenario {parent!r} not found (looked for {parent_path}); chain: {names}")
    if why:
        raise _extends_error(at, f"parent scenario {parent!r} {why}")
    return parent_path


def _scenario_keys() -> set[str]:
    """The keys a scenario file may have at its top (fields, their aliases, `extends`)."""
    from sim.scenario import Scenario  # sim.scenario imports this module

    fields = Scenario.model_fields
    return {"extends", *fields, *(f.alias for f in fields.values() if f.alias)}


def _parent_file(path: Path, name: str, at: Loc) -> LocDict:
    """A parent file as load_located reads it; one that is not a scenario (not YAML, not a mapping, none of a
    scenario's keys) is refused at the `extends` (at `at`) that names it, without quoting any of its text."""
    try:
        data = load_located(path, name)
    except ScenarioError as exc:
        first = exc.problems[0]
        if not any(p.message.startswith(("YAML syntax error", "YAML error", "the file must start with keys"))
                   for p in exc.problems):
            raise
        where = f" (see line {first.line})" if first.line else ""
        raise _extends_error(at, f"{name} is not a scenario: it is not a YAML mapping of scenario keys{where}; "
                                 "check it with 'sim validate' on its own") from None
    if not _scenario_keys() & set(data):
        raise _extends_error(at, f"{name} is not a scenario: none of its {len(data)} keys is a scenario key "
                                 "(name, start, airfields, ...)")
    return data


def _load_parent(parent_path: Path, parent: str, prepare: Callable[[LocDict], None] | None, at: Loc,
                 chain: tuple[str, ...]) -> LocDict:
    """The parent scenario, itself resolved; a cycle found further up is also reported at the `extends`
    line of the file the user gave (the first in `chain`), where the chain starts."""
    try:
        return _load_chain(parent_path, prepare, chain, at)
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
