"""A fingerprint of the code a script runs: the script and every nnpdistill module it imports, directly or
through other modules, read as syntax trees without docstrings, so comments, docstrings and layout do not count.

The workflow gives each rule its script's fingerprint as a param, so an edit to nnpdistill/train.py reruns the
training jobs (and what depends on them) and leaves sampling alone. Parsing the ~40 files takes milliseconds.
"""

import ast
import hashlib
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
# Files a module uses that are not Python: the C++ plugin fix is compiled from this source by momt_plugin.
DATA_FILES = {"momt_plugin": sorted((PACKAGE / "plugin").glob("*.cpp")) + sorted((PACKAGE / "plugin").glob("*.h"))}


def _tree(path):
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return tree


def _imported_modules(tree, package_relative):
    """Names of the nnpdistill modules a tree imports. package_relative: the tree is a module of the package,
    so `from . import x` and `from .x import y` refer to it."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[1] for a in node.names if a.name.startswith("nnpdistill.")}
        elif isinstance(node, ast.ImportFrom):
            inside = (node.level == 1 and package_relative) or (node.level == 0 and node.module
                                                                 and node.module.split(".")[0] == "nnpdistill")
            if not inside:
                continue
            parts = (node.module or "").split(".")
            sub = parts[1:] if node.level == 0 else parts
            if sub and sub[0]:
                names.add(sub[0])
            else:  # from nnpdistill import a, b / from . import a, b
                names |= {a.name for a in node.names}
    return {n for n in names if (PACKAGE / f"{n}.py").is_file()}


@cache
def _module(name):
    """(digest of the module's own code, the modules it imports)."""
    tree = _tree(PACKAGE / f"{name}.py")
    digest = hashlib.sha256(ast.dump(tree).encode())
    for extra in DATA_FILES.get(name, []):
        digest.update(extra.read_bytes())
    return digest.hexdigest(), frozenset(_imported_modules(tree, package_relative=True))


def modules_of(script):
    """Every nnpdistill module script runs, sorted."""
    todo = list(_imported_modules(_tree(script), package_relative=False))
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
