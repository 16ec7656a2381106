#!/usr/bin/env bash
# Download into .whl/ the wheels (CPython 3.12, manylinux x86-64) of every package feed_nb's notebook tests and
# benchmarks need that the GPU machine's image lacks, so that one device `run` of tools/gpu_checks.sh (carry [".whl"])
# can install them offline. Run HERE, where PyPI answers, from the repo root:   bash tools/gpu_wheels.sh
#
# How the set is chosen (honestly, package by package): start from ROOTS; a package the device image already holds
# (DEVICE below, from /work/.library/device/KINDS.md, read 2026-11-17) is not carried, and its version is checked
# against every requirement on it where KINDS.md gives one (DEVICE_VERSIONS); any other is downloaded with
# `pip download --no-deps` at the version this repo's .venv runs (or PINS), and its Requires-Dist (markers evaluated
# for CPython 3.12 on Linux x86-64, no extras) are followed in turn. A requirement that is not needed to import what
# the checks use is left out only through SKIP, which says why. The last lines print what was carried and why, the
# total size, and the repo's own size (both travel: 64 MiB in all). .whl/MANIFEST.txt keeps that list.
#   PY=...          the interpreter whose installed versions are copied (default .venv/bin/python)
#   MAX_MIB=45      fail if the wheels weigh more
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
PY=${PY:-.venv/bin/python}
MAX_MIB=${MAX_MIB:-45}
grep -qxF '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> "$(git rev-parse --git-path info/exclude)"
rm -rf .whl && mkdir -p .whl

"$PY" - "$MAX_MIB" <<'EOF'
import sys, subprocess, zipfile, re, os, importlib.metadata as md
from pathlib import Path
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name as canon, parse_wheel_filename
from packaging.version import Version

MAX_MIB = float(sys.argv[1])
# what the checks import: the library's dependencies, nbdev's test runner (execnb + IPython), the bench extra (the peers)
ROOTS = ['fastai', 'fastcore', 'fastprogress', 'fastdownload', 'fasttransform', 'plum-dispatch', 'plotly', 'nbformat',
         'ipywidgets', 'anywidget', 'nbdev', 'execnb', 'ipython', 'fasterai', 'torchdistill']
