"""Execute notebooks in place, keeping their outputs, so a reader sees them without running anything.

Usage: python tools/execute_nbs.py NOTEBOOK [NOTEBOOK ...] [--flags "slow"] [--timeout 900]

Cells run as under nbdev-test: those flagged with one of nbdev's `tst_flags` (`#| slow`, `#| cuda`, `#| notest`) are not
run unless named in --flags, and keep the outputs they had (a slow cell's committed output stays, and is the record's
to show, not this tool's). Every other cell's outputs are replaced. Each notebook runs in a fresh kernel started in its
own folder (recorded files are read relative to it).

Plotly figures get a static PNG beside the interactive figure (PLOTLY_RENDERER=plotly_mimetype+png: kaleido with the
system's Chromium): a notebook viewer that runs no JavaScript (GitHub, the static docs) shows the PNG, JupyterLab the
interactive figure; no plotly.js is embedded. Explorers draw their static figure (FEED_NB_STATIC_FIGURES=1: no kernel
sits behind a committed notebook). Afterwards the notebooks are cleaned with nbdev-clean (metadata, execution counts).
"""
import argparse, json, os, subprocess, sys, time
from pathlib import Path

def flagged(cell, flags:set) -> bool:
    "True when `cell` carries a test flag that this run does not ask for (it is then not run)"
    lines = ''.join(cell.get('source', '')).splitlines()
    directives = {w for l in lines if l.startswith('#|') for w in l[2:].split()}
    return bool(directives & flags)

def execute(path:Path, flags:set, timeout:int):
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    kept = {}
    for i, c in enumerate(nb.cells):
        if c.cell_type == 'code' and flagged(c, flags):
            c.metadata.setdefault('tags', []).append('skip-execution'); kept[i] = c.get('outputs', [])
    NotebookClient(nb, timeout=timeout, kernel_name='python3', store_widget_state=False,
                   resources={'metadata': {'path': str(path.parent)}}).execute()
    for i, outs in kept.items():
        c = nb.cells[i]; c.outputs = outs
        c.metadata['tags'].remove('skip-execution')
        if not c.metadata['tags']: del c.metadata['tags']
    nbformat.write(nb, path)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('notebooks', nargs='+'); p.add_argument('--flags', default=''); p.add_argument('--timeout', type=int, default=900)
    a = p.parse_args()
    from nbdev.config import get_config
    skip = set(get_config().tst_flags.split()) - set(a.flags.split())
    os.environ.update(PLOTLY_RENDERER='plotly_mimetype+png', FEED_NB_STATIC_FIGURES='1', OMP_NUM_THREADS='1')
    for nb in map(Path, a.notebooks):
        start = time.perf_counter()
        execute(nb.resolve(), skip, a.timeout)
        subprocess.run([str(Path(sys.executable).parent/'nbdev-clean'), '--fname', str(nb)], check=True)
        print(f"{nb}: {time.perf_counter() - start:.0f} s, {nb.stat().st_size/1e3:.0f} kB")

if __name__ == '__main__': main()
