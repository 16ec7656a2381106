"""Run every benchmark and print one table (and, with `--md FILE`, write it as markdown).

    python run_all.py --quick     # small models; a few minutes on 2 CPU cores
    python run_all.py             # CIFAR-shaped: ResNet-20 students, ResNet-56 teachers, batch 128
    python run_all.py --smoke     # the smallest configs: proves every script runs (the test suite calls this)
`bench_peers` (fasterai and torchdistill side by side) needs the optional extra: pip install -e ".[bench]".
On a machine with CUDA, `bench_gpu.py` (images/s, bf16, channels-last) runs too; on a CPU only with `--smoke`.
"""
import argparse, time, importlib
import torch
from common import machine, fmt_table, md_table, tables
from bench_gpu import GPU_COLS

BENCHES = ['bench_kd', 'bench_methods', 'bench_batched', 'bench_cache', 'bench_scaling', 'bench_peers']

def run(quick=False, device='auto', smoke=False, only=None):
    rows = []
    names = BENCHES + (['bench_gpu'] if smoke or torch.cuda.is_available() or device == 'cuda' else [])
    for name in names:
        if only and name not in only: continue
        t0 = time.perf_counter()
        mod = importlib.import_module(name)
        out = mod.main(device=device, smoke=smoke) if name == 'bench_gpu' else mod.main(quick, device, smoke)
        rows += out
        print(f'{name}: {len(out)} rows in {time.perf_counter() - t0:.0f} s', flush=True)
    return rows

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--quick', action='store_true'); p.add_argument('--smoke', action='store_true')
    p.add_argument('--device', default='auto'); p.add_argument('--only', nargs='*', help='benchmark modules to run')
    p.add_argument('--md', help='also write the table as markdown to this file')
    a = p.parse_args()
    head = machine()
    rows = run(a.quick, a.device, a.smoke, a.only)
    gpu_rows = [r for r in rows if 'img_s' in r]
    rows = [r for r in rows if 'img_s' not in r]
    print(head); print(tables(rows))
    if gpu_rows: print(fmt_table(gpu_rows, GPU_COLS))
    if a.md:
        with open(a.md, 'w') as f:
            f.write(f'{head}\n\n{tables(rows, md_table)}\n')
            if gpu_rows: f.write('\n' + md_table(gpu_rows, GPU_COLS) + '\n')
