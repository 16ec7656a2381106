#!/usr/bin/env bash
# The ONE prepared script for a GPU machine lent through the `device` tool (an H200, Python 3.12 at python3 with torch
# 2.11 and torchvision 0.26, nothing downloadable). First, here: `bash tools/gpu_wheels.sh` (fills the ignored .whl/).
# Then one device call from the repo root:   run  command="bash tools/gpu_checks.sh"  carry=[".whl"]  timeout_s=540
# It installs the wheels into /tmp/site, puts /tmp/site and the repo on PYTHONPATH (no editable install there), and
# runs, each step under its own `timeout` (a hang costs that step only; the later ones still run) and all within
# BUDGET seconds (default 500) from its start:
#   install     the carried wheels into /tmp/site (at most 120 s; ~15 s seen here)
#   env         nvidia-smi, versions, .ci/check_torch.py, pip check, imports of everything the steps use (≤ 90 s)
#   bench_gpu   benchmarks/bench_gpu.py: images/s of scratch, pFEED (loop and vmap-stacked) and AFD in fp32, bf16,
#               bf16 + channels-last, peak memory (≤ 170 s)
#   bench_batched   P3: k = 2, 4, 8 ResNet-20 teachers stacked (vmap) against the loop, what batched='auto' picks (≤ 60 s)
#   cuda_cells  nbdev's test runner with `--flags cuda` on the notebooks that have `#| cuda` cells, 8 workers (≤ 220 s;
#               each notebook runs whole: the six took 105 s with 2 workers on the 2 loaded CPU cores here)
#   bench_peers fasterai and torchdistill side by side with feed_nb (CIFAR and digits shapes) (≤ 110 s)
#   bench_kd_methods, bench_cache_scaling   the CPU benchmarks' GPU counterparts, in whatever time is left
# A step that gets under 20 s is reported SKIPPED; the numbers are caps, and time a step does not use goes to the next.
# What comes back in $OUT (6 files, the device returns at most 8): summary.txt (each step's exit status and seconds),
# env.txt, cuda_cells.log, bench.log, bench.md (the tables, one section per step), gpu_util.csv (nvidia-smi every 5 s).
#
# Here, without a GPU:  OUT=/tmp/gout bash tools/gpu_checks.sh --dry-run
# runs every step with --smoke settings on the CPU with .venv/bin/python (one cuda notebook, whose cuda cells print
# 'skipped'), to prove the script itself works. Overridable: PY, OUT, BUDGET, NB_RE (the notebooks' file regex), WORKERS,
# CUDA_CAP (the notebooks' time limit).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DRY=0; [[ ${1:-} == --dry-run ]] && DRY=1
OUT=${OUT:-/tmp/gpu_out}; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 MPLBACKEND=Agg
T0=$(date +%s)
if (( DRY )); then
  PY=${PY:-$ROOT/.venv/bin/python}; BUDGET=${BUDGET:-1500}; WORKERS=${WORKERS:-1}; SMOKE=(--smoke --device cpu)
  NB_RE=${NB_RE:-'^10_kd\.ipynb$'}; CUDA_CAP=${CUDA_CAP:-900}; export OMP_NUM_THREADS=1
  export PYTHONPATH=$ROOT  # the venv has every package; the cp312 wheels are installed below only to prove they install
else
  PY=${PY:-python3}; BUDGET=${BUDGET:-500}; WORKERS=${WORKERS:-8}; SMOKE=()
  NB_RE=${NB_RE:-}; CUDA_CAP=${CUDA_CAP:-220}; export PYTHONPATH=/tmp/site:$ROOT
fi
SUM=$OUT/summary.txt; ENVF=$OUT/env.txt; BLOG=$OUT/bench.log; MD=/tmp/gpu_checks_md
rm -rf "$MD"; mkdir -p "$MD"; : >"$SUM"; : >"$ENVF"; : >"$BLOG"
note() { echo "$*" | tee -a "$SUM"; }
left() { echo $(( BUDGET - ($(date +%s) - T0) )); }

