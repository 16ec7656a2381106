"""GPU throughput: training images/second and peak memory of scratch, pFEED and AFD in fp32, bf16 and bf16 + channels_last.

Configurations (CIFAR-shaped random data, batch 128, 100 classes, SGD momentum 0.9, fastai `Learner`):
- scratch ResNet-56, and scratch ResNet-20 (the floor of the pFEED student);
- pFEED: a ResNet-20 student, `FEED(cache=False)` with k = 3 frozen ResNet-56 teachers (3 translators trained with the
  student), teachers run one by one (`batched=False`) and as one `vmap` over stacked weights (`batched=True`); the
  default `batched='auto'` picks the faster of the two on CUDA. No teacher-output cache: CIFAR training augments;
- AFD: a `Cohort` of K = 2 ResNet-56 networks trained together (`cohort_learner` + `AFD`: 2 discriminators, second
  Adam update per batch).
Precisions: fp32; bf16 autocast (`learn.to_bf16()`, fastai `MixedPrecision(amp_mode='bf16')`); bf16 + channels_last
(`learn.to_channelslast(amp_mode='bf16')`: fastai's `ChannelsLast` converts `learn.model` only; the inputs stay
contiguous, and whether teachers/discriminators end up channels_last is recorded in the `note` column).
Each configuration runs alone (a GPU is not shared): one warm-up pass, then `rounds` passes timed per step with the
`StepTimer` (synchronised; data loading excluded), first step of each pass dropped. Peak memory is
`torch.cuda.max_memory_allocated` with the statistics reset before each configuration and every other model on the CPU.
ratio = step time / scratch step time in the same precision (= scratch images/s ÷ method images/s); pFEED is compared
with its ResNet-20 floor, AFD and scratch ResNet-20 with scratch ResNet-56.
On a CPU only fp32 runs (`--smoke`): fastai's `MixedPrecision` autocasts on CUDA only.
"""
import gc
from common import *
from fastai.callback.fp16 import MixedPrecision, AMPMode
from fastai.callback.channelslast import ChannelsLast
from feed_nb.multi_teacher import FEED
from feed_nb.online import cohort_learner, AFD, Cohort

CONFIGS = {
    'full':  dict(big='resnet56', small='resnet20', bs=128, n_classes=100, size=32, k=3, K=2, n_batches=30, rounds=3),
    'smoke': dict(big='resnet8', small='resnet8', bs=8, n_classes=10, size=16, k=3, K=2, n_batches=3, rounds=1),
}

def to_bf16(learn):
    "bf16 autocast: fastai's `to_bf16` where it exists, else `MixedPrecision(amp_mode='bf16')`"
    return learn.to_bf16() if hasattr(learn, 'to_bf16') else learn.add_cb(MixedPrecision(amp_mode=AMPMode.BF16))

PRECISIONS = {'fp32': lambda l: l, 'bf16': to_bf16, 'bf16+cl': lambda l: l.to_channelslast(amp_mode='bf16')}

def is_cl(m):
    "Whether the first 4-d weight of `m` is in channels_last memory format"
    w = next((p for p in m.parameters() if p.dim() == 4), None)
    return w is not None and w.is_contiguous(memory_format=torch.channels_last) and not w.is_contiguous()

def learner_of(method, c, dls, teachers):
    mk = lambda a, s: model_of(a, s, c['n_classes'])
    opt = partial(SGD, mom=0.9)
    if method == 'scratch_big': return Learner(dls, mk(c['big'], 0), loss_func=CrossEntropyLossFlat(), opt_func=opt)
    if method == 'scratch_small': return Learner(dls, mk(c['small'], 0), loss_func=CrossEntropyLossFlat(), opt_func=opt)
    if method.startswith('pfeed'):  # no teacher-output cache: real CIFAR training augments, and the cache would skip the teachers
        feed = FEED(teachers, cache=False, batched=method == 'pfeed_stack')
        return Learner(dls, mk(c['small'], 0), loss_func=CrossEntropyLossFlat(), opt_func=opt, cbs=[feed])
    if method == 'afd': return cohort_learner(dls, [mk(c['big'], s) for s in range(c['K'])], opt_func=opt, cbs=[AFD()])
    raise ValueError(method)

