"What the package imports when it loads is what it declares: every third-party module a feed_nb module imports at its top level is a runtime dependency in pyproject.toml (not merely another package's dependency, which may drop it)."
import ast, re, sys, tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def _top_imports(path:Path) -> set:
    "Top-level names of the modules `path` imports outside any function (what importing it loads)"
    names = set()
    for node in ast.parse(path.read_text()).body:
        stmts = [node] + (node.body + node.orelse if isinstance(node, (ast.If, ast.Try)) else [])
        for n in stmts:
            if isinstance(n, ast.Import): names |= {a.name.split('.')[0] for a in n.names}
            elif isinstance(n, ast.ImportFrom) and n.level == 0: names.add(n.module.split('.')[0])
    return names - set(sys.stdlib_module_names) - {'feed_nb', '__future__'}

def _declared() -> set:
    deps = tomllib.loads((ROOT/'pyproject.toml').read_text())['project']['dependencies']
    return {re.split(r'[ <>=!~;\[]', d, maxsplit=1)[0].lower().replace('_', '-') for d in deps}

def test_top_level_imports_are_declared():
    dists, declared = packages_distributions(), _declared()
    missing = {}
    for p in sorted((ROOT/'feed_nb').glob('*.py')):
        for m in _top_imports(p):
            names = {d.lower().replace('_', '-') for d in dists.get(m, [m])}
            if not names & declared: missing.setdefault(m, []).append(p.name)
    assert not missing, f"imported but not declared in pyproject.toml's dependencies: {missing}"

def test_kaleido_is_a_dev_extra_only():
    "kaleido draws optional PNGs (viz.show falls back without it): a dev extra, never a runtime dependency"
    extras = tomllib.loads((ROOT/'pyproject.toml').read_text())['project']['optional-dependencies']
    assert 'kaleido' not in _declared() and any(d.startswith('kaleido') for d in extras['dev'])

def test_training_and_the_command_line_load_no_widgets():
    "Training, `compare` and the command line never import ipywidgets, IPython or t-SNE (the explorers live in `feed_nb.widgets`)"
    import subprocess
    heavy = ('ipywidgets', 'IPython', 'anywidget', 'sklearn.manifold', 'kaleido')
    code = ("import sys, feed_nb.cli, feed_nb.experiments, feed_nb.regimes, feed_nb.training; "
            f"print([m for m in {heavy!r} if m in sys.modules])")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == '[]', f"loaded by training or the command line: {r.stdout.strip()}"
