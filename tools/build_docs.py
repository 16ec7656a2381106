"""Build the docs site: run every notebook in a Jupyter kernel and render it to a static HTML page, plus an index.

Usage: python tools/build_docs.py [NOTEBOOK ...] [--out _site] [--workers 2] [--flags "slow"]
(`make docs` runs it on every notebook; `make docs DOCS_FLAGS=slow` runs the slow cells too)

No Quarto (the registries have none that installs here). nbdev's own `add_show_docs` adds the `show_doc` cells that
nbdev's docs would show under each exported definition. Cells run as under nbdev-test: those flagged with one of
nbdev's `tst_flags` (`#| slow`, `#| cuda`, `#| notest`) are shown but not run unless named in --flags (the tutorials'
full measurements take hours on two cores; their fast configuration runs), with a note saying so. `#| hide` and
`#| default_exp` cells run but are not shown, nor the `#|` lines.
Figures are static plotly figures (explorers included: FEED_NB_STATIC_FIGURES=1, a page has no kernel behind it),
drawn by the site's own copy of plotly.js; formulas by MathJax from the jupyter-server-mathjax package. A page loads
nothing from the network. The tools it needs (nbconvert, jupyter-server-mathjax) are installed with pip when missing.
"""
import argparse, html, importlib.util, json, os, re, shutil, subprocess, sys, time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS, TEMPLATES = ROOT/'nbs', Path(__file__).resolve().parent/'docs_templates'
TOOLS = {'nbconvert': 'nbconvert', 'jupyter_server_mathjax': 'jupyter-server-mathjax'}  # module -> pip package
REMOVE_CELL, REMOVE_INPUT, SKIP = 'docs-remove-cell', 'docs-remove-input', 'skip-execution'  # SKIP: nbclient's own tag
PLOTLY_MIME = 'application/vnd.plotly.v1+json'

def ensure_tools():
    "pip-install the docs tools that this Python lacks"
    missing = [pkg for mod, pkg in TOOLS.items() if importlib.util.find_spec(mod) is None]
    if missing: subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', *missing], check=True)

def all_notebooks() -> list:
    "The overview, the tutorials, then the API notebooks in their numbered order"
    return [NBS/'index.ipynb', *sorted((NBS/'tutorials').glob('*.ipynb')), *sorted(NBS.glob('[0-9]*.ipynb'))]

def page_name(rel) -> Path:
    "Page of the notebook at `rel` (relative to nbs/ or to a notebook): nbdev's name, numeric prefix dropped; index is the overview"
    rel = Path(rel)
    if rel.name == 'index.ipynb': return rel.with_name('overview.html')
    return rel.with_name(re.sub(r'^\d+[a-zA-Z0-9]*_', '', rel.name.lower())).with_suffix('.html')

def page_of(nb:Path) -> Path: return page_name(nb.resolve().relative_to(NBS))

def heading(nb:Path) -> tuple:
    "(title, summary) from the notebook's first markdown cell (`# Title` and `> summary`)"
    src = next((''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'markdown'), '')
    title = next((l[2:].strip() for l in src.splitlines() if l.startswith('# ')), nb.stem)
    summary = ' '.join(l[2:].strip() for l in src.splitlines() if l.startswith('> '))
    return title, summary

def _tag(c, skip:set):
    "The docs tag of processed cell `c`: hidden, output only (show_doc), not run (a flag in `skip`), or none"
    if {'hide', 'default_exp'} & set(c.directives_): return REMOVE_CELL
    if getattr(c, 'has_sd', False): return REMOVE_INPUT
    if c.cell_type == 'code' and skip & set(c.directives_): return SKIP

