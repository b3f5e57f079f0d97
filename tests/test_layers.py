"""Imports only point down (STYLE.md §1).

Every module under ``torchbayes/`` is parsed (not imported) and each import, absolute or
relative, at module level or inside a function, is resolved to the module it names and mapped
to a layer:

    L0   _internal/  transforms/  distributions/
    L1   model/
    L2   io/  (the bottom of L2: its siblings may import it, it imports none of them)
    L2   mcmc/  vi/  optimize/  predictive/
    L3   everything else: sampling.py, pyro_compat/, graphviz.py, densities.py, __init__.py, ...

A module may import its own layer and the layers below it, never a layer above.
"""
import ast
from pathlib import Path
from typing import NamedTuple

import pytest

PACKAGE = "torchbayes"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE

# rank of each top-level entry; io ranks below its L2 siblings
LAYERS = {
    "_internal": (0, "L0"), "transforms": (0, "L0"), "distributions": (0, "L0"),
    "model": (1, "L1"),
    "io": (2.0, "L2 (io)"),
    "mcmc": (2.5, "L2"), "vi": (2.5, "L2"), "optimize": (2.5, "L2"), "predictive": (2.5, "L2"),
}
REST = (3, "L3")


class Import(NamedTuple):
    module: str     # the importing module, dotted
    target: str     # the imported module, dotted
    line: int


def layer_of(dotted: str) -> tuple:
    parts = dotted.split(".")
    if len(parts) < 2:
        return REST                      # torchbayes/__init__.py
    return LAYERS.get(parts[1], REST)


def module_name(path: Path, root: Path = ROOT) -> str:
    relative = path.relative_to(root.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, is_package: bool, known: set[str]) -> list[Import]:
    """The torchbayes modules that ``source`` (the text of ``module``) imports."""
    found = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    found.append(Import(module, alias.name, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            if origin.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                # ``from . import mcmc`` imports the submodule mcmc; ``from .x import f`` is x
                submodule = f"{origin}.{alias.name}"
                target = submodule if submodule in known else origin
                found.append(Import(module, target, node.lineno))
    return found


def violations(modules: dict[str, tuple[str, bool]]) -> list[str]:
    """``modules`` maps a dotted name to (source, is_package); upward imports, described."""
    known = set(modules)
    found = []
    for module, (source, is_package) in sorted(modules.items()):
        rank, label = layer_of(module)
        for item in imports_of(source, module, is_package, known):
            target_rank, target_label = layer_of(item.target)
            if target_rank > rank:
                found.append(f"{module} ({label}) line {item.line} imports {item.target} "
                             f"({target_label})")
    return found


def _package_modules(root: Path = ROOT) -> dict[str, tuple[str, bool]]:
    return {module_name(path, root): (path.read_text(), path.name == "__init__.py")
            for path in sorted(root.rglob("*.py"))}


def test_imports_only_point_down():
    modules = _package_modules()
    assert f"{PACKAGE}.model.density" in modules and len(modules) > 20
    found = violations(modules)
    assert not found, "upward imports (STYLE.md §1):\n" + "\n".join(found)


# -- the checker itself ----------------------------------------------------------------------------
def _fake(**sources):
    """Modules given as ``dotted__name=source`` (``__init__`` marks a package)."""
    modules = {}
    for key, source in sources.items():
        dotted = key.replace("__", ".")
        is_package = dotted.endswith(".init")
        modules[dotted.removesuffix(".init")] = (source, is_package)
    return modules


@pytest.mark.parametrize("modules, expected", [
    (_fake(torchbayes__distributions__normal="from ..model import Model",
           torchbayes__model__init=""),
     ["torchbayes.distributions.normal (L0) line 1 imports torchbayes.model (L1)"]),
    (_fake(torchbayes__model__density="from ..mcmc.nuts import NUTS",
           torchbayes__mcmc__nuts=""),
     ["torchbayes.model.density (L1) line 1 imports torchbayes.mcmc.nuts (L2)"]),
    (_fake(torchbayes__io__convert="def f():\n    import torchbayes.mcmc.sampler",
           torchbayes__mcmc__sampler=""),
     ["torchbayes.io.convert (L2 (io)) line 2 imports torchbayes.mcmc.sampler (L2)"]),
    (_fake(torchbayes__mcmc__init="from .. import sampling", torchbayes__sampling=""),
     ["torchbayes.mcmc (L2) line 1 imports torchbayes.sampling (L3)"]),
    (_fake(torchbayes__transforms__bounded="import torchbayes as tb", torchbayes__init=""),
     ["torchbayes.transforms.bounded (L0) line 1 imports torchbayes (L3)"]),
    (_fake(torchbayes__vi__elbo="from torchbayes import logp", torchbayes__init=""),
     ["torchbayes.vi.elbo (L2) line 1 imports torchbayes (L3)"]),
], ids=["L0->L1", "L1->L2", "io->L2 lazily", "L2->L3 package", "absolute top", "from top"])
def test_checker_flags_upward_imports(modules, expected):
    assert violations(modules) == expected


def test_checker_allows_downward_and_sideways_imports():
    modules = _fake(
        torchbayes__init="from .model import Model\nfrom . import mcmc",
        torchbayes__mcmc__init="from .nuts import NUTS",
        torchbayes__mcmc__nuts="from ..io import to_inference_data",
        torchbayes__mcmc__step_methods__assign="from ...distributions import Bernoulli\n"
                                               "from ...model.layout import free_layout\n"
                                               "from ...predictive import sample",
        torchbayes__transforms__registry="from ..distributions import constraints",
        torchbayes__model__context="from typing import TYPE_CHECKING\nimport torch",
        torchbayes__sampling="from .mcmc import run_mcmc",
    )
    assert violations(modules) == []
