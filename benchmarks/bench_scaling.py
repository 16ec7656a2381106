"""Scaling: step time vs the number of teachers k, vs batch size, and whole-epoch time vs data set size.

S1: median step time of `Learner` + `KD(teachers, cache=False)` and + `FEED(teachers, cache=False)` (pFEED) for
    k = 0 (scratch), 1, 2, 4, 8 teachers; a least-squares line through the k points; its slope per teacher against one teacher's no-grad
    forward (KD) or that forward plus one translator's training step (pFEED); the largest relative residual from the line.
    Diagnostic: KD as it runs (teachers before the student's forward, in `before_batch`) against the teachers run after
    it (in `after_pred`, while the student's activations wait for backward): the measurement behind the library's choice.
S2: step time of scratch and KD (k=2) per batch size, in ms per step and µs per image, and KD/scratch at each size.
S3: wall time of one `fit` epoch after the first (validation on one batch included) for scratch and KD (k=1) with the
    teacher-output cache off and on, at 1×, 2×, 4× a base number of batches; the epoch-time slope per batch against the
    S1 step time; and the cache's one-time fill (in `before_fit`) against one teacher forward per batch.
All runs of one sweep are timed interleaved (see `common.compare_steps`).
"""

from common import *
from feed_nb.core import factor_loss
from feed_nb.kd import KD
from feed_nb.multi_teacher import FEED
from feed_nb.factor_transfer import Translator, feature_map

def translator_run(arch, teacher_arch, bs, n, dev, n_classes, size=32):
    "One pFEED translator's training step alone: translate a student feature map, factor loss to a teacher map, backward, SGD"
    x = torch.randn(2, 3, size, size)
    f_s, f_t = [feature_map(model_of(a, 0, n_classes), None, x) for a in (arch, teacher_arch)]
    tr = Translator(f_s.shape[1], f_t.shape[1]).to(dev)
    opt = torch.optim.SGD(tr.parameters(), lr=1e-2, momentum=0.9)
    fs = torch.randn(bs, *f_s.shape[1:], device=dev, requires_grad=True)
    ft = torch.randn(bs, *f_t.shape[1:], device=dev)
    def step():
        factor_loss(tr(fs), ft).backward(); opt.step(); opt.zero_grad(); fs.grad = None
    return FnRun(step, n, dev)

class KDTeachersAfter(KD):
    "Diagnostic: `KD` with the teachers' forward in `after_pred`, after the student's forward (the library runs them before)"
    def _setup_prefetch(self): self._t_out, self._prefetch = None, False

def k_sweep(arch, teacher_arch, bs, n_batches, ks, dev, rounds, n_classes, size=32, first=(1,)):
    "S1 rows, the measured step times and the teachers (reused by the other sweeps)"
    batches = cifar_batches(n_batches, bs, n_classes, size)
    ts = [freeze(model_of(teacher_arch, 100 + i, n_classes), dev) for i in range(max(ks))]
    runs = {'kd0': FastaiRun(model_of(arch, 0, n_classes), batches, device=dev),
            'fwd': ForwardRun(freeze(model_of(teacher_arch, 1, n_classes)), batches, dev),
            'tr': translator_run(arch, teacher_arch, bs, n_batches, dev, n_classes, size)}
    for k in ks:
        if k == 0: continue
        runs[f'kd{k}'] = FastaiRun(model_of(arch, 0, n_classes), batches, [KD(ts[:k], cache=False)], dev)
        runs[f'feed{k}'] = FastaiRun(model_of(arch, 0, n_classes), batches, [FEED(ts[:k], cache=False)], dev)
    for k in first: runs[f'after{k}'] = FastaiRun(model_of(arch, 0, n_classes), batches, [KDTeachersAfter(ts[:k], cache=False)], dev)
    t = compare_steps(runs, rounds)
    t['feed0'] = t['kd0']
    rows = []
    for m, name, ref, note in (('kd', 'KD', t['fwd'], ' (fwd)'), ('feed', 'pFEED', t['fwd'] + t['tr'], ' (fwd+transl.)')):
        ys = [t[f'{m}{k}'] for k in ks]
        a, b, fit, resid = line_fit(ks, ys)
        rows += [row(f'S1 {name} step vs line', k, y, f, '~1 (linear)', ' (fit)') for k, y, f in zip(ks, ys, fit)]
        rows.append(row(f'S1 {name} slope/teacher', '/1', b, ref, '<= 1.1', note))
        if sum(k > 0 for k in ks) > 1:
            rows.append(row(f'S1 {name} slope/teacher, k>=1 only', '/1', line_fit(*zip(*[(k, y) for k, y in zip(ks, ys) if k > 0]))[1], ref, '<= 1.1', note))
        rows.append(dict(bench=f'S1 {name} linearity', k=','.join(map(str, ks)), fastai_ms='', plain_ms='max |t-fit|/t',
                         ratio=f'{resid:.3f}', target='<= 0.05'))
    rows += [row('S1 KD teachers before / after student fwd', k, t[f'kd{k}'], t[f'after{k}'], '(diagnostic)', ' (after)') for k in first]
    return rows, t, ts

