"""feed_nb's figures in a real browser: a self-contained page rendered by headless Chromium draws every plot, and a live
explorer served by Voilà answers a control change (and shows a failed update in the widget).

Chromium is Debian's `chromium` package. Where it is missing, the set-up installs it with `apt-get install -y chromium`
(as root, with apt available); the tests are skipped, saying why, only where no browser can be installed.
The page carries plotly.js inline and Chromium runs with networking features off: no CDN, no network (Voilà is on
127.0.0.1). Voilà and Playwright (which drives the system's Chromium; it downloads no browser) come from PyPI and are
installed with pip when missing.
"""
import importlib.util, os, re, shutil, signal, socket, subprocess, sys, time
import pytest

CANDIDATES = ('/usr/bin/chromium', 'chromium', 'chromium-browser')
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--disable-extensions',
         '--host-resolver-rules=MAP * ~NOTFOUND', '--hide-scrollbars', '--enable-logging=stderr', '--v=0']
WINDOW = (1280, 5200)

def _find_chromium():
    for c in (os.environ.get('CHROMIUM'), *CANDIDATES):
        if c and (p := shutil.which(c)): return p

def _apt_install(*args):
    env = {**os.environ, 'DEBIAN_FRONTEND': 'noninteractive'}
    return subprocess.run(['apt-get', *args], env=env, capture_output=True, text=True, timeout=1800)

def _install_chromium() -> str:
    "Install Debian's chromium; return why it could not be, or ''"
    if not hasattr(os, 'geteuid') or os.geteuid() != 0: return "not running as root"
    if not shutil.which('apt-get'): return "apt-get is not available"
    r = _apt_install('install', '-y', 'chromium')
    if r.returncode: # stale package lists: refresh once and retry
        _apt_install('update')
        r = _apt_install('install', '-y', 'chromium')
    return '' if r.returncode == 0 and _find_chromium() else f"`apt-get install -y chromium` failed: {(r.stderr or r.stdout)[-300:]}"

@pytest.fixture(scope='session')
def chromium():
    if (path := _find_chromium()): return path
    why = _install_chromium()
    if why or not (path := _find_chromium()):
        pytest.skip(f"No Chromium for the browser test ({why or 'not found after install'}); "
                    "install Debian's `chromium` package (apt-get install -y chromium) to run it")
    return path

