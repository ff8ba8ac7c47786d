"""What a service reads from its environment, found in its source (for tests/test_deploy.py).

`python -m services.X` runs services/X/__main__.py; everything it imports from `services`
(at module level or inside functions, found with `ast`) is its code. In that code, every
``env_str/env_int/env_float/env_bool/env_...("NAME", ...)``, ``os.environ.get("NAME")``,
``os.environ["NAME"]``, ``os.getenv("NAME")`` and ``"NAME" in os.environ`` is a variable
the service reads; a name may also be a module-level string constant. The scan is
per module, so it over-approximates (a module that reads REDIS_URL in a function the
service never calls still counts): a manifest can only pass that it should not in that
direction, never fail for a variable the code really reads.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Functions whose first argument names an environment variable: ``env_*`` (env_str,
#: env_int, env_float, env_bool, env_duration, ...) and os.getenv.
_READER = re.compile(r"^(env_[a-z_]+|getenv)$")
#: What an environment variable's name looks like.
_VARIABLE = re.compile(r"^[A-Z][A-Z0-9_]*$")

#: A start-up error or warning about a missing variable ("MESH_SECRET is not set: ...").
_REQUIRED_MESSAGE = re.compile(r"\b([A-Z][A-Z0-9_]{2,}) is not set\b")


@dataclass
class Reads:
    """What one service's code reads."""

    #: every variable name read
    names: set[str] = field(default_factory=set)
    #: literal defaults given to env_* readers, per variable
    defaults: dict[str, set[object]] = field(default_factory=dict)
    #: variables whose absence the code reports at start-up, refusing to start or warning
    #: ("NAME is not set" in the modules imported at start-up: module level, outside
    #: ``if TYPE_CHECKING:``)
    required: set[str] = field(default_factory=set)
    #: the files scanned
    files: set[Path] = field(default_factory=set)
    #: the files imported at start-up
    eager_files: set[Path] = field(default_factory=set)


def module_file(module: str) -> Path | None:
    """The source file of a `services...` module (a package's __init__.py), or None."""
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def entry_file(module: str) -> Path | None:
    """What `python -m module` runs: module/__main__.py for a package, else module.py."""
    main = ROOT.joinpath(*module.split("."), "__main__.py")
    return main if main.is_file() else module_file(module)


def _is_environ(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` assignments."""
    found: dict[str, str] = {}
    for statement in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign):
            target, value = statement.target, statement.value
        if (
            isinstance(target, ast.Name)
            and isinstance(value, ast.Constant)
            and isinstance(value.value, str)
        ):
            found[target.id] = value.value
    return found


def _name(node: ast.expr, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def _reads(tree: ast.Module) -> Iterator[tuple[str, object | None]]:
    """(variable, literal default or None) for every read in a module."""
    constants = _constants(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            is_function = called is not None and _READER.match(called) is not None
            is_reader = is_function or (
                isinstance(func, ast.Attribute) and func.attr == "get" and _is_environ(func.value)
            )
            name = _name(node.args[0], constants) if is_reader else None
            if name is not None and _VARIABLE.match(name):
                default = node.args[1] if len(node.args) > 1 else None
                literal = default.value if isinstance(default, ast.Constant) else None
                yield name, literal if is_function else None
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            name = _name(node.slice, constants)
            if name is not None:
                yield name, None
        elif (
            isinstance(node, ast.Compare)
            and len(node.ops) == 1
            and isinstance(node.ops[0], ast.In | ast.NotIn)
            and _is_environ(node.comparators[0])
        ):
            name = _name(node.left, constants)
            if name is not None:
                yield name, None


def _eager_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """A module's statements that run when it is imported (not in functions, classes or
    ``if TYPE_CHECKING:``)."""
    for statement in body:
        if isinstance(statement, ast.If):
            test = statement.test
            if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
                isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
            ):
                yield from _eager_statements(statement.orelse)
                continue
            yield from _eager_statements(statement.body)
            yield from _eager_statements(statement.orelse)
        elif isinstance(statement, ast.Try):
            for block in (statement.body, statement.orelse, statement.finalbody):
                yield from _eager_statements(block)
            for handler in statement.handlers:
                yield from _eager_statements(handler.body)
        else:
            yield statement


def _imported(
    tree: ast.Module, module: str, is_package: bool, *, eager: bool = False
) -> Iterator[str]:
    """`services...` modules a module imports (and the packages they live in); with
    `eager`, only those it imports when it is itself imported."""
    package = module if is_package else module.rpartition(".")[0]
    nodes = _eager_statements(tree.body) if eager else ast.walk(tree)
    for node in nodes:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            names = [target] + [f"{target}.{alias.name}" for alias in node.names]
        for name in names:
            if name == "services" or name.startswith("services."):
                parts = name.split(".")
                for end in range(1, len(parts) + 1):
                    yield ".".join(parts[:end])


@functools.cache
def service_reads(entry: str) -> Reads:
    """What `python -m entry` (e.g. ``services.node``) reads from its environment."""
    first = entry_file(entry)
    if first is None:
        raise LookupError(f"no module {entry} under {ROOT}")
    reads = Reads()
    parts = entry.split(".")
    start = [(entry, first)] + [
        (".".join(parts[:end]), path)
        for end in range(1, len(parts) + 1)
        if (path := module_file(".".join(parts[:end]))) is not None
    ]
    reads.files = _closure(start, eager=False)
    reads.eager_files = _closure(start, eager=True)
    for path in reads.files:
        source = path.read_text()
        for name, default in _reads(ast.parse(source, filename=str(path))):
            reads.names.add(name)
            if default is not None:
                reads.defaults.setdefault(name, set()).add(default)
        if path in reads.eager_files:
            reads.required.update(_REQUIRED_MESSAGE.findall(source))
    return reads


def _closure(start: list[tuple[str, Path]], *, eager: bool) -> set[Path]:
    """The files of the modules `start` imports, transitively (see `_imported`)."""
    files: set[Path] = set()
    queue = list(start)
    while queue:
        module, path = queue.pop()
        if path in files:
            continue
        files.add(path)
        tree = ast.parse(path.read_text(), filename=str(path))
        is_package = path.name in ("__init__.py", "__main__.py")
        for imported in _imported(tree, module, is_package, eager=eager):
            imported_path = module_file(imported)
            if imported_path is not None and imported_path not in files:
                queue.append((imported, imported_path))
    return files


def default(entry: str, variable: str) -> object:
    """The one literal default `entry`'s code gives `variable` (AssertionError if none or
    several)."""
    values = service_reads(entry).defaults.get(variable, set())
    assert len(values) == 1, f"{entry}: {variable} has defaults {values or 'none'} in its code"
    return next(iter(values))
