"""A fingerprint of the code a script runs: the script and every nnpdistill module it imports, directly or
through other modules, read as syntax trees without docstrings, so comments, docstrings and layout do not count.

The workflow gives each rule its script's fingerprint as a param, so an edit to nnpdistill/nnp/train.py reruns the
training jobs (and what depends on them) and leaves sampling alone. Parsing the ~40 files takes milliseconds.
"""

import ast
import hashlib
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
# Files a module uses that are not Python: the C++ plugin fix is compiled from this source by momt_plugin.
PLUGIN = PACKAGE / "sample" / "plugin"
DATA_FILES = {"sample.momt_plugin": sorted(PLUGIN.glob("*.cpp")) + sorted(PLUGIN.glob("*.h"))}


def _tree(path):
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return tree


def _file(name):
    """The file of a module of the package named relative to it ("nnp.train", "dataset"), or None."""
    path = PACKAGE.joinpath(*name.split("."))
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    return path / "__init__.py" if (path / "__init__.py").is_file() else None


def _imported_modules(tree, package):
    """Names (relative to nnpdistill) of the package modules a tree imports. package: where the tree lives,
    relative to nnpdistill ("" for the top, "nnp" for nnpdistill/nnp/), or None for a file outside it."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".", 1)[1] for a in node.names if a.name.startswith("nnpdistill.")}
            continue
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level == 0:
            if not node.module or node.module.split(".")[0] != "nnpdistill":
                continue
            base = node.module.split(".", 1)[1] if "." in node.module else ""
        elif package is None:
            continue
        else:
            parts = package.split(".") if package else []
            parts = parts[:len(parts) - (node.level - 1)]
            base = ".".join(parts + ([node.module] if node.module else []))
        if base:
            names.add(base)
        # from <package> import module, ...: the names that are modules
        names |= {f"{base}.{a.name}" if base else a.name for a in node.names}
    return {n for n in names if _file(n) is not None}


@cache
def _module(name):
    """(digest of the module's own code, the modules it imports)."""
    tree = _tree(_file(name))
    digest = hashlib.sha256(ast.dump(tree).encode())
    for extra in DATA_FILES.get(name, []):
        digest.update(extra.read_bytes())
    is_package = _file(name).name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    return digest.hexdigest(), frozenset(_imported_modules(tree, package))


def modules_of(script):
    """Every nnpdistill module script runs, sorted."""
    todo = list(_imported_modules(_tree(script), None))
    seen = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_module(name)[1] - seen)
    return sorted(seen)


def fingerprint(script):
    """A short hex digest of script's code and of every package module it runs."""
    digest = hashlib.sha256(ast.dump(_tree(script)).encode())
    for name in modules_of(script):
        digest.update(f"{name}:{_module(name)[0]}".encode())
    return digest.hexdigest()[:16]
