"A built wheel, installed without the source tree on the path, ships every module and imports."
import os, subprocess, sys, zipfile
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent

@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp('wheel')
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', str(out), str(ROOT)],
                   check=True, cwd=out)
    return next(out.glob('feed_nb-*.whl'))

def test_wheel_holds_every_module(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    src = {f'feed_nb/{p.name}' for p in (ROOT/'feed_nb').glob('*.py')}
    assert src <= names, f"missing from the wheel: {sorted(src - names)}"

def test_installed_wheel_imports_outside_the_checkout(wheel, tmp_path):
    target = tmp_path/'site'
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--no-deps', '-q', '--target', str(target), str(wheel)], check=True)
    mods = sorted(p.stem for p in (ROOT/'feed_nb').glob('*.py') if not p.stem.startswith('_'))
    code = ("import importlib, feed_nb, sys; "
            f"assert feed_nb.__file__.startswith({str(target)!r}), feed_nb.__file__; "
            f"[importlib.import_module('feed_nb.'+m) for m in {mods!r}]; print(feed_nb.__version__)")
    env = {**os.environ, 'PYTHONPATH': str(target)}
    r = subprocess.run([sys.executable, '-c', code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == __import__('feed_nb').__version__
