"""Keep `make demo`'s results beside the index: `python tools/record_demo.py runs/demo/results.json [--cpu-min M --wall-min W]`.

Writes nbs/demo.json: the comparison's configuration, teachers, data and per-seed results (accuracies, sizes, speeds; no
per-epoch histories, no machine paths), the package version and commit that made it, and the time it took. The index renders
the README's demo table and its reading from this file; a test checks that its configuration is the one `make demo` runs."""
import argparse, json, subprocess
from pathlib import Path
import feed_nb

KEEP = ('accuracy', 'baseline_accuracy', 'generation_accuracy', 'params', 'secs_per_epoch')

def slim(res:dict) -> dict:
    runs = {m: [{k: r[k] for k in KEEP if k in r} for r in rs] for m, rs in res['runs'].items()}
    return dict(config=res['config'], teachers=res['teachers'], data=res['data'], baselines=res['baselines'], runs=runs)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('results'); ap.add_argument('--cpu-min', type=float); ap.add_argument('--wall-min', type=float)
    ap.add_argument('--out', default=str(Path(__file__).resolve().parents[1]/'nbs'/'demo.json'))
    a = ap.parse_args()
    res = json.loads(Path(a.results).read_text())
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True, cwd=Path(a.results).parent).stdout.strip()
    out = dict(made_by='make demo', version=feed_nb.__version__, commit=commit or None, cpu_min=a.cpu_min, wall_min=a.wall_min, **slim(res))
    tmp = Path(a.out).with_suffix('.tmp'); tmp.write_text(json.dumps(out, indent=1) + '\n'); tmp.replace(a.out)
    print(f"wrote {a.out}")
