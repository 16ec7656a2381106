"""Shared pieces of the benchmarks: CIFAR-shaped synthetic batches, runs of a fastai `Learner` and of a plain PyTorch
loop over the same batches, and `compare_steps`, which times several runs *interleaved* (A B C A B C ...) so that a
change of machine load hits every variant alike and the ratios stay meaningful on a shared 2-core machine."""
import time, statistics, platform, os, weakref
from contextlib import contextmanager
import torch, torch.nn as nn, torch.nn.functional as F
from fastai.basics import *
from feed_nb.core import TensorDS, soft_kd_loss, average_probs, freeze, count_params
from feed_nb.models import create_model
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

def device_of(name='auto'):
    return torch.device('cuda' if name == 'auto' and torch.cuda.is_available() else ('cpu' if name == 'auto' else name))

def sync(dev):
    if torch.device(dev).type == 'cuda': torch.cuda.synchronize()

_clock = [time.perf_counter]
def clock() -> float:
    "The step timers' clock: wall time, or the thread's CPU time inside `cpu_time()`"
    return _clock[0]()

@contextmanager
def cpu_time(dev='cpu'):
    """Time steps in CPU seconds of the calling thread (`time.thread_time`): unlike wall time, not inflated while other
    jobs hold the cores. Only where that thread does all the work: a CPU `dev` and one torch thread; else wall time"""
    if torch.device(dev).type != 'cpu' or torch.get_num_threads() != 1: yield; return
    _clock[0] = time.thread_time
    try: yield
    finally: _clock[0] = time.perf_counter

def cifar_batches(n_batches, bs, n_classes=100, size=32, seed=0):
    "`n_batches` random CIFAR-shaped batches (inputs and labels) on the CPU"
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(bs, 3, size, size, generator=g), torch.randint(0, n_classes, (bs,), generator=g)) for _ in range(n_batches)]

def dls_from_batches(batches, device):
    "fastai `DataLoaders` that yield exactly `batches`, in order (no shuffling, no augmentation, no worker processes)"
    x, y = torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches])
    bs = len(batches[0][1])
    return DataLoaders.from_dsets(TensorDS(x, y), TensorDS(x[:bs], y[:bs]), bs=bs, shuffle=False, drop_last=False,
                                  device=device, num_workers=0)

def model_of(arch, seed=0, n_classes=100, n_in=3):
    "`create_model(arch)` with its weights drawn from `seed`"
    torch.manual_seed(seed)
    return create_model(arch, n_classes, n_in)

class StepTimer(Callback):
    "Time each training step from `before_batch` to `after_batch` (data loading excluded)"
    order, rewrites_batch = -100, False  # it only looks: distillers keep their teacher-output cache and ordering
    def before_fit(self): self.times = []
    def before_batch(self):
        if self.training: sync(self.dls.device); self.t0 = clock()
    def after_batch(self):
        if self.training: sync(self.dls.device); self.times.append(clock() - self.t0)

class FastaiRun:
    "One pass of a fastai `Learner` (SGD, momentum 0.9, constant lr) with `cbs` over `batches`; calling it returns the step times"
    def __init__(self, model, batches, cbs=(), device='cpu', lr=1e-2, loss_func=None, learner=None):
        self.timer = StepTimer()
        if learner is None:
            learner = Learner(dls_from_batches(batches, device), model, loss_func=loss_func or CrossEntropyLossFlat(),
                              opt_func=partial(SGD, mom=0.9), cbs=list(cbs))
        self.learn, self.lr = learner, lr
        self.learn.add_cb(self.timer)
    def __call__(self):
        with self.learn.no_bar(), self.learn.no_logging(), self.learn.removed_cbs(self.learn.recorder): self.learn.fit(1, self.lr)
        return list(self.timer.times)