def batch_sweep(arch, teachers, sizes, n_batches, dev, rounds, n_classes, size=32):
    "S2 rows: scratch and KD with `teachers` at each batch size"
    runs = {}
    for bs in sizes:
        batches = cifar_batches(n_batches, bs, n_classes, size)
        runs[f'scratch{bs}'] = FastaiRun(model_of(arch, 0, n_classes), batches, device=dev)
        runs[f'kd{bs}'] = FastaiRun(model_of(arch, 0, n_classes), batches, [KD(teachers, cache=False)], dev)
    t = compare_steps(runs, rounds)
    k = len(teachers)
    return [row(f'S2 bs {bs}: KD/scratch ({1e6*t[f"kd{bs}"]/bs:.0f}/{1e6*t[f"scratch{bs}"]/bs:.0f} us/img)', k,
                t[f'kd{bs}'], t[f'scratch{bs}'], '~flat in bs', ' (scratch)') for bs in sizes]

class EpochRun:
    "`fit(epochs)` of a fresh-optimizer fastai `Learner` on `batches` (SGD, momentum 0.9); calling it returns the epoch times"
    def __init__(self, model, batches, cbs=(), device='cpu', epochs=2, lr=1e-2):
        self.timer, self.epochs, self.lr, self.setups = EpochTimer(), epochs, lr, []
        self.learn = Learner(dls_from_batches(batches, device), model, loss_func=CrossEntropyLossFlat(),
                             opt_func=partial(SGD, mom=0.9), cbs=[*cbs, self.timer])
    def __call__(self):
        with self.learn.no_bar(), self.learn.no_logging(): self.learn.fit(self.epochs, self.lr)
        self.setups.append(self.timer.setup)
        return list(self.timer.times)

def epoch_sweep(arch, teachers, bs, base, mults, dev, rounds, epochs, n_classes, t_step, size=32):
    "S3 rows: epoch time of scratch and KD (cache off/on) per data set size; slopes against the S1 step times `t_step`"
    runs, n = {}, [base*m for m in mults]
    for nb in n:
        batches = cifar_batches(nb, bs, n_classes, size)
        runs[f'scratch{nb}'] = EpochRun(model_of(arch, 0, n_classes), batches, [], dev, epochs)
        runs[f'nocache{nb}'] = EpochRun(model_of(arch, 0, n_classes), batches, [KD(teachers, cache=False)], dev, epochs)
        runs[f'cache{nb}'] = EpochRun(model_of(arch, 0, n_classes), batches, [KD(teachers, cache=True)], dev, epochs)
    t = compare_steps(runs, rounds, warmup=False)
    rows = []
    for nb in n:
        for c, target in (('nocache', '(no cache)'), ('cache', '<= 1.2')):
            rows.append(row(f'S3 epoch, {nb} batches: KD {c}/scratch', len(teachers), t[f'{c}{nb}'], t[f'scratch{nb}'], target, ' (scratch)'))
    for c, ref, note in (('scratch', t_step['kd0'], ' (S1 scratch step)'), ('nocache', t_step['kd1'], ' (S1 KD k=1 step)'),
                         ('cache', t_step['kd0'], ' (S1 scratch step)')):
        a, b, fit, resid = line_fit(n, [t[f'{c}{nb}'] for nb in n])
        rows.append(row(f'S3 epoch slope/batch, {c} (max resid {resid:.3f})', len(teachers), b, ref, '~1 (+loader)', note))
    # the cache's fill: extra before_fit time with the cache on, against one teacher forward per training batch
    for nb in n:
        setup = {c: statistics.median(runs[f'{c}{nb}'].setups) for c in ('scratch', 'cache')}
        rows.append(row(f'S3 cache fill, {nb} batches', len(teachers), setup['cache'] - setup['scratch'],
                        nb*len(teachers)*t_step['fwd'], '<= 1.1', ' (k*n*fwd)'))
    return rows

CONFIGS = {  # S1 batches n1 (KD teachers-first diagnostic at k in `first`), S2 batches n2, S3 base batches × mults, fit epochs, interleaved rounds (S1/S2) and erounds (S3)
    'full':  dict(arch='resnet20', teacher='resnet56', bs=128, n1=3, ks=(0, 1, 2, 4, 8), first=(1,), sizes=(32, 64, 128, 256), n2=2,
                  base=2, mults=(1, 2, 4), epochs=2, rounds=1, erounds=1, n_classes=100, size=32),
    'quick': dict(arch='resnet8', teacher='resnet14', bs=32, n1=4, ks=(0, 1, 2, 4), first=(1, 4), sizes=(16, 32, 64), n2=3,
                  base=3, mults=(1, 2, 4), epochs=3, rounds=2, erounds=1, n_classes=100, size=32),
    'smoke': dict(arch='resnet8', teacher='resnet8', bs=4, n1=2, ks=(0, 1, 2), first=(1,), sizes=(4, 8), n2=2,
                  base=1, mults=(1, 2), epochs=2, rounds=1, erounds=1, n_classes=10, size=16),
}

def main(quick=False, device='auto', smoke=False) -> list:
    c, dev = CONFIGS['smoke' if smoke else 'quick' if quick else 'full'], device_of(device)
    rows, t, ts = k_sweep(c['arch'], c['teacher'], c['bs'], c['n1'], c['ks'], dev, c['rounds'], c['n_classes'], c['size'], c['first'])
    rows += batch_sweep(c['arch'], ts[:2], c['sizes'], c['n2'], dev, c['rounds'], c['n_classes'], c['size'])
    rows += epoch_sweep(c['arch'], ts[:1], c['bs'], c['base'], c['mults'], dev, c['erounds'],
                        c['epochs'], c['n_classes'], t, c['size'])
    return rows

if __name__ == '__main__': cli(main, __doc__)