def _run_chromium(chromium, tmp_path, *args):
    "Run headless Chromium with a fresh profile; return (stdout, stderr)"
    cmd = [chromium, *FLAGS, f'--user-data-dir={tmp_path/"profile"}', f'--window-size={WINDOW[0]},{WINDOW[1]}', *args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"chromium exited with {r.returncode}: {r.stderr[-2000:]}"
    return r.stdout, r.stderr

def _figures():
    "One figure of each kind, from synthetic data and tiny untrained networks (no training, a few seconds)"
    import torch
    from torch import nn
    from feed_nb.testing import tiny_cnn
    from feed_nb import viz, widgets, factor_figures
    g = torch.Generator().manual_seed(0)
    probs = torch.randn(3, 60, 4, generator=g).mul(2).softmax(-1)
    y, student = torch.randint(0, 4, (60,), generator=g), torch.randn(60, 4, generator=g).softmax(-1)
    rec = {'train_loss': [1., .7, .5], 'valid_loss': [1.1, .8, .7], 'accuracy': [.5, .7, .8], 'ce': [.9, .6, .4], 'kd': [.3, .2, .2]}
    plain = {k: rec[k] for k in ('train_loss', 'valid_loss', 'accuracy')}
    teacher, stud, para = tiny_cnn(w=8), tiny_cnn(w=4), nn.Conv2d(16, 8, 1)
    imgs = torch.randn(4, 1, 8, 8, generator=g)
    feats = torch.randn(60, 8, generator=g) + y[:, None]
    factors = widgets.FactorExplorer({'ft': (teacher, stud, nn.Conv2d(8, 8, 1), para)}, imgs)
    factors.channel.value = 3
    ensemble = widgets.EnsembleExplorer({'run': (probs, y, student)})
    ensemble.members.value = 2
    return {'training curves': viz.plot_training_curves({'kd': rec, 'scratch': plain}),
            'ensemble effect': viz.plot_ensemble_effect(probs, y, student),
            'diversity': viz.plot_diversity(probs, y, 'error_corr'),
            'factors': factor_figures.plot_factors(factor_figures.factor_views(teacher, stud, imgs[0], paraphraser=para, translator=nn.Conv2d(8, 8, 1))),
            'reconstruction trend': factor_figures.plot_reconstruction_trend(['Ph1', 'Ph2', 'Ph3'], [[.5, .3, .2], [.6, .4, .3], [.7, .5, .4]]),
            'embeddings': viz.plot_embeddings({'a': (feats, y), 'b': (feats[:30], y[:30])}),
            'discriminators': viz.plot_discriminator_scores({'D1': {'real': [.9, .7, .6], 'fake': [.1, .3, .4]}}),
            'factor explorer': factors.fig, 'ensemble explorer': ensemble.fig}

def _expected(fig):
    "Trace groups plotly draws for `fig`: SVG groups of scatter/bar traces, and heat maps"
    svg = sum(t.type in ('scatter', 'bar') for t in fig.data)
    return svg, sum(t.type == 'heatmap' for t in fig.data)

@pytest.fixture(scope='module')
def page(tmp_path_factory):
    import torch
    from feed_nb.viz import save_html
    n = torch.get_num_threads()
    torch.set_num_threads(1) # tiny tensors: threads only cost time on a shared machine
    try: figs = _figures()
    finally: torch.set_num_threads(n)
    return save_html(figs, tmp_path_factory.mktemp('page')/'figures.html'), figs

def test_page_is_self_contained(page):
    text = page[0].read_text()
    assert 'plotly.js v' in text and not re.search(r'<script[^>]+src=', text)
    assert len(re.findall(r'<div id="fig\d+"', text)) == len(page[1])

@pytest.fixture(scope='module')
def rendered(chromium, page, tmp_path_factory):
    "One headless run over the page: its DOM after plotly ran, Chromium's log, and a screenshot"
    tmp = tmp_path_factory.mktemp('chromium')
    dom, log = _run_chromium(chromium, tmp, '--virtual-time-budget=15000', '--dump-dom', f'--screenshot={tmp/"shot.png"}',
                             page[0].as_uri())
    return dom, log, tmp/'shot.png'

def test_chromium_draws_every_trace(page, rendered):
    figs, (dom, log, _) = page[1], rendered
    assert 'Uncaught' not in log, log[-2000:]
    starts = [dom.index(f'id="fig{i}"') for i in range(len(figs))] + [len(dom)]
    for i, (name, fig) in enumerate(figs.items()):
        part = dom[starts[i]:starts[i+1]]
        assert 'class="main-svg"' in part, f"plotly did not draw {name!r}"
        drawn = len(re.findall(r'<g class="trace (?:scatter|bars)', part)), part.count('<g class="hm"')
        assert drawn == _expected(fig), f"{name!r}: drawn (svg traces, heat maps) {drawn}, expected {_expected(fig)}"

def test_screenshot_is_not_blank(rendered):
    from PIL import Image
    img = Image.open(rendered[2]).convert('RGB')
    assert img.size == WINDOW
    colours = img.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50, "the screenshot has almost no colours: nothing was drawn"
    white = max(colours)[0]/(img.size[0]*img.size[1])
    assert white < .97, f"the screenshot is {white:.0%} one colour"


# ---------------------------------------------------------------------------------------------------------------------
# A live explorer: Voilà runs a notebook in a kernel, Chromium (driven by Playwright) changes its controls

LIVE_CELLS = ("""
import torch
from torch import nn
from fastai.torch_core import TensorImage, TensorCategory
from feed_nb.testing import tiny_cnn
from feed_nb.widgets import EnsembleExplorer, FactorExplorer
torch.manual_seed(0)
probs, y = TensorImage(torch.randn(3, 60, 4).mul(2).softmax(-1)), TensorCategory(torch.randint(0, 4, (60,)))
EnsembleExplorer({'run': (list(probs), y, probs[0])})""", """
teacher, student = tiny_cnn(w=8), tiny_cnn(w=4)
FactorExplorer({'with translator': (teacher, student, nn.Conv2d(8, 16, 1)), 'no translator': (teacher, student)},
               TensorImage(torch.randn(4, 1, 8, 8)))""")

def _pip_ensure(**modules):
    "pip-install the packages (module name -> package) this Python lacks"
    missing = [pkg for mod, pkg in modules.items() if importlib.util.find_spec(mod) is None]
    if not missing: return
    r = subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', *missing], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"`pip install {' '.join(missing)}` failed: {(r.stderr or r.stdout)[-1000:]}"

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]