def prepare(nb_path:Path, flags=()):
    "The notebook with nbdev's `show_doc` cells added and the `#|` lines removed; cells to hide or not to run are tagged"
    import nbformat
    from fastcore.nbio import nb2dict, mk_cell
    from nbdev.config import get_config
    from nbdev.process import NBProcessor
    from nbdev.processors import add_show_docs
    proc = NBProcessor(nb_path, procs=[add_show_docs], rm_directives=True)
    proc.process()
    skip = set(get_config().tst_flags.split()) - set(flags)
    for c in proc.nb.cells:
        if tag := _tag(c, skip):
            c.metadata['tags'] = [*c.metadata.get('tags', []), tag]
            if tag == SKIP: c.metadata['docs_flags'] = sorted(skip & set(c.directives_))
    setup = mk_cell('from nbdev.showdoc import show_doc', 'code')
    setup.metadata['tags'] = [REMOVE_CELL]
    nb = nbformat.reads(json.dumps(nb2dict(proc.nb)), as_version=4)
    nb.cells.insert(0, nbformat.from_dict({**nb2dict(setup), 'source': setup.source}))
    for i, c in enumerate(nb.cells): c.setdefault('id', f'docs-{i}')
    return nb

def execute(nb, cwd:Path, timeout:int=900):
    "Run every cell of `nb` in a fresh kernel started in `cwd`"
    from nbclient import NotebookClient
    NotebookClient(nb, timeout=timeout, kernel_name='python3', store_widget_state=False,
                   resources={'metadata': {'path': str(cwd)}}).execute()
    nb.metadata.pop('widgets', None)
    return nb

_SOURCE_LINK = re.compile(r'\[source\]\([^)]*\)\{[^}]*\}\s*')  # show_doc's Quarto-only link to a hosted repository

def _not_run(flags) -> dict:
    import nbformat
    why = ', '.join(f'`#| {f}`' for f in flags)
    return nbformat.v4.new_output('display_data', {'text/markdown': f'*Not run for this page ({why} cell); '
                                  f'`make docs DOCS_FLAGS="{" ".join(flags)}"` runs it.*'})

def static_outputs(nb):
    "Each plotly output as the HTML that draws it with the page's plotly.js; `show_doc` output without Quarto syntax"
    import plotly.io as pio
    for c in nb.cells:
        if SKIP in c.metadata.get('tags', []): c.outputs = [_not_run(c.metadata['docs_flags'])]
    for o in (o for c in nb.cells for o in c.get('outputs', [])):
        data = o.get('data', {})
        if PLOTLY_MIME in data:
            o['data'] = {'text/html': pio.to_html(data[PLOTLY_MIME], include_plotlyjs=False, full_html=False, validate=False)}
        elif 'text/markdown' in data: data['text/markdown'] = _SOURCE_LINK.sub('', data['text/markdown'])
    return nb

def _links(page:str) -> str:
    "Links to other notebooks point to their pages"
    def sub(m): return f'href="{page_name(m[1]).as_posix()}{m[2] or ""}"'
    return re.sub(r'href="(?![a-z]+:)([^"#]*?\.ipynb)(#[^"]*)?"', sub, page)

def render(nb, page:Path, title:str) -> str:
    "The HTML page of the executed `nb`, to be written at `page` (relative to the site root)"
    from nbconvert import HTMLExporter
    from traitlets.config import Config
    cfg = Config()
    cfg.TagRemovePreprocessor.update(enabled=True, remove_cell_tags={REMOVE_CELL}, remove_input_tags={REMOVE_INPUT})
    ex = HTMLExporter(config=cfg, template_name='feed_docs', extra_template_basedirs=[str(TEMPLATES)],
                      exclude_input_prompt=True, exclude_output_prompt=True)
    root = '../'*(len(page.parts) - 1)
    body, _ = ex.from_notebook_node(nb, resources={'site_root': root, 'metadata': {'name': f'{title} · feed_nb'}})
    return _links(body)

def build_one(nb_path:Path, out:Path, timeout:int, flags=()) -> tuple:
    "Execute and render one notebook; (page, seconds)"
    t, page = time.time(), page_of(nb_path)
    nb = static_outputs(execute(prepare(nb_path, flags), nb_path.parent, timeout))
    (out/page).parent.mkdir(parents=True, exist_ok=True)
    (out/page).write_text(render(nb, page, heading(nb_path)[0]), encoding='utf-8')
    return page, time.time() - t

GROUPS = (('Start here', lambda p: p == Path('overview.html')), ('Tutorials', lambda p: p.parts[0] == 'tutorials'),
          ('API: one notebook per module', lambda p: True))

def _code(text:str) -> str: return re.sub(r'`([^`]+)`', r'<code>\1</code>', html.escape(text))

