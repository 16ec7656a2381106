"""Figures as a reader of a committed notebook sees them: the static PNG `feed_nb.viz.show` puts beside each interactive
figure is drawn by kaleido with a real Chromium, at the figure's size, for the report's figures with one, three and eight
methods. (The notebooks test `show` with a stand-in for kaleido, so they hold without a browser; this draws for real.)
Skipped, saying why, where no Chromium is installed (Debian: `apt-get install -y chromium`)."""
import os, shutil, struct, base64
import pytest

def _chromium():
    return next((p for c in (os.environ.get('CHROMIUM'), '/usr/bin/chromium', 'chromium', 'chromium-browser', 'google-chrome')
                 if c and (p := shutil.which(c))), None)

def _png_size(b:bytes) -> tuple:
    assert b[:8] == b'\x89PNG\r\n\x1a\n', "not a PNG"
    return struct.unpack('>II', b[16:24])

@pytest.fixture(scope='module')
def report_figures():
    if not _chromium(): pytest.skip("No Chromium for kaleido; install Debian's chromium (apt-get install -y chromium)")
    import numpy as np
    from feed_nb.experiments import paired_figure
    g = np.random.default_rng(0)
    def fake(methods):
        run = lambda: dict(accuracy=float(.9 + .02*g.standard_normal()), params=5178, secs_per_epoch=.1, history={})
        return dict(config=dict(seeds=[0, 1, 2]), baselines={'scratch': None, **{m: 'scratch' for m in methods}},
                    runs={m: [run() for _ in range(3)] for m in ['scratch', *methods]})
    eight = ['kd', 'ft', 'pfeed', 'dml', 'afd', 'ban', 'sfeed', 'ekd']
    return {n: paired_figure(fake(eight[:n])) for n in (1, 3, 8)}

def test_show_draws_a_png_beside_the_live_figure(report_figures, monkeypatch):
    from feed_nb import viz
    monkeypatch.setenv('FEED_NB_PNG', '1')
    for n, fig in report_figures.items():
        data = viz.figure_bundle(fig.update_layout(width=700))
        assert set(data) == {'image/png', 'application/vnd.plotly.v1+json'}, f"{n} methods: {set(data)} (kaleido: {viz._KALEIDO})"
        w, h = _png_size(base64.b64decode(data['image/png']))
        assert (w, h) == (700, fig.layout.height), (n, w, h)  # drawn at the figure's own size: nothing cut off
        assert h - fig.layout.margin.t - fig.layout.margin.b >= 40*n