def _wait_for_port(port, proc, log, timeout=90):
    t = time.time()
    while time.time() - t < timeout:
        assert proc.poll() is None, f"Voilà exited with {proc.returncode}: {log.read_text()[-2000:]}"
        with socket.socket() as s:
            if s.connect_ex(('127.0.0.1', port)) == 0: return
        time.sleep(.5)
    raise AssertionError(f"Voilà did not listen on port {port} within {timeout} s: {log.read_text()[-2000:]}")

@pytest.fixture(scope='module')
def voila(tmp_path_factory):
    "URL of a Voilà server (on 127.0.0.1) running a notebook with an `EnsembleExplorer` and a `FactorExplorer`"
    import nbformat
    _pip_ensure(voila='voila', playwright='playwright')
    tmp = tmp_path_factory.mktemp('voila')
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c.strip()) for c in LIVE_CELLS],
                                  metadata={'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}})
    nbformat.write(nb, tmp/'explorers.ipynb')
    port, log = _free_port(), tmp/'voila.log'
    with open(log, 'w') as f:
        proc = subprocess.Popen([sys.executable, '-m', 'voila', 'explorers.ipynb', '--no-browser', f'--port={port}',
                                 '--Voila.ip=127.0.0.1'], cwd=tmp, stdout=f, stderr=subprocess.STDOUT,
                                env={**os.environ, 'OMP_NUM_THREADS': '1'}, start_new_session=True)
    try:
        _wait_for_port(port, proc, log)
        yield f'http://127.0.0.1:{port}/', log
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)

PLOT_JS = "[...document.querySelectorAll('.js-plotly-plot')]"

def _drive_explorers(page, url):
    "Open the Voilà page; change the metric (the figure must follow), then pick a model pair that fails"
    from playwright.sync_api import expect
    page.goto(url, timeout=180_000)
    # both explorers drawn: the kernel has run the whole notebook
    page.wait_for_function(f"{PLOT_JS}.filter(g => g.querySelector('.main-svg')).length == 2", timeout=180_000)
    before = page.evaluate(f"{PLOT_JS}[0].data.map(t => t.y)")
    assert page.locator('.js-plotly-plot .g-ytitle').first.text_content() == 'accuracy'
    page.locator('.widget-dropdown', has_text='metric').locator('select').select_option('nll')
    page.wait_for_function("document.querySelector('.js-plotly-plot .g-ytitle').textContent.startsWith('NLL')", timeout=60_000)
    after = page.evaluate(f"{PLOT_JS}[0].data.map(t => t.y)")
    assert after[0] != before[0] and after[1] != before[1], "the traces kept their accuracy values"
    # a model pair whose factors cannot be compared: the error is in the widget, the dropdown is set back
    title = page.evaluate(f"{PLOT_JS}[1].layout.title.text")
    model = page.locator('.widget-dropdown', has_text='model').locator('select')
    model.select_option('no translator')
    page.wait_for_selector('text=Could not update the figure', timeout=60_000)
    expect(model).to_have_value('with translator', timeout=30_000)
    assert 'pass the translator' in page.locator('text=Could not update the figure').text_content()
    assert page.evaluate(f"{PLOT_JS}[1].layout.title.text") == title

def test_live_explorer_in_voila(chromium, voila, tmp_path):
    """Changing a control in the browser changes the figure; a failed update shows in the widget and resets its control.

    On a heavily loaded machine Voilà (0.5) now and then loses a page's widget messages after a slow start: the browser
    sends the change and no update comes back (seen in about 5 of 60 pages here, all while other jobs kept the load
    above 6 on 2 cores). A second page, with its own kernel, is tried before the test fails; a failure of the explorers
    themselves repeats on every page."""
    from playwright.sync_api import sync_playwright
    url, log = voila
    args = [f for f in FLAGS if f not in ('--headless', '--hide-scrollbars')]
    args = [('--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1' if f.startswith('--host-resolver') else f) for f in args]
    errors = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=args)
        try:
            for attempt in (1, 2):
                page = browser.new_page(viewport={'width': 1300, 'height': 1400})
                try: return _drive_explorers(page, url)
                except Exception as e:
                    page.screenshot(path=str(tmp_path/f'voila{attempt}.png'))
                    errors.append(f'page {attempt}: {e} (screenshot {tmp_path/f"voila{attempt}.png"})')
                finally: page.close()
        finally: browser.close()
    raise AssertionError('\n'.join(errors) + f"\nVoilà's log: {log.read_text()[-3000:]}")
