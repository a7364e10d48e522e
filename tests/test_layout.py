"""The three rules that hold the layout together (design guide 8.1)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_architecture_never_imports_pyomo_or_optimizer():
    for path in (ROOT / "architecture").glob("*.py"):
        assert not imports(path) & {"pyomo", "optimizer", "highspy"}, path


OUTPUT = ROOT / "optimizer" / "output"


def test_optimizer_opens_files_only_in_output():
    for path in (ROOT / "optimizer").rglob("*.py"):
        if OUTPUT in path.parents or path.parent.name == "cli":  # the command line reads through architecture's readers
            continue
        text = path.read_text(encoding="utf-8")
        text = text.replace("open(os.devnull", "")  # the command line silences a closed pipe; it opens no file
        for needle in ("open(", "read_csv", "to_csv", "write_text", "read_text"):
            assert needle not in text, f"{path.name} uses {needle}"


def test_output_never_solves():
    for path in OUTPUT.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not imports(path) & {"pyomo", "highspy"}, path
        assert ".solve(" not in text and "build_model" not in text, path


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Every module of the engine and the engine modules it imports, at any depth.

    Imports inside functions count; imports for type checkers only (`if TYPE_CHECKING:`) do not.
    """
    paths = [*(ROOT / "architecture").rglob("*.py"), *(ROOT / "optimizer").rglob("*.py"), ROOT / "trade.py"]
    modules = {_module_name(path): path for path in paths}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {id(inner) for node in ast.walk(tree) if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
                       for inner in ast.walk(node)}
        for node in ast.walk(tree):
            if id(node) in typing_only:  # `if TYPE_CHECKING:` imports never run
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], *([base] if base else [])])
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
            graph[name] |= {target for target in targets if target in modules and target != name}
    return graph


def test_no_import_cycle():
    """Modules import in one direction only (imports inside functions included): a cycle hides a module with two jobs."""
    graph = _import_graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for other in sorted(graph[name]):
            if state.get(other) == 1:
                cycles.append(" -> ".join([*path[path.index(other):], other]))
            elif other not in state:
                visit(other, [*path, other])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_cycle_check_sees_imports_inside_functions():
    graph = _import_graph()
    assert "architecture.study" in graph["architecture.loading"]  # a top-level import
    assert "optimizer.decisions" in graph["optimizer.cli.study_commands"]  # an import inside a function


def test_cli_uses_only_public_functions():
    """The command line imports the engine by its package-level public names only (architecture, optimizer.<room>)."""
    rooms = {"architecture", "optimizer", *(f"optimizer.{p.name}" for p in (ROOT / "optimizer").iterdir() if (p / "__init__.py").exists())}
    for path in [ROOT / "trade.py", *(ROOT / "optimizer" / "cli").glob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module.split(".")[0] in ("architecture", "optimizer"):
                    assert node.module in rooms or node.module.startswith("optimizer.cli."), f"{path.name}: {node.module}"
                else:
                    allowed = ("__future__", "collections", "typing", "pathlib", "click", "datetime", "pandas", "functools", "os", "sys", "traceback")
                    assert node.module.split(".")[0] in allowed, node.module


def _python_files() -> list[Path]:
    return [path for path in ROOT.rglob("*.py") if not ({".git", "results", ".venv", "build"} & set(path.relative_to(ROOT).parts))]


def _own_private_names(trees: list[ast.AST]) -> set[str]:
    """Every underscore name the project itself defines: functions, classes, module names, attributes it assigns, fields."""
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.alias) and node.asname:
                names.add(node.asname)
    return {name for name in names if name.startswith("_")}


#: underscore names that are documented public API of the standard library: os._exit ("exit the process ... without calling
#: cleanup handlers", https://docs.python.org/3/library/os.html#os._exit)
DOCUMENTED_UNDERSCORE = {"_exit"}


def test_no_private_attribute_of_another_package():
    """No module reads an underscore attribute that another package defined (a new release may change it silently).

    Scans the source: an attribute, a getattr/hasattr string or an imported name starting with one underscore
    (dunders aside) must be one the project defines itself.
    """
    files = _python_files()
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in files}
    own = _own_private_names(list(trees.values()))
    project = {"architecture", "optimizer", "trade", "tests", "bench", "examples"}

    def private(name: str) -> bool:
        return name.startswith("_") and not (name.startswith("__") and name.endswith("__")) and name not in own | DOCUMENTED_UNDERSCORE

    found = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Attribute) and private(node.attr):
                found.append(f"{where}: .{node.attr}")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr", "setattr") \
                    and len(node.args) > 1 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str) \
                    and node.args[1].value.startswith("_") and not node.args[1].value.startswith("__"):
                found.append(f"{where}: {node.func.id}(..., {node.args[1].value!r})")
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] not in project:
                found.extend(f"{where}: from {node.module} import {alias.name}" for alias in node.names
                             if alias.name.startswith("_") and not alias.name.startswith("__"))
            elif isinstance(node, ast.ImportFrom) and node.module and any(part.startswith("_") and not part.startswith("__")
                                                                           for part in node.module.split(".")) \
                    and node.module.split(".")[0] not in project:
                found.append(f"{where}: from {node.module} import ...")
    assert not found, "private attributes of other packages:\n" + "\n".join(found)


def test_only_the_solver_boundary_imports_highspy():
    for path in [*(ROOT / "optimizer").rglob("*.py"), *(ROOT / "architecture").glob("*.py"), ROOT / "trade.py"]:
        if path.relative_to(ROOT).as_posix() not in {"optimizer/solve/highs.py", "optimizer/solve/highs_problem.py"}:
            assert "highspy" not in imports(path), path


def _engine_modules() -> list[Path]:
    return [*(ROOT / "architecture").rglob("*.py"), *(ROOT / "optimizer").rglob("*.py"), ROOT / "trade.py"]


def test_no_module_imports_private_names_of_another_room():
    """A room's underscore names are its own: another package (room) reaches it by its public names only."""
    found = []
    for path in _engine_modules():
        package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("architecture", "optimizer"):
                other = node.module.rpartition(".")[0] if node.module not in (package,) else node.module
                private = [alias.name for alias in node.names if alias.name.startswith("_") and not alias.name.startswith("__")]
                if private and other != package and node.module != package:
                    found.append(f"{path.relative_to(ROOT)}: {node.module} {private}")
    assert not found, "private names imported from another room:\n" + "\n".join(found)


MAX_MODULE_LINES = 400


def test_no_engine_module_is_over_400_lines():
    """Short modules with one job each: past about 400 lines a module holds two."""
    long = {path.relative_to(ROOT).as_posix(): n for path in _engine_modules()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"
