"""P3: k same-architecture teachers as one batched forward (`feed_nb.core.TeacherStack`: stacked weights + `vmap`)
against the Python loop over the teachers, and what `batched='auto'` chooses on this machine.

Target (issue): >= 1.5x faster than the loop for k = 4 ResNet-20-sized teachers on a GPU; never slower on a CPU, which
holds by construction: 'auto' only considers stacking on CUDA, and there only when a timing on the first batch says so.
"""

from common import *
from feed_nb.core import TeacherStack
from feed_nb.kd import KD

def p3(arch, bs, ks, dev, n=8, rounds=3, n_classes=100):
    x = torch.randn(bs, 3, 32, 32, device=dev)
    rows = []
    for k in ks:
        ts = [freeze(model_of(arch, 100 + i, n_classes), dev) for i in range(k)]
        stack = TeacherStack(ts)
        with torch.no_grad():
            t = compare_steps({'loop': FnRun(lambda: [m(x) for m in ts], n, dev), 'stack': FnRun(lambda: stack(x), n, dev)}, rounds)
        rows.append(dict(bench=f'P3 {arch} x{k} loop/stacked', k=k, fastai_ms=ms(t['stack']) + ' (stacked)', plain_ms=ms(t['loop']) + ' (loop)',
                         ratio=f"{t['loop']/t['stack']:.3f}", target='>= 1.5 on GPU'))
    # what a KD callback decides for k = max(ks) such teachers on this device
    ts = [freeze(model_of(arch, 100 + i, n_classes), dev) for i in range(max(ks))]
    kd = KD(ts, cache=False)
    learn = Learner(dls_from_batches(cifar_batches(2, bs, n_classes), dev), model_of('resnet8', 0, n_classes),
                    loss_func=CrossEntropyLossFlat(), cbs=kd)
    with learn.no_bar(), learn.no_logging(): learn.fit(1)
    rows.append(dict(bench="P3 batched='auto' chose", k=max(ks), fastai_ms='', plain_ms='', ratio='stacked' if kd.batched_ else 'loop',
                     target='loop on CPU'))
    return rows

def main(quick=False, device='auto', smoke=False):
    dev = device_of(device)
    if smoke: return p3('resnet8', 4, (2,), dev, n=2, rounds=1)
    if quick: return p3('resnet20', 32, (4,), dev, n=4, rounds=2)
    return p3('resnet20', 128, (2, 4, 8), dev)

if __name__ == '__main__': cli(main, __doc__)
