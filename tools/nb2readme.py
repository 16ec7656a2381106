"""Write README.md from nbs/index.ipynb (nbdev's own `nbdev-readme` needs Quarto, which this project does not install).

Markdown cells are copied, code cells become ```python blocks; the `> summary` line stays a quote.
Usage: python tools/nb2readme.py [--check]   (--check exits 1 when README.md is out of date)
"""
import json, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
def render(nb_path=root/'nbs'/'index.ipynb') -> str:
    cells = json.loads(Path(nb_path).read_text())['cells']
    parts = []
    for c in cells:
        src = ''.join(c['source']).strip()
        if not src or src.startswith('#|'): continue
        parts.append(src if c['cell_type'] == 'markdown' else f"```python\n{src}\n```")
    note = '<!-- generated from nbs/index.ipynb by tools/nb2readme.py: edit the notebook, not this file -->'
    return note + '\n\n' + '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    text, readme = render(), root/'README.md'
    if '--check' in sys.argv:
        if not readme.exists() or readme.read_text() != text: sys.exit("README.md is out of date: run python tools/nb2readme.py")
    else: readme.write_text(text)
