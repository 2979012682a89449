"""The import graph follows the layers the README describes: no upward imports, no cycles.

    cogs ─▶ bot.nudges ─▶ bot.ui ─▶ bot.actions ─▶ services ─▶ bot.storage ─▶ bot.domain ─▶ bottom

(bottom: text, errors, clock, Discord's limits, the private-internals shim, the rate limiter;
services: validation, config, the staff figures). Nothing below the ui imports discord.

A module may import its own layer and any layer below it, never one above. ``bot.app`` (the
composition root) and ``bot.__main__`` may import anything. Imports under ``TYPE_CHECKING`` are
annotations only and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What each layer may import from the project (besides itself).
ALLOWED: dict[str, set[str]] = {
    "bottom": set(),
    "domain": {"bottom"},
    "storage": {"bottom", "domain"},
    "services": {"bottom", "domain", "storage"},  # validation, config, staff figures
    "actions": {"bottom", "domain", "storage", "services"},
    "ui": {"bottom", "domain", "storage", "services", "actions"},
    "nudges": {"bottom", "domain", "storage", "services", "actions", "ui"},
    "cogs": {"bottom", "domain", "storage", "services", "actions", "ui", "nudges"},
    "root": {"*"},
}
NO_DISCORD = {"domain", "storage", "actions"}
BOTTOM = {"bot.text", "bot.errors", "bot.clock", "bot.discord_limits", "bot.compat", "bot.pacing"}
DOMAIN = {"bot.content", "bot.holiday_calendars"}  # content and calendars: data, no I/O but files
UI = {"bot.staff_stats", "bot.staff_stats.render", "bot.staff_stats.chart"}
DELIVERY = {"bot.membership", "bot.staff_summary"}  # talk to Discord on a timer, like nudges


def layer_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "cogs":
        return "cogs"
    if module in {"bot.app", "bot.__main__", "bot"}:
        return "root"
    if module in BOTTOM:
        return "bottom"
    if module in DOMAIN:
        return "domain"
    if module in UI:
        return "ui"
    if module in DELIVERY:
        return "nudges"
    if parts[1] in {"domain", "storage", "actions", "ui", "nudges"}:
        return parts[1]
    return "services"


def project_modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for top in ("bot", "cogs"):
        for path in (ROOT / top).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def runtime_imports(path: Path) -> set[str]:
    """Top-level names imported outside ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(sub) for child in node.body for sub in ast.walk(child))
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


MODULES = project_modules()


def resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_upward_imports(module: str) -> None:
    mine = layer_of(module)
    allowed = ALLOWED[mine]
    wrong: list[str] = []
    for name in runtime_imports(MODULES[module]):
        if mine in NO_DISCORD and name.split(".")[0] == "discord":
            wrong.append(f"{name} (no discord below the ui)")
        target = resolve(name)
        if target is None or target == module or module.startswith(target + "."):
            continue
        theirs = layer_of(target)
        if "*" in allowed or (theirs == mine and mine != "cogs") or theirs in allowed:
            continue
        wrong.append(f"{target} ({theirs})")
    assert not wrong, f"{module} ({mine}) imports above or beside its layer: {sorted(set(wrong))}"


def test_no_import_cycles() -> None:
    graph = {
        module: {t for n in runtime_imports(path) if (t := resolve(n)) and t != module}
        for module, path in MODULES.items()
    }
    graph = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state:
            cycle = visit(module)
            assert cycle is None, " → ".join(cycle)
