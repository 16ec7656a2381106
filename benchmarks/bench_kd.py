"""P1 (callback overhead), P2 (teacher cost) and the teacher-output cache, measured on KD.

P1: median seconds per training step of `Learner` + `KD` against a plain PyTorch loop doing the same maths
    (student forward, teachers' no-grad forward, (1-α)·CE + α·T²·KL, backward, SGD step) on the same model and batches.
P2: added step time per teacher against that teacher's own no-grad forward, and the bytes autograd saves for backward
    with and without teachers (a frozen teacher must add none).
Cache: seconds per epoch of KD after the first epoch, with the teacher-output cache, against scratch training.
"""
import argparse, time
from common import *
from feed_nb.kd import KD

def kd_plain(teachers, T=4., alpha=.9):
    def loss(model, x, y):
        with torch.no_grad(): p_t = average_probs([t(x) for t in teachers], T)
        z = model(x)
        return (1 - alpha)*F.cross_entropy(z, y) + alpha*soft_kd_loss(z, p_t, T)
    return loss

def saved_bytes(model, teachers, x, y):
    "Bytes autograd keeps for backward in one KD step"
    total = [0]
    def pack(t): total[0] += t.numel()*t.element_size(); return t
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        kd_plain(teachers)(model, x, y).backward()
    return total[0]

def p1_p2(arch, teacher_arch, bs, n_batches, ks, dev, n_classes=100):
    batches = cifar_batches(n_batches, bs, n_classes)
    mk = lambda a, s: (torch.manual_seed(s), create_model(a, n_classes, 3))[1]
    rows = []
    scratch_fa = fastai_step_time(mk(arch, 0), batches, [], dev)
    scratch_pl = plain_step_time(mk(arch, 0), batches, lambda m, x, y: F.cross_entropy(m(x), y), dev)
    rows.append(dict(bench='P1 scratch', k=0, fastai_ms=f'{1e3*scratch_fa:.1f}', plain_ms=f'{1e3*scratch_pl:.1f}', ratio=f'{scratch_fa/scratch_pl:.3f}', target='(floor)'))
    t_fwd = forward_time(freeze(mk(teacher_arch, 1)), batches, dev)
    for k in ks:
        ts = [freeze(mk(teacher_arch, 100 + i), dev) for i in range(k)]
        fa = fastai_step_time(mk(arch, 0), batches, [KD(ts, cache=False)], dev)
        pl = plain_step_time(mk(arch, 0), batches, kd_plain(ts), dev)
        rows.append(dict(bench='P1 KD', k=k, fastai_ms=f'{1e3*fa:.1f}', plain_ms=f'{1e3*pl:.1f}', ratio=f'{fa/pl:.3f}', target='<= 1.10'))
        per_teacher = (fa - scratch_fa)/k
        rows.append(dict(bench='P2 time/teacher', k=k, fastai_ms=f'{1e3*per_teacher:.1f}', plain_ms=f'{1e3*t_fwd:.1f} (fwd)',
                         ratio=f'{per_teacher/t_fwd:.3f}', target='<= 1.1'))
    x, y = batches[0]
    s1 = saved_bytes(mk(arch, 0).to(dev), [freeze(mk(teacher_arch, 1), dev)], x.to(dev), y.to(dev))
    s2 = saved_bytes(mk(arch, 0).to(dev), [freeze(mk(teacher_arch, i), dev) for i in (1, 2)], x.to(dev), y.to(dev))
    rows.append(dict(bench='P2 autograd bytes', k='1->2', fastai_ms='', plain_ms=f'{s1} B (k=1)', ratio=f'{s2 - s1} B added', target='0'))
    return rows

def epoch_time(dls, model_fn, cbs, epochs):
    learn = Learner(dls, model_fn(), loss_func=CrossEntropyLossFlat(), opt_func=partial(SGD, mom=0.9), cbs=cbs)
    times = []
    class _T(Callback):
        def before_epoch(self): self.t = time.perf_counter()
        def after_epoch(self): times.append(time.perf_counter() - self.t)
    with learn.no_bar(), learn.no_logging(): learn.fit(epochs, 1e-2, cbs=_T())
    return statistics.median(times[1:])

def cache_bench(arch, teacher_arch, bs, n_batches, k, dev, epochs=3, n_classes=100):
    dls = dls_from_batches(cifar_batches(n_batches, bs, n_classes), dev)
    mk = lambda a: create_model(a, n_classes, 3)
    ts = [freeze(mk(teacher_arch), dev) for _ in range(k)]
    scratch = epoch_time(dls, lambda: mk(arch), [], epochs)
    cached = epoch_time(dls, lambda: mk(arch), [KD(ts, cache=True)], epochs)
    uncached = epoch_time(dls, lambda: mk(arch), [KD(ts, cache=False)], epochs)
    return [dict(bench='cache KD epoch', k=k, fastai_ms=f'{1e3*cached:.0f}', plain_ms=f'{1e3*scratch:.0f} (scratch)', ratio=f'{cached/scratch:.3f}', target='<= 1.2'),
            dict(bench='no-cache KD epoch', k=k, fastai_ms=f'{1e3*uncached:.0f}', plain_ms=f'{1e3*scratch:.0f} (scratch)', ratio=f'{uncached/scratch:.3f}', target='(reference)')]

def main(quick=False, device='auto'):
    dev = device_of(device)
    if quick: cfg = dict(arch='resnet8', teacher_arch='resnet14', bs=32, n_batches=8, ks=(1, 2))
    else: cfg = dict(arch='resnet20', teacher_arch='resnet56', bs=128, n_batches=12, ks=(1, 2, 4))
    rows = p1_p2(cfg['arch'], cfg['teacher_arch'], cfg['bs'], cfg['n_batches'], cfg['ks'], dev)
    rows += cache_bench(cfg['arch'], cfg['teacher_arch'], cfg['bs'], cfg['n_batches'], 1 if quick else 2, dev)
    return rows

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--quick', action='store_true'); p.add_argument('--device', default='auto')
    a = p.parse_args()
    print(machine())
    print(fmt_table(main(a.quick, a.device), ['bench', 'k', 'fastai_ms', 'plain_ms', 'ratio', 'target']))
