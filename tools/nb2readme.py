"""Write README.md from nbs/index.ipynb (nbdev's own `nbdev-readme` needs Quarto, which this project does not install).

Markdown cells are copied, code cells become ```python blocks followed by their committed text output (a cell whose
source is hidden with `#| hide` but carries `#| readme-output` contributes its output alone: e.g. a table printed from a
recorded file); the `> summary` line stays a quote. A cell flagged only with nbdev's test flags (`#| slow`: minutes of
training that `nbdev-test` skips) is shown without its flag lines, with the output `tools/execute_nbs.py --flags slow`
committed.
Usage: python tools/nb2readme.py [--check]   (--check exits 1 when README.md is out of date)
"""
import json, re, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent

def _text_output(cell) -> str:
    "The text a code cell printed (its streams and plain-text results), as committed"
    texts = [''.join(o.get('text', '')) if o['output_type'] == 'stream' else ''.join(o.get('data', {}).get('text/plain', ''))
             for o in cell.get('outputs', []) if o['output_type'] == 'execute_result' or o.get('name') == 'stdout']  # stderr (warnings) is not the result
    return ''.join(texts).strip('\n')
TEST_FLAG = re.compile(r'#\|\s*(slow|notest|cuda)\s*')
def _shown(src:str) -> str:
    "A code cell's source without its leading test-flag lines (`#| slow`): the README shows the code a reader runs"
    lines = src.splitlines()
    while lines and TEST_FLAG.fullmatch(lines[0]): lines = lines[1:]
    return '\n'.join(lines).strip()

def render(nb_path=root/'nbs'/'index.ipynb') -> str:
    cells = json.loads(Path(nb_path).read_text())['cells']
    parts = []
    for c in cells:
        src = ''.join(c['source']).strip()
        if c['cell_type'] == 'code': src = _shown(src)
        out = _text_output(c) if c['cell_type'] == 'code' else ''
        if '#| readme-output' in src: parts += [f"```\n{out}\n```"] if out else []; continue
        if not src or src.startswith('#|'): continue
        parts.append(src if c['cell_type'] == 'markdown' else f"```python\n{src}\n```" + (f"\n```\n{out}\n```" if out else ''))
    note = '<!-- generated from nbs/index.ipynb by tools/nb2readme.py: edit the notebook, not this file -->'
    return note + '\n\n' + '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    text, readme = render(), root/'README.md'
    if '--check' in sys.argv:
        if not readme.exists() or readme.read_text() != text: sys.exit("README.md is out of date: run python tools/nb2readme.py")
    else: readme.write_text(text)
