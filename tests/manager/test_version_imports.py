"""The OCPP version packages stay apart: v16 never imports v201 and v201 never imports v16.

What they share lives in version-neutral modules of ``services.manager`` (``_provisioning``,
``_firmware``, ``_security``...). Checked on the source with ``ast``, so an import inside a
function or under ``TYPE_CHECKING`` counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

MANAGER = Path(__file__).resolve().parents[2] / "services" / "manager"


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, relative imports resolved against its package."""
    package = ["services", "manager", path.parent.name]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def crossings(package: str, other: str) -> list[str]:
    """`file: module` for each import in `package` of the `other` version package."""
    forbidden = f"services.manager.{other}"
    return sorted(
        f"{path.name}: {module}"
        for path in (MANAGER / package).glob("*.py")
        for module in imported_modules(path)
        if module == forbidden or module.startswith(forbidden + ".")
    )


@pytest.mark.parametrize(("package", "other"), [("v16", "v201"), ("v201", "v16")])
def test_version_packages_do_not_import_each_other(package: str, other: str) -> None:
    """Move what both versions need into a version-neutral module of services.manager."""
    assert crossings(package, other) == []


def test_the_check_sees_every_form_of_import(tmp_path: Path) -> None:
    """Absolute, from-package and relative imports of the other version are all caught."""
    module = tmp_path / "v16" / "x.py"
    module.parent.mkdir()
    module.write_text(
        "import services.manager.v201.firmware\n"
        "from services.manager import v201\n"
        "def f() -> None:\n"
        "    from ..v201.security import Security\n"
    )
    found = imported_modules(module)
    assert "services.manager.v201.firmware" in found
    assert "services.manager.v201" in found
    assert "services.manager.v201.security" in found
