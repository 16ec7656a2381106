"""Shared pieces of the benchmarks: CIFAR-shaped synthetic batches, a step timer for fastai learners,
and plain PyTorch loops doing the same maths, so that ratios are measured side by side in one process."""
import time, statistics, platform, os
import torch, torch.nn as nn, torch.nn.functional as F
from fastai.basics import *
from fastai.callback.fp16 import MixedPrecision
from feed_nb.core import TensorDS, soft_kd_loss, average_probs, freeze, count_params
from feed_nb.models import create_model

def device_of(name='auto'):
    return torch.device('cuda' if name == 'auto' and torch.cuda.is_available() else ('cpu' if name == 'auto' else name))

def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()

def cifar_batches(n_batches, bs, n_classes=100, size=32, seed=0):
    "`n_batches` random CIFAR-shaped batches (inputs and labels) on the CPU"
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(bs, 3, size, size, generator=g), torch.randint(0, n_classes, (bs,), generator=g)) for _ in range(n_batches)]

def dls_from_batches(batches, device):
    "fastai `DataLoaders` that yield exactly `batches`, in order (no shuffling, no augmentation)"
    x, y = torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches])
    bs = len(batches[0][1])
    return DataLoaders.from_dsets(TensorDS(x, y), TensorDS(x[:bs], y[:bs]), bs=bs, shuffle=False, drop_last=False, device=device)

class StepTimer(Callback):
    "Time each training step from `before_batch` to `after_batch` (data loading excluded)"
    order = -100
    def before_fit(self): self.times = []
    def before_batch(self):
        if self.training: sync(self.dls.device); self.t0 = time.perf_counter()
    def after_batch(self):
        if self.training: sync(self.dls.device); self.times.append(time.perf_counter() - self.t0)

def fastai_step_time(model, batches, cbs, device, warmup=2, lr=1e-2):
    "Median seconds per training step of a fastai `Learner` (SGD with momentum) with `cbs`"
    dls = dls_from_batches(batches, device)
    timer = StepTimer()
    learn = Learner(dls, model, loss_func=CrossEntropyLossFlat(), opt_func=partial(SGD, mom=0.9), cbs=[timer, *cbs])
    with learn.no_bar(), learn.no_logging(), learn.removed_cbs(learn.recorder): learn.fit(1, lr)
    return statistics.median(timer.times[warmup:])

def plain_step_time(model, batches, loss_fn, device, warmup=2, lr=1e-2):
    "Median seconds per step of a plain PyTorch loop: forward, `loss_fn(model, x, y)`, backward, SGD step"
    model.to(device).train()
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    times = []
    for x, y in batches:
        x, y = x.to(device), y.to(device)
        sync(device); t0 = time.perf_counter()
        loss = loss_fn(model, x, y)
        loss.backward(); opt.step(); opt.zero_grad()
        sync(device); times.append(time.perf_counter() - t0)
    return statistics.median(times[warmup:])

def forward_time(model, batches, device, warmup=2):
    "Median seconds of one no-grad eval forward pass"
    model.to(device).eval()
    times = []
    with torch.no_grad():
        for x, _ in batches:
            x = x.to(device); sync(device); t0 = time.perf_counter()
            model(x); sync(device); times.append(time.perf_counter() - t0)
    return statistics.median(times[warmup:])

def machine():
    dev = torch.cuda.get_device_name() if torch.cuda.is_available() else f"CPU ({os.cpu_count()} cores)"
    return f"{platform.node() or 'host'}: {dev}, torch {torch.__version__}, {torch.get_num_threads()} threads"

def fmt_table(rows, cols):
    w = {c: max(len(c), *(len(str(r.get(c, ''))) for r in rows)) for c in cols}
    line = lambda r: '  '.join(str(r.get(c, '')).ljust(w[c]) for c in cols)
    return '\n'.join([line({c: c for c in cols}), '  '.join('-'*w[c] for c in cols), *map(line, rows)])