def layout_note(method, learn, teachers):
    "Where channels_last ended up: student (or cohort), teachers, AFD discriminators"
    parts = [f"model cl={is_cl(learn.model)}"]
    if method.startswith('pfeed'):
        parts.append(f"teachers cl={[is_cl(t) for t in teachers]}")
        feed = next(cb for cb in learn.cbs if isinstance(cb, FEED))
        if getattr(feed, '_stack', None) is not None:
            w = next(p for p in feed._stack.params.values() if p.dim() == 5)[0]
            parts.append(f"stacked weights cl={w.is_contiguous(memory_format=torch.channels_last) and not w.is_contiguous()}")
    if method == 'afd':
        afd = next(cb for cb in learn.cbs if isinstance(cb, AFD))
        if afd.discs is not None: parts.append(f"discs cl={is_cl(afd.discs)}")
    return ', '.join(parts)

def measure(method, prec, c, batches, dev, teachers):
    "Median step time, peak memory (CUDA) and a layout note for one configuration, run alone"
    gc.collect()
    if dev.type == 'cuda': torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats()
    learn = PRECISIONS[prec](learner_of(method, c, dls_from_batches(batches, dev), teachers))
    run = FastaiRun(None, batches, device=dev, learner=learn)
    run()  # warm-up (cudnn autotuning, lazily built AFD discriminators, allocator)
    times = [t for _ in range(c['rounds']) for t in run()[1:]]
    peak = f'{torch.cuda.max_memory_allocated()/2**20:.0f}' if dev.type == 'cuda' else '-'
    note = layout_note(method, learn, teachers) if prec == 'bf16+cl' else ''
    learn.model.cpu()
    for t in teachers: t.cpu()
    del learn, run
    return statistics.median(times), peak, note

def main(device='auto', smoke=False) -> list:
    c, dev = CONFIGS['smoke' if smoke else 'full'], device_of(device)
    if dev.type == 'cuda': torch.backends.cudnn.benchmark = True
    batches = cifar_batches(c['n_batches'], c['bs'], c['n_classes'], c['size'])
    teachers = [freeze(model_of(c['big'], 100 + i, c['n_classes'])) for i in range(c['k'])]
    big, small = c['big'].replace('resnet', 'ResNet-'), c['small'].replace('resnet', 'ResNet-')
    names = {'scratch_big': (f'scratch {big}', 0), 'scratch_small': (f'scratch {small}', 0),
             'pfeed': (f'pFEED {small} <- {c["k"]}x {big}', c['k']),
             'pfeed_stack': (f'pFEED {small} <- {c["k"]}x {big}, vmap stack', c['k']), 'afd': (f'AFD cohort {c["K"]}x {big}', c['K'])}
    precs = list(PRECISIONS) if dev.type == 'cuda' else ['fp32']
    rows = []
    for prec in precs:
        t = {m: measure(m, prec, c, batches, dev, teachers) for m in names}
        for m, (name, k) in names.items():
            ref, ref_name, target = (('scratch_small', small, '(pFEED floor)') if m.startswith('pfeed') else
                                     ('scratch_big', big, '(floor)' if m == 'scratch_big' else ''))
            step, peak, note = t[m]
            rows.append(dict(row(f'G {name} [{prec}]', k, step, t[ref][0], target, f' ({ref_name})'),
                             img_s=f'{c["bs"]/step:.0f}', peak_MiB=peak, note=note))
    if dev.type != 'cuda':
        rows.append(dict(bench='G bf16, bf16+channels_last', k='', fastai_ms='', plain_ms='', ratio='', target='',
                         img_s='', peak_MiB='', note="skipped: fastai's MixedPrecision autocasts on CUDA only"))
    return rows

GPU_COLS = ['bench', 'k', 'img_s', 'fastai_ms', 'plain_ms', 'ratio', 'target', 'peak_MiB', 'note']

if __name__ == '__main__': cli(main, __doc__, GPU_COLS, quick=False)