class PlainRun:
    "One pass of a plain loop: `loss = loss_fn(x, y)`, backward, `opt.step()`, `opt.zero_grad()`, then `after_step()`"
    def __init__(self, model, batches, loss_fn, device='cpu', lr=1e-2, params=None, after_step=None):
        self.model, self.batches, self.loss_fn, self.dev, self.after_step = model.to(device), batches, loss_fn, torch.device(device), after_step
        self.opt = torch.optim.SGD(list(params if params is not None else model.parameters()), lr=lr, momentum=0.9)
    def __call__(self):
        self.model.train()
        times = []
        for x, y in self.batches:
            x, y = x.to(self.dev), y.to(self.dev)
            sync(self.dev); t0 = clock()
            loss = self.loss_fn(x, y)
            loss.backward(); self.opt.step(); self.opt.zero_grad()
            if self.after_step is not None: self.after_step()
            sync(self.dev); times.append(clock() - t0)
        return times

class ForwardRun:
    "No-grad eval forward passes of `model` over `batches`; calling it returns their times"
    def __init__(self, model, batches, device='cpu'): self.model, self.batches, self.dev = model.to(device).eval(), batches, torch.device(device)
    def __call__(self):
        times = []
        with torch.no_grad():
            for x, _ in self.batches:
                x = x.to(self.dev); sync(self.dev); t0 = clock()
                self.model(x); sync(self.dev); times.append(clock() - t0)
        return times

class FnRun:
    "Time `fn()` `n` times (it must do its own work on the device)"
    def __init__(self, fn, n=8, device='cpu'): self.fn, self.n, self.dev = fn, n, device
    def __call__(self):
        times = []
        for _ in range(self.n):
            sync(self.dev); t0 = clock(); self.fn(); sync(self.dev); times.append(clock() - t0)
        return times

def compare_steps(runs:dict, rounds:int=3, skip:int=1, warmup:bool=True) -> dict:
    "Median seconds per step of each run: one untimed warm-up pass each (if `warmup`), then `rounds` interleaved passes (first `skip` steps of each dropped)"
    if warmup:
        for r in runs.values(): r()
    times = {k: [] for k in runs}
    for _ in range(rounds):
        for k, r in runs.items(): times[k] += r()[skip:]
    return {k: statistics.median(v) for k, v in times.items()}

def ms(s): return f'{1e3*s:.1f}'

def row(bench, k, fastai, plain, target, plain_note=''):
    "A table row: the ratio of `fastai` to `plain` seconds against `target`"
    return dict(bench=bench, k=k, fastai_ms=ms(fastai), plain_ms=ms(plain) + plain_note, ratio=f'{fastai/plain:.3f}', target=target)

def machine():
    dev = torch.cuda.get_device_name() if torch.cuda.is_available() else f"CPU ({os.cpu_count()} cores)"
    load = f", load {os.getloadavg()[0]:.1f}" if hasattr(os, 'getloadavg') else ''
    return f"{time.strftime('%Y-%m-%d')} {platform.node() or 'host'}: {dev}, torch {torch.__version__}, {torch.get_num_threads()} threads{load}"

COLS = ['bench', 'k', 'fastai_ms', 'plain_ms', 'ratio', 'target']

def fmt_table(rows, cols=COLS):
    w = {c: max(len(c), *(len(str(r.get(c, ''))) for r in rows)) for c in cols}
    line = lambda r: '  '.join(str(r.get(c, '')).ljust(w[c]) for c in cols)
    return '\n'.join([line({c: c for c in cols}), '  '.join('-'*w[c] for c in cols), *map(line, rows)])

def md_table(rows, cols=COLS):
    return '\n'.join(['| ' + ' | '.join(cols) + ' |', '|' + '---|'*len(cols), *('| ' + ' | '.join(str(r.get(c, '')) for c in cols) + ' |' for r in rows)])

def tables(rows, fmt=fmt_table, cols=COLS) -> str:
    "`rows` as one table per column set (a row's `_cols`, else `cols`), in order of first appearance"
    groups = {}
    for r in rows: groups.setdefault(tuple(r.get('_cols', cols)), []).append(r)
    return '\n\n'.join(fmt(rs, list(c)) for c, rs in groups.items())

