"""The docs site (`make docs`): `tools/build_docs.py` builds the pages of the figure notebooks (20_viz, 21_widgets,
22_diagrams, 23_factor_figures: every kind of figure, both explorers, the set-up diagrams, `show_doc` output, formulas), and headless Chromium
renders them with no network: every plotly figure is drawn by the site's own plotly.js and the formulas by its own MathJax.
The whole site is `make docs`, outside the test command.
"""
import re, subprocess, sys
from pathlib import Path
import pytest
from test_browser import FLAGS, chromium  # the browser, installed or skipped the same way

ROOT = Path(__file__).resolve().parent.parent
NBS = [ROOT/'nbs'/f'{n}.ipynb' for n in ('20_viz', '21_widgets', '22_diagrams', '23_factor_figures')]
PAGES = ('viz.html', 'widgets.html', 'diagrams.html', 'factor_figures.html')
sys.path.insert(0, str(ROOT/'tools'))
import build_docs

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    "A site built from the figure notebooks alone: (folder, the pages' HTML joined)"
    build_docs.ensure_tools()
    out = tmp_path_factory.mktemp('site')
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'build_docs.py'), *map(str, NBS), '--out', str(out), '--workers', '1'],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"build_docs failed:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}"
    return out, '\n'.join((out/p).read_text() for p in PAGES)

FIGURES = 15  # what the four notebooks show: seven figures, six set-up diagrams and two explorers (static on a page)

def test_page_loads_nothing_from_the_network(site):
    out, page = site
    assert not re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(?:https?:)?//', page), "the page loads something remotely"
    assert '<script src="plotly.min.js">' in page and (out/'plotly.min.js').stat().st_size > 1_000_000
    assert 'src="mathjax/MathJax.js?config=' in page and (out/'mathjax'/'MathJax.js').exists()
    index = (out/'index.html').read_text()
    for p, title in zip(PAGES, ('Figures', 'Widgets: explorers that update in place', 'Diagrams: pictures of the ideas', 'Factor figures')):
        assert f'<a href="{p}">{title}</a>' in index, p

def test_page_shows_what_a_reader_needs(site):
    "Code and show_doc output are there; hidden test cells, nbdev directives and widget views are not"
    page = site[1]
    assert re.search(r'def</span>(<span class="w"> </span>| )<span class="nf">plot_training_curves<', page), "the exported code is missing"
    assert re.search(r'<h3[^>]*>plot_training_curves', page), "show_doc's output is missing"
    assert 'test_eq(' not in page and '#| export' not in page and '#| hide' not in page
    assert 'application/vnd.jupyter.widget-view+json' not in page and '{target=' not in page

def test_chromium_draws_the_page_offline(site, chromium, tmp_path):
    out, page = site
    n = page.count('class="plotly-graph-div"')
    assert n >= FIGURES, f"the pages have {n} figures, the notebooks show {FIGURES}"
    for p in PAGES:
        r = subprocess.run([chromium, *FLAGS, f'--user-data-dir={tmp_path/"profile"}', '--window-size=1280,4000',
                            '--virtual-time-budget=20000', '--dump-dom', (out/p).as_uri()],
                           capture_output=True, text=True, timeout=180)
        assert r.returncode == 0, r.stderr[-2000:]
        dom = r.stdout
        assert 'Uncaught' not in r.stderr, r.stderr[-2000:]
        drawn = [part.count('class="main-svg"') > 0 for part in dom.split('class="plotly-graph-div')[1:]]
        want = (out/p).read_text().count('class="plotly-graph-div"')
        assert len(drawn) == want and all(drawn), f"{p}: plotly drew {sum(drawn)} of {want} figures"
        if p == 'factor_figures.html': assert 'class="MathJax' in dom, "MathJax did not typeset the formulas"
