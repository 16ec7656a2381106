"""The teacher-output cache: epoch time of KD and pFEED after the first epoch against training from scratch, with and
without the cache, and proof that a random augmentation switches it off.

Target (issue): with deterministic inputs, KD/pFEED epochs after the first cost <= 1.2x a scratch epoch.
"""

from common import *
from feed_nb.kd import KD
from feed_nb.multi_teacher import FEED
from fastai.vision.augment import Flip
from feed_nb.factor_transfer import Translator, feature_map
from torch.utils.flop_counter import FlopCounterMode

def step_flops(fn):
    "FLOPs of `fn()` followed by a backward pass of its result"
    with FlopCounterMode(display=False) as fc: fn().backward()
    return fc.get_total_flops()

def pfeed_floor(arch, teacher_arch, bs, k, n_classes=100):
    "The best pFEED/scratch epoch ratio with cached teachers: 1 + k translators' FLOPs over the student's (forward + backward)"
    x, y = cifar_batches(1, bs, n_classes)[0]
    s = model_of(arch, 0, n_classes)
    f_s, f_t = feature_map(s, None, x[:1]), feature_map(model_of(teacher_arch, 1, n_classes), None, x[:1])
    tr = Translator(f_s.shape[1], f_t.shape[1])
    student = step_flops(lambda: F.cross_entropy(s(x), y))
    translator = step_flops(lambda: tr(torch.randn(bs, *f_s.shape[1:], requires_grad=True)).square().mean())
    return 1 + k*translator/student

class CacheSpy(Callback):
    "Whether the distiller served its teacher outputs from the cache in this fit"
    order = 100
    def before_fit(self): self.cached = None
    def after_pred(self):
        if self.training and self.cached is None:
            self.cached = any(getattr(c, '_cache', None) is not None for c in self.learn.cbs)

def epoch_runs(arch, teacher_arch, bs, n_batches, dev, epochs, k_feed, n_classes=100):
    batches = cifar_batches(n_batches, bs, n_classes)
    ts = lambda k: [freeze(model_of(teacher_arch, 100 + i, n_classes), dev) for i in range(k)]
    configs = {'scratch': [], 'kd cache': [KD(ts(1), cache=True)], 'kd no cache': [KD(ts(1), cache=False)],
               f'pfeed x{k_feed} cache': [FEED(ts(k_feed), cache=True)], f'pfeed x{k_feed} no cache': [FEED(ts(k_feed), cache=False)]}
    res = {}
    for name, cbs in configs.items():
        timer, spy = EpochTimer(), CacheSpy()
        learn = Learner(dls_from_batches(batches, dev), model_of(arch, 0, n_classes), loss_func=CrossEntropyLossFlat(),
                        opt_func=partial(SGD, mom=0.9), cbs=[*cbs, timer, spy])
        with learn.no_bar(), learn.no_logging(): learn.fit(epochs, 1e-2)
        res[name] = (statistics.median(timer.times[1:]), timer.times[0], spy.cached)
    # a random flip in the training pipeline: the cache must stay off
    dls = dls_from_batches(batches, dev); dls.train.after_batch.add(Flip())
    spy = CacheSpy()
    learn = Learner(dls, model_of(arch, 0, n_classes), loss_func=CrossEntropyLossFlat(), cbs=[KD(ts(1), cache=True), spy])
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-2)
    s = res['scratch'][0]
    rows = []
    for name, (t, first, cached) in res.items():
        if name == 'scratch': continue
        rows.append(dict(bench=f'cache: {name} epoch', k=k_feed if 'pfeed' in name else 1,
                         fastai_ms=f'{1e3*t:.0f} (1st {1e3*first:.0f})', plain_ms=f'{1e3*s:.0f} (scratch)', ratio=f'{t/s:.3f}',
                         target=('<= 1.2' if cached else '(reference)') + ('' if cached == ('no cache' not in name) else ' CACHE STATE WRONG')))
    floor = pfeed_floor(arch, teacher_arch, bs, k_feed, n_classes)
    rows.append(dict(bench=f'cache: pfeed x{k_feed} FLOP floor', k=k_feed, fastai_ms='', plain_ms='1 + translators/student',
                     ratio=f'{floor:.3f}', target='(the best a cached pFEED epoch can do)'))
    rows.append(dict(bench='cache: random Flip in pipeline', k=1, fastai_ms='', plain_ms='', ratio='cache off' if spy.cached is False else 'CACHE ON',
                     target='cache off'))
    return rows

def main(quick=False, device='auto', smoke=False):
    dev = device_of(device)
    if smoke: return epoch_runs('resnet8', 'resnet8', 8, 2, dev, 2, 2)
    if quick: return epoch_runs('resnet8', 'resnet14', 32, 12, dev, 3, 3)
    return epoch_runs('resnet20', 'resnet56', 128, 16, dev, 3, 3)

if __name__ == '__main__': cli(main, __doc__)
