"A comparison killed with SIGKILL leaves the previous one's files whole; a second command on the same --out is refused."
import hashlib, json, os, signal, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, 'PYTHONPATH': str(ROOT), 'OMP_NUM_THREADS': '1'}
ARGS = ['compare', '--methods', 'scratch', '--arch', 'cnn-8', '--device', 'cpu']

def _cli(*args):
    code = "import sys; from feed_nb.cli import main; sys.argv[0] = 'feed_nb'; main()"
    return subprocess.Popen([sys.executable, '-c', code, *args], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

def _sha(p:Path) -> str: return hashlib.sha256(p.read_bytes()).hexdigest()

def _kept(out:Path) -> dict:
    "results.json, report.html and every file results.json says a run kept, with their checksums"
    res, files = json.loads((out/'results.json').read_text()), {}
    for r in (r for rs in res['runs'].values() for r in rs):
        for n in r['files']['logs'] + r['files'].get('student', []): files[str(Path(r['files']['folder'])/n)] = _sha(Path(r['files']['folder'])/n)
    assert files, 'results.json names no file'
    assert f'<meta name="feed_nb-run" content="{res["run_id"]}">' in (out/'report.html').read_text()  # the pair belongs together
    return {'results.json': _sha(out/'results.json'), 'report.html': _sha(out/'report.html'), **files}

def _wait_for_student(out:Path, since:float, proc, timeout:float=120):
    "Wait until `proc` has saved a student of its own (a student.pth written after `since`)"
    end = time.time() + timeout
    while time.time() < end:
        if any(p.stat().st_mtime > since for p in out.rglob('student.pth')): return
        assert proc.poll() is None, f"the second comparison ended before it was killed: {proc.communicate()[1][-2000:]}"
        time.sleep(0.05)
    raise AssertionError('the second comparison wrote no student in time')

def test_sigkill_mid_compare_keeps_the_previous_run_and_a_second_command_is_refused(tmp_path):
    out = tmp_path/'out'
    first = _cli(*ARGS, '--seeds', '2', '--epochs', '1', '--out', str(out))
    assert first.wait() == 0, first.communicate()[1][-2000:]
    before, since = _kept(out), time.time()
    time.sleep(0.01)
    second = _cli(*ARGS, '--seeds', '40', '--epochs', '5', '--out', str(out))  # other settings, long enough to be caught in the middle
    try:
        _wait_for_student(out, since, second)
        third = _cli(*ARGS, '--seeds', '1', '--epochs', '1', '--out', str(out))
        err = third.communicate(timeout=120)[1]
        assert third.returncode == 2 and f"is in use by another feed_nb command (process {second.pid})" in err, (third.returncode, err[-2000:])
        assert second.poll() is None, 'the second comparison ended before it was killed'
    finally: os.kill(second.pid, signal.SIGKILL)
    second.wait()
    assert _kept(out) == before  # the previous comparison's results, report and students, unchanged
    latest = json.loads((out/'results.json').read_text())['runs']['scratch'][0]['files']['folder']
    assert (out/'latest').resolve() == Path(latest).parent.resolve()
