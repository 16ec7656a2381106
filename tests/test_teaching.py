"""The learner's path holds: the README's notebook (index) opens with a reading order that names every method notebook and
walkthrough there is; every method notebook and walkthrough ends with questions, exercises and further research; every
method notebook draws its set-up. Reads the notebooks' JSON only (no kernel)."""
import json, re
from pathlib import Path
import pytest

NBS = Path(__file__).resolve().parent.parent/'nbs'
METHODS = sorted(NBS.glob('1[0-9]_*.ipynb'))
WALKTHROUGHS = sorted((NBS/'tutorials').glob('*.ipynb'))
SETUPS = {'10_kd': ['plot_kd_setup', 'plot_temperatures'], '11_factor_transfer': ['plot_ft_setup'],
          '12_multi_teacher': ['plot_ekd_setup', 'plot_pfeed_setup'], '13_online': ['plot_afd_setup'], '14_generations': ['plot_ban_setup']}

def _cells(p): return json.loads(Path(p).read_text())['cells']
def _src(c): return ''.join(c['source'])

def test_index_opens_with_the_path():
    md = [_src(c) for c in _cells(NBS/'index.ipynb') if c['cell_type'] == 'markdown']
    assert md[0].startswith('# feed_nb') and md[1].startswith('## Start here'), "index: the title, then '## Start here'"
    steps = re.findall(r'^\d+\. (.+)$', md[1], re.M)
    named = ' '.join(steps)
    for nb in METHODS + WALKTHROUGHS:
        name = nb.stem if nb.parent == NBS else f'tutorials/{nb.stem}'
        assert f'`{name}`' in named, f"the reading order does not name {name}"
    assert all(' — ' in s for s in steps), "each step says what the learner can do after it"

@pytest.mark.parametrize('nb', METHODS + WALKTHROUGHS, ids=lambda p: p.stem)
def test_ends_with_questions_and_exercises(nb):
    heads = [_src(c).splitlines()[0] for c in _cells(nb) if c['cell_type'] == 'markdown' and _src(c)]
    for h in ('## Questions', '## Exercises', '## Further research'): assert h in heads, f"{nb.name} has no '{h}'"
    ex = next(_src(c) for c in _cells(nb) if _src(c).startswith('## Exercises'))
    assert re.search(r'minute', ex) and re.search(r'`(feed_nb |[a-z_]+\()', ex), f"{nb.name}: exercises need a command or call and a time"

@pytest.mark.parametrize('name', SETUPS)
def test_method_notebooks_draw_their_set_up(name):
    code = [_src(c) for c in _cells(NBS/f'{name}.ipynb') if c['cell_type'] == 'code']
    for f in SETUPS[name]: assert any(f'show({f}(' in s for s in code), f"{name} does not show {f}"
