"""Run every benchmark and print one table. `--quick` is small enough for a 2-core CPU in about a minute."""
import argparse
from common import machine, fmt_table
import bench_kd

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--quick', action='store_true'); p.add_argument('--device', default='auto')
    a = p.parse_args()
    print(machine())
    rows = bench_kd.main(a.quick, a.device)
    print(fmt_table(rows, ['bench', 'k', 'fastai_ms', 'plain_ms', 'ratio', 'target']))