# step NAME CAP LOG CMD...: run CMD for at most min(CAP, time left - 5 s), output tee'd into LOG, status into summary
step() {
  local name=$1 cap=$2 log=$3; shift 3
  local t=$(( $(left) - 5 )); (( t > cap )) && t=$cap
  if (( t < 20 )); then note "$name: SKIPPED (only $(left) s of the ${BUDGET} s budget left)"; return; fi
  echo "===== $name (limit $t s) $(date -u +%H:%M:%S): $*" | tee -a "$log"
  local s=$(date +%s)
  timeout -k 10 "$t" bash -c '"$@"' "$name" "$@" 2>&1 | tee -a "$log"  # bash -c: CMD may be an exported function
  local rc=${PIPESTATUS[0]} d=$(( $(date +%s) - s )) what
  case $rc in 0) what=ok;; 124|137) what="TIMED OUT at $t s";; *) what=FAILED;; esac
  note "$name: rc=$rc $what (${d} s)"
}

note "gpu_checks.sh $( ((DRY)) && echo --dry-run) on $(hostname) at $(date -u +%FT%TZ); budget $BUDGET s; commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git status --porcelain 2>/dev/null | grep -q . && echo ' + uncommitted changes')"

# ---- install the carried wheels (on the device: the one python3; here: a python3.12 if there is one)
PIP_PY=$PY
if (( DRY )); then PIP_PY=$(command -v python3.12 >/dev/null && python3.12 -c 1 2>/dev/null && command -v python3.12 || ls /root/.pyenv/versions/3.12*/bin/python3.12 2>/dev/null | head -1); fi
if ls .whl/*.whl >/dev/null 2>&1 && [[ -n $PIP_PY ]]; then
  SITE=/tmp/site; (( DRY )) && SITE=/tmp/gpu_checks_site312
  step install 120 "$ENVF" "$PIP_PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" .whl/*.whl
else note "install: SKIPPED (no .whl/*.whl: run bash tools/gpu_wheels.sh here and carry .whl; or no python3.12 for the dry run)"; fi

# ---- the GPU's utilisation every 5 s while the steps run
SMI_PID=
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=timestamp,utilization.gpu,utilization.memory,memory.used,clocks.sm,power.draw,temperature.gpu \
    --format=csv -l 5 >"$OUT/gpu_util.csv" 2>&1 & SMI_PID=$!
fi

# ---- env: the machine, the versions, check_torch, pip check (only spacy should be missing: see gpu_wheels.sh), imports
env_check() {
  nvidia-smi 2>&1 || echo "no nvidia-smi"
  echo "python: $(command -v "$PY")  PYTHONPATH=$PYTHONPATH  cores=$(nproc --all)"
  "$PY" - <<'EOF'
import sys, importlib, importlib.metadata as md, platform
print(sys.version, platform.platform())
for p in ['torch', 'torchvision', 'numpy', 'fastai', 'fastcore', 'fastprogress', 'fasttransform', 'plum-dispatch', 'nbdev',
          'execnb', 'ipython', 'plotly', 'ipywidgets', 'anywidget', 'nbformat', 'scikit-learn', 'pandas', 'matplotlib',
          'fasterai', 'torch-pruning', 'torchdistill', 'einops', 'pillow', 'pygments', 'typing-extensions', 'rich']:
    try: print(f'{p} {md.version(p)}')
    except md.PackageNotFoundError: print(f'{p} MISSING')
import torch
print('cuda', torch.cuda.is_available(), torch.version.cuda, torch.cuda.get_device_name() if torch.cuda.is_available() else '',
      'bf16', torch.cuda.is_available() and torch.cuda.is_bf16_supported(), 'cudnn', torch.backends.cudnn.version())
bad = 0
for m in ['feed_nb', 'feed_nb.core', 'feed_nb.kd', 'feed_nb.factor_transfer', 'feed_nb.multi_teacher', 'feed_nb.online',
          'feed_nb.generations', 'feed_nb.perf', 'feed_nb.experiments', 'feed_nb.viz', 'feed_nb.cli', 'fastai.vision.all',
          'fastai.callback.fp16', 'fastai.callback.channelslast', 'nbdev.test', 'execnb.shell', 'plotly.graph_objects',
          'ipywidgets', 'anywidget', 'fasterai.distill.all', 'torchdistill.losses.mid_level', 'torchdistill.core.forward_hook']:
    try: importlib.import_module(m)
    except Exception as e: bad += 1; print(f'IMPORT FAILED {m}: {type(e).__name__}: {e}')
print(f'feed_nb from {importlib.import_module("feed_nb").__file__}; {bad} import failures')
sys.exit(1 if bad else 0)
EOF
  local rc=$?
  "$PY" .ci/check_torch.py || rc=1
  echo "--- pip check (expected: 'fastai ... requires spacy', not carried)"; "$PY" -m pip check 2>&1 | grep -v '^WARNING' | head -40
  return $rc
}
export -f env_check; export PY
step env 90 "$ENVF" env_check

# ---- benchmarks: one run_all.py per group, so that a timeout loses that group's table only
bench() {  # bench NAME CAP MODULES...
  local name=$1 cap=$2; shift 2
  step "$name" "$cap" "$BLOG" "$PY" benchmarks/run_all.py "${SMOKE[@]}" --only "$@" --md "$MD/$name.md"
}
bench bench_gpu 170 bench_gpu
bench bench_batched 60 bench_batched

# ---- the #| cuda cells (each notebook runs whole, its cuda cells included); 8 workers, 2 BLAS threads each
if [[ -z $NB_RE ]]; then
  NB_RE="^($(grep -l '#| cuda' nbs/*.ipynb | xargs -n1 basename | sed 's/\.ipynb$//; s/\./\\./g' | paste -sd'|'))\\.ipynb\$"
fi
echo "cuda notebooks: $NB_RE: $(ls nbs | grep -E "$NB_RE" | tr '\n' ' ')" | tee -a "$SUM"
cuda_cells() {
  # keyword arguments, not argv: fastcore's call_parse reads the command line only when run from a file (python -c
  # has no __file__), so `python -c '...nbdev_test()' --flags cuda` would silently test every notebook without them
  OMP_NUM_THREADS=${OMP_NUM_THREADS:-2} "$PY" -c 'import os; from nbdev.test import nbdev_test
nbdev_test(path="nbs", flags="cuda", file_re=os.environ["NB_RE"], n_workers=int(os.environ["WORKERS"]), timing=True,
           do_print=True, cell_timeout=180, cell_timing_min=15)'
}
export -f cuda_cells; export NB_RE WORKERS
step cuda_cells "$CUDA_CAP" "$OUT/cuda_cells.log" cuda_cells

bench bench_peers 110 bench_peers
bench bench_kd_methods 150 bench_kd bench_methods
bench bench_cache_scaling 150 bench_cache bench_scaling

# ---- gather the tables, stop the monitor
{ head -1 "$SUM"; for f in bench_gpu bench_batched bench_peers bench_kd_methods bench_cache_scaling; do
    echo; echo "## $f ($(grep "^$f:" "$SUM" | cut -d' ' -f2-))"; echo
    if [[ -s $MD/$f.md ]]; then cat "$MD/$f.md"; else echo "(no table: see bench.log)"; fi
  done; } >"$OUT/bench.md"
[[ -n $SMI_PID ]] && kill "$SMI_PID" 2>/dev/null
note "total $(( $(date +%s) - T0 )) s; files in \$OUT: $(ls "$OUT" | tr '\n' ' ')"
grep -qE 'FAILED|TIMED OUT|SKIPPED' "$SUM" && exit 1 || exit 0