def index_html(built:list) -> str:
    "The site's front page: every notebook's page, grouped, with its title and summary"
    parts, left = [], list(built)
    for name, member in GROUPS:
        rows = [b for b in left if member(b[1])]
        left = [b for b in left if b not in rows]
        if rows: parts.append(f'<h2>{name}</h2>\n<ul>\n' + '\n'.join(
            f'<li><a href="{p.as_posix()}">{html.escape(t)}</a><br><span class="summary">{_code(s)}</span></li>'
            for _, p, t, s in rows) + '\n</ul>')
    return (INDEX_HEAD + '\n'.join(parts) +
            '\n<p class="summary">Built by <code>make docs</code> from the executed notebooks in <code>nbs/</code>.</p>\n</body></html>\n')

INDEX_HEAD = '''<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>feed_nb documentation</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
li{margin:.6rem 0}.summary{color:#555;font-size:.92rem}</style></head>
<body><h1>feed_nb documentation</h1>
<p>Ensemble and feature-level knowledge distillation as fastai callbacks, taught in notebooks. Each page is a notebook
of the repository, run top to bottom: its code, its figures and the documentation of what it exports.</p>
'''

def copy_assets(out:Path):
    "plotly.js and MathJax, from their Python packages, into the site"
    import plotly, jupyter_server_mathjax
    shutil.copy(Path(plotly.__file__).parent/'package_data'/'plotly.min.js', out/'plotly.min.js')
    shutil.copytree(Path(jupyter_server_mathjax.__file__).parent/'static', out/'mathjax', dirs_exist_ok=True)

def _why(e:Exception) -> str: return f'{type(e).__name__}: {e}{e.__cause__ or ""}'

def build(notebooks:list, out:Path, workers:int=2, timeout:int=900, flags=()) -> list:
    "Build the pages of `notebooks` and the index into `out`; [(notebook, page, title, summary)]"
    # one thread per kernel; figures as plotly JSON, explorers static; libraries' deprecation notices are not the reader's
    os.environ.update(OMP_NUM_THREADS='1', PLOTLY_RENDERER='plotly_mimetype', FEED_NB_STATIC_FIGURES='1',
                      PYTHONWARNINGS='ignore::FutureWarning,ignore::DeprecationWarning')
    out.mkdir(parents=True, exist_ok=True)
    copy_assets(out)
    failed = {}
    with ProcessPoolExecutor(workers) as pool:
        jobs = {pool.submit(build_one, nb, out, timeout, flags): nb for nb in notebooks}
        for job in as_completed(jobs):
            nb = jobs[job]
            try: report = '{} ({:.0f} s)'.format(*job.result())
            except Exception as e: failed[nb], report = e, f'FAILED, {_why(e)[-300:]}'
            print(f'{nb.relative_to(ROOT)} -> {report}', flush=True)
    if failed:
        msg = '\n\n'.join(f'{nb.relative_to(ROOT)}: {_why(e)[-3000:]}' for nb, e in failed.items())
        raise SystemExit(f'The docs could not be built; these notebooks failed:\n\n{msg}')
    built = [(nb, page_of(nb), *heading(nb)) for nb in notebooks]
    (out/'index.html').write_text(index_html(built), encoding='utf-8')
    return built

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='*', type=Path, help='notebooks to build (default: all of nbs/)')
    ap.add_argument('--out', type=Path, default=ROOT/'_site', help='site folder (default: _site)')
    ap.add_argument('--workers', type=int, default=2, help='notebooks run side by side (default: 2)')
    ap.add_argument('--timeout', type=int, default=900, help='seconds a cell may run (default: 900)')
    ap.add_argument('--flags', default='', help='nbdev test flags whose cells run too, space-separated, e.g. "slow" (as nbdev-test)')
    a = ap.parse_args(argv)
    nbs = [p.resolve() for p in a.notebooks] or all_notebooks()
    if bad := [str(p) for p in nbs if not p.is_file() or NBS not in p.parents]:
        raise SystemExit(f'Not notebooks under nbs/: {bad}')
    ensure_tools()
    t = time.time()
    build(nbs, a.out.resolve(), a.workers, a.timeout, a.flags.split())
    print(f'{len(nbs)} pages and index.html in {a.out} ({time.time() - t:.0f} s); open {a.out/"index.html"}')

if __name__ == '__main__': main()