# torch 2.11 / torchvision 0.26 there: torchdistill 1.1.5 requires torch>=2.12 and torchvision>=0.27 (its FSDP2 helpers
# in common/module_util.py); 1.1.4 requires torch>=2.5.1, and its KDLoss, FTLoss and ForwardHookManager (what
# benchmarks/bench_peers.py uses) differ from 1.1.5's only in line wrapping and a new opt-in `accumulates` argument
PINS = {'torchdistill': '1.1.4'}
SKIP = {  # declared requirements not carried, and why
    'spacy': "fastai declares it for fastai.text only (tokenizers); feed_nb imports fastai.basics/vision/callback, never fastai.text",
    'ipykernel': "not declared by anything carried; nbdev-test runs notebooks in-process through execnb's IPython shell, not a kernel",
}
# the device image's packages (KINDS.md, 'Python packages already there'), and the versions KINDS.md's pip list gives
DEVICE = set(map(canon, '''absl-py accelerate aiofiles aiohappyeyeballs aiohttp aiosignal annotated-doc anyio attrs botorch
build certifi charset-normalizer chex click cloudpickle cmake colorama contourpy coverage cuda-bindings cuda-core
cuda-pathfinder cuda-toolkit cupy-cuda13x cycler cython diffrax e3nn einops equinox etils execnet filelock flatbuffers flax
fonttools formulaic frozenlist fsspec gpytorch grpcio h11 h5py hf-xet httpcore httpx huggingface-hub humanize hypothesis
idna imageio iniconfig interface-meta jax jax-cuda13-pjrt jax-cuda13-plugin jaxlib jaxtyping jinja2 joblib kiwisolver
lazy-loader lightning lightning-utilities linear-operator lineax llvmlite lxml markdown markdown-it-py markupsafe matplotlib
mdurl meson ml-dtypes mpi4py mpmath msgpack multidict multipledispatch mypy-extensions nanobind narwhals networkx ninja
numba numba-cuda numpy numpyro nvidia-cublas nvidia-cuda-cupti nvidia-cuda-nvrtc nvidia-cuda-runtime nvidia-cudnn-cu13
nvidia-cufft nvidia-cufile nvidia-curand nvidia-cusolver nvidia-cusparse nvidia-cusparselt-cu13 nvidia-ml-py
nvidia-nccl-cu13 nvidia-nvjitlink nvidia-nvshmem-cu13 nvidia-nvtx onnx onnx-ir onnxruntime onnxscript
opencv-python-headless optax opt-einsum opt-einsum-fx optimistix orbax-checkpoint packaging pandas pathspec patsy peft
pillow pip pluggy portalocker prometheus-client propcache protobuf psutil pyarrow pybind11 py-cpuinfo pygments pyparsing
pyproject-hooks pyre-extensions pytest pytest-benchmark pytest-cov pytest-mock pytest-timeout pytest-xdist python-dateutil
pytorch-lightning pyyaml regex requests rich sacrebleu safetensors scikit-build-core scikit-image scikit-learn scipy
seaborn sentencepiece sentence-transformers setuptools shellingham simplejson six sortedcontainers statsmodels sympy
tabulate tensorboard tensorboard-data-server tensorstore threadpoolctl tifffile tiktoken timm tokenizers toolz torch
torchaudio torchdiffeq torch-geometric torchmetrics torchvision tqdm transformers treescope triton typer typing-extensions
typing-inspect urllib3 uvloop wadler-lindig werkzeug wheel wrapt xarray xxhash yarl zipp'''.split()))
DEVICE_VERSIONS = {canon(k): v for k, v in dict(accelerate='1.15.0', numpy='2.5.2', safetensors='0.8.0', torch='2.11.0',
    torchvision='0.26.0', torchaudio='2.11.0', triton='3.6.0', torchmetrics='1.9.0', transformers='5.17.0',
    tokenizers='0.23.2', huggingface_hub='1.33.0', onnx='1.23.1').items()}
ENV = dict(python_version='3.12', python_full_version='3.12.3', sys_platform='linux', platform_system='Linux',
           os_name='posix', platform_machine='x86_64', implementation_name='cpython',
           platform_python_implementation='CPython', platform_release='', platform_version='', extra='')
PLATFORMS = [f'manylinux_2_{n}_x86_64' for n in range(39, 16, -1)] + ['manylinux2014_x86_64', 'manylinux1_x86_64']
WHL = Path('.whl')

def here_version(name):
    try: return md.version(name)
    except md.PackageNotFoundError: return None

def download(name, version):
    spec = f'{name}=={version}' if version else name
    cmd = [sys.executable, '-m', 'pip', 'download', '-q', '--no-deps', '--only-binary=:all:', '--python-version', '3.12',
           '--implementation', 'cp', '--abi', 'cp312', '--abi', 'abi3', '--abi', 'none', *[a for p in PLATFORMS for a in ('--platform', p)],
           '-d', str(WHL), spec]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode: sys.exit(f'pip download {spec} failed:\n{r.stderr[-2000:]}')
    hits = [f for f in WHL.glob('*.whl') if canon(parse_wheel_filename(f.name)[0]) == canon(name)]
    assert len(hits) == 1, (name, hits)
    return hits[0]

def requires(whl):
    with zipfile.ZipFile(whl) as z:
        meta = next(n for n in z.namelist() if n.endswith('.dist-info/METADATA'))
        text = z.read(meta).decode()
    reqs = [Requirement(l.split(':', 1)[1].strip()) for l in text.splitlines() if l.startswith('Requires-Dist:')]
    return [r for r in reqs if r.marker is None or r.marker.evaluate(ENV)]