def saved_storage_bytes(loss_fn, exclude=()) -> int:
    "Bytes of the distinct storages autograd keeps for the backward of `loss_fn()`: a tensor saved by two ops counts once, storages of `exclude` (e.g. parameters) not at all"
    seen, total = {t.untyped_storage().data_ptr() for t in exclude}, [0]
    def pack(t):
        s = t.untyped_storage()
        if s.data_ptr() not in seen: seen.add(s.data_ptr()); total[0] += s.nbytes()
        return t
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t): loss_fn().backward()
    return total[0]

def line_fit(xs, ys):
    "Least-squares `a + b·x` through the points: (a, b, fitted values, max |y − fit|/y)"
    x, y = torch.tensor(xs, dtype=torch.float64), torch.tensor(ys, dtype=torch.float64)
    A = torch.stack([torch.ones_like(x), x], 1)
    a, b = torch.linalg.lstsq(A, y[:, None]).solution[:, 0].tolist()
    fit = [a + b*xi for xi in xs]
    return a, b, fit, max(abs(yi - fi)/yi for yi, fi in zip(ys, fit))

class EpochTimer(Callback):
    "Wall time of each epoch (validation included) and of the set-up from `before_fit` to the first epoch"
    order = -100
    def before_fit(self): self.t_fit, self.setup, self.times = time.perf_counter(), None, []
    def before_epoch(self):
        sync(self.dls.device)
        if self.setup is None: self.setup = time.perf_counter() - self.t_fit
        self.t0 = time.perf_counter()
    def after_epoch(self): sync(self.dls.device); self.times.append(time.perf_counter() - self.t0)


def cli(main, doc, cols=COLS, quick=True):
    "The command line every script shares: `--quick`, `--smoke`, `--device`; prints the machine, the table and the time taken"
    import argparse
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    if quick: p.add_argument('--quick', action='store_true', help='small models; a minute or two on 2 CPU cores')
    p.add_argument('--smoke', action='store_true', help='the smallest config: only proves the script runs')
    p.add_argument('--device', default='auto')
    a = p.parse_args()
    print(machine())
    t0 = time.perf_counter()
    rows = main(a.quick, a.device, a.smoke) if quick else main(a.device, a.smoke)
    print(tables(rows, cols=cols))
    print(f'({time.perf_counter() - t0:.0f} s)')


class PeakMemory(TorchDispatchMode):
    "Peak bytes of the tensor storages created inside the context and alive at once (any device, CPU included)"
    def __init__(self): super().__init__(); self.cur = self.peak = 0; self.live = set()
    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        # an output on an input's storage (a view, an in-place update) allocates nothing: without this, a view of a data
        # set made before the context, or a parameter updated in place, was counted as a new storage of its full size
        ins = {(a.untyped_storage().device, a.untyped_storage().data_ptr())
               for a in tree_flatten((args, kwargs))[0] if isinstance(a, torch.Tensor)}
        for t in tree_flatten(out)[0]:
            if not isinstance(t, torch.Tensor): continue
            st = t.untyped_storage()
            key, n = (st.device, st.data_ptr()), st.nbytes()
            if key in self.live or key in ins or n == 0: continue
            self.live.add(key); self.cur += n; self.peak = max(self.peak, self.cur)
            weakref.finalize(st, self._free, key, n)
        return out
    def _free(self, key, n): self.cur -= n; self.live.discard(key)

def fit_peak(model, batch, cbs=(), device='cpu'):
    "Peak bytes allocated during a one-batch fastai `fit` (training step, optimizer state, validation) with `cbs`"
    learn = Learner(dls_from_batches([batch], device), model, loss_func=CrossEntropyLossFlat(), opt_func=partial(SGD, mom=0.9), cbs=list(cbs))
    with learn.no_bar(), learn.no_logging(), PeakMemory() as m: learn.fit(1, 1e-2)
    return m.peak