carried, why, problems, notes, queue = {}, {}, [], [], [(r, 'root', None) for r in ROOTS]
while queue:
    name, by, req = queue.pop(0)
    n = canon(name)
    if n in SKIP:
        notes.append(f'skipped {name} (required by {by}): {SKIP[n]}'); continue
    if n in DEVICE:
        v = DEVICE_VERSIONS.get(n)
        if req is not None and req.specifier and v is not None and not req.specifier.contains(Version(v), prereleases=True):
            problems.append(f'{by} requires {req}, the device has {name} {v}')
        elif req is not None and req.specifier and v is None:
            notes.append(f'on the device, version not known here: {by} requires {req} (gpu_checks.sh runs pip check there)')
        continue
    if n in carried:
        v = carried[n][1]
        if req is not None and not req.specifier.contains(Version(v), prereleases=True):
            problems.append(f'{by} requires {req}, carried {name} {v}')
        continue
    version = PINS.get(n) or here_version(name)
    whl = download(name, version)
    _, v, _, tags = parse_wheel_filename(whl.name)
    if req is not None and not req.specifier.contains(v, prereleases=True):
        problems.append(f'{by} requires {req}, carried {name} {v}')
    carried[n] = (whl, str(v)); why[n] = by
    for r in requires(whl):
        if r.extras: notes.append(f'{name} requires {r}: extras [{",".join(sorted(r.extras))}] not carried (serving only)')
        queue.append((r.name, f'{name} {v}', r))

def fits(t):  # a tag CPython 3.12 on Linux x86-64 installs: pure Python, cp312, or the stable ABI of an older CPython
    py = t.interpreter in ('py3', 'cp312') or (t.abi == 'abi3' and re.fullmatch(r'cp3(\d+)', t.interpreter) and int(t.interpreter[3:]) <= 12)
    return py and t.abi in ('none', 'cp312', 'abi3') and (t.platform == 'any' or t.platform.endswith('x86_64'))
bad = [f.name for f, _ in carried.values() if not any(fits(t) for t in parse_wheel_filename(f.name)[3])]
if bad: problems.append(f'wheels not for CPython 3.12: {bad}')
names = [canon(parse_wheel_filename(f.name)[0]) for f in WHL.glob('*.whl')]
dups = sorted({x for x in names if names.count(x) > 1})
if dups: problems.append(f'more than one version of {dups}')
total = sum(f.stat().st_size for f, _ in carried.values())
lines = [f'{f.name}  {f.stat().st_size/2**20:.2f} MiB  (for {why[n]})' for n, (f, _) in sorted(carried.items())]
lines += notes + [f'{len(carried)} wheels, {total/2**20:.1f} MiB']
(WHL / 'MANIFEST.txt').write_text('\n'.join(lines) + '\n')
print('\n'.join(lines))
repo = int(subprocess.run('git archive HEAD | wc -c', shell=True, capture_output=True, text=True).stdout)
print(f'repo (git archive HEAD): {repo/2**20:.1f} MiB; wheels + repo: {(total + repo)/2**20:.1f} MiB of the 64 MiB that travel')
if total > MAX_MIB * 2**20: problems.append(f'wheels weigh {total/2**20:.1f} MiB > {MAX_MIB} MiB')
if problems: sys.exit('PROBLEMS:\n' + '\n'.join(problems))
print('OK: one version per package, every wheel py3/cp312, every requirement met where a version is known')
EOF

# the wheels install on a CPython 3.12 (the device's python3 is 3.12.3), where one is found here
PY312=$(python3.12 -c 'import sys; print(sys.executable)' 2>/dev/null || ls /root/.pyenv/versions/3.12*/bin/python3.12 2>/dev/null | head -1 || true)
if [[ -n $PY312 ]]; then
  d=$(mktemp -d)
  "$PY312" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$d" .whl/*.whl 2>&1 | grep -v '^WARNING: Running pip as' || true
  n=$(ls -d "$d"/*.dist-info 2>/dev/null | wc -l); rm -rf "$d"
  echo "installed with $PY312 --no-index --no-deps: $n of $(ls .whl/*.whl | wc -l) wheels"
  [[ $n == $(ls .whl/*.whl | wc -l) ]] || { echo "not every wheel installed on CPython 3.12"; exit 1; }
else echo "no python3.12 here: the wheels' tags were checked, not an install"; fi
