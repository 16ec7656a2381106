"""Every method on several processes through fastai's DDP route, checked against itself and against one process.

Launch: `torchrun --standalone --nproc_per_node 2 tests/ddp_check.py --out DIR` (CPU, gloo) or `--device cuda` with one
process per GPU. Each method trains once on all processes (per-process batch `--bs`) and once, as a reference, in a single
process with the same global batch (`--bs` × processes), same seed and epochs; the references are shared out among the
processes. Rank 0 writes DIR/ddp_check.json, which tests/test_distributed.py reads.
"""
import argparse, json, os, sys, time, warnings
from contextlib import contextmanager
from pathlib import Path
warnings.filterwarnings('ignore')
import torch
from fastai.basics import *
from torch.nn.parallel import DistributedDataParallel
from feed_nb.distributed import init_distrib, local_device, ddp_ctx
from feed_nb.features import unwrap
from feed_nb.finite import NonFiniteError
from feed_nb.data import digits_dls
from feed_nb.models import create_model
from feed_nb.kd import KD
from feed_nb.factor_transfer import FactorTransfer
from feed_nb.multi_teacher import FEED, EKD, CompNet
from feed_nb.online import AFD, cohort_learner
import feed_nb.generations as G, feed_nb.experiments as E, feed_nb.report as R

p = argparse.ArgumentParser()
p.add_argument('--out', required=True)
p.add_argument('--device', default='cpu')
p.add_argument('--bs', type=int, default=32)  # per process
p.add_argument('--epochs', type=int, default=2)
p.add_argument('--frac', type=float, default=1.)
p.add_argument('--methods', default='kd,kd_stack,ft,feed,ekd,afd,ban,cli,nan')
args = p.parse_args()
cpu = args.device == 'cpu'
if cpu: torch.set_num_threads(1)
if not init_distrib(cpu): torch.distributed.init_process_group('gloo' if cpu else 'nccl')  # one process: a group of one
RANK, WORLD, DEV, OUT = rank_distrib(), num_distrib(), local_device(cpu), Path(args.out)
METHODS, LR, STUDENT, TEACHER = args.methods.split(','), 1e-2, 'cnn-16-32', 'cnn-32-64'

@contextmanager
def alone():
    "This process by itself: no collective operation (fastai and feed_nb read WORLD_SIZE)"
    ws = os.environ['WORLD_SIZE']; os.environ['WORLD_SIZE'] = '1'
    try: yield
    finally: os.environ['WORLD_SIZE'] = ws

WRITES = []  # (rank, file name) of every checkpoint, teacher file and report written
def _spy(mod, name, arg=0):
    f = getattr(mod, name)
    def spied(*a, **k): WRITES.append((RANK, Path(a[arg]).name, os.environ['WORLD_SIZE'] != '1')); return f(*a, **k)
    setattr(mod, name, spied)
for _m, _n in ((G, 'atomic_write'), (E, 'atomic_write'), (R, 'atomic_write')): _spy(_m, _n)  # checkpoints, teachers and students, the report

def dls_for(bs): return digits_dls(bs=bs, device=DEV, frac=args.frac)

with alone():  # the same teachers on every process: trained alone from one seed, as a user would load them from one file
    E.seed_everything(dls_for(64), 0)
    TEACHERS = E.train_teachers(dls_for(64), TEACHER, 2, epochs=3, lr=LR, quiet=True)

def _learner(dls, make, cbs):
    return Learner(dls, make(), loss_func=CrossEntropyLossFlat(), metrics=accuracy, cbs=cbs)

class Spy(Callback):
    "What the distiller `cb` runs on in the first training batch: a DDP student, the teacher-output cache, a teacher stack"
    order = 100
    def __init__(self, cb): self.cb, self.seen = cb, None
    def after_batch(self):
        if self.seen is None and self.training: self.seen = dict(
            ddp=isinstance(self.learn.model, DistributedDataParallel), cache=self.cb._cache is not None, stack=self.cb._stack is not None)

def cb_run(make_cb, make_model=lambda: create_model(STUDENT, 10, 1), learner=_learner, in_fit=False):
    """A runner: `(dls, seed) -> (model, synced modules, callback)` training one learner with the callback `make_cb()`,
    given to the `Learner` (set up before fastai's `DistributedTrainer` wraps model and loaders) or, `in_fit`, to `fit`
    (set up after: the student is a DDP module whose layer names start with `module.`, the loader a `DistributedDL`)"""
    def run(dls, seed):
        E.seed_everything(dls, seed)
        cb = make_cb()
        learn, spy = learner(dls, make_model, [] if in_fit else [cb]), Spy(cb)
        with ddp_ctx(learn), learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(args.epochs, LR, cbs=[cb, spy] if in_fit else spy)
        cb.seen = spy.seen
        assert not isinstance(learn.model, DistributedDataParallel), "the student is still wrapped after the fit"
        for t in cb.teachers or []:
            if getattr(cb, 'finetune_teachers', False): continue
            assert not isinstance(t, DistributedDataParallel) and all(q.grad is None for q in t.parameters()), "a teacher changed"
        return learn.model, cb.synced(), cb
    return run

def ban_run(dls, seed):
    "Two generations through `born_again`; the networks as each process holds them (checked before each checkpoint)"
    kept = {}
    check = G._check_weights
    def spy(model, gen): kept[gen] = model; return check(model, gen)
    G._check_weights = spy
    try:
        d = OUT/f"ban-{RANK if os.environ['WORLD_SIZE'] == '1' else 'ddp'}"
        G.born_again(lambda: create_model(STUDENT, 10, 1), dls, n_gens=2, run_dir=d, epochs=args.epochs, lr=LR, seeds=seed)
    finally: G._check_weights = check
    return kept[1], [kept[0]], None

def cohort(dls, make, cbs): return cohort_learner(dls, [make() for _ in range(2)], cbs=cbs)
RUNS = {
    'kd': cb_run(lambda: KD(TEACHERS, cache=True), in_fit=True),
    'kd_stack': cb_run(lambda: KD(TEACHERS, cache=False, batched=True)),
    'ft': cb_run(lambda: FactorTransfer(TEACHERS[0], auto_beta=True, student_layer='body.1', teacher_layer='body.1'), in_fit=True),
    'feed': cb_run(lambda: FEED(TEACHERS, beta=200.)),
    'ekd': cb_run(lambda: EKD(TEACHERS), make_model=lambda: CompNet(2, 10, 1, 8, (8, 16, 32)), in_fit=True),
    'afd': cb_run(lambda: AFD(), learner=cohort),
    'ban': ban_run,
}

def state_vector(model, synced, cb) -> Tensor:
    "Every parameter and buffer of the student and the synced modules, and every recorded component, as one float64 vector"
    ts = [t for m in [model, *synced] for t in m.state_dict().values()]
    ts += [v for k in sorted(getattr(cb, 'history', {})) for v in cb.history[k]]
    return torch.cat([t.detach().double().flatten().cpu() for t in ts])

@torch.no_grad()
def accuracy_of(model, dls) -> float:
    "Validation accuracy of `model` (a cohort: its first member) over the whole validation set, in this process alone"
    model = unwrap(model).eval()
    x, y = [t.to(DEV) for t in dls.valid.dataset.tensors]
    out = model(x)
    if out.dim() == 3: out = out[:, 0]
    return float((out.argmax(-1) == y).float().mean())

def export_check(dls, model, cb) -> dict:
    "Export a learner holding the trained student and its KD callback; what comes back"
    with alone():  # fastai's load_learner waits at a barrier when it sees WORLD_SIZE > 1
        Learner(dls, model, loss_func=CrossEntropyLossFlat(), cbs=cb).export(OUT/'kd.pkl')
        back = load_learner(OUT/'kd.pkl')
    n = lambda m: sum(q.numel() for q in m.parameters())
    return dict(model=type(back.model).__name__, params=n(back.model), student_params=n(create_model(STUDENT, 10, 1)),
                teachers=[c.teachers for c in back.cbs if isinstance(c, KD)])

def gather(obj) -> list:
    res = [None]*WORLD
    torch.distributed.all_gather_object(res, obj)
    return res

report = dict(world=WORLD, device=str(DEV), bs=args.bs, epochs=args.epochs, methods={})
for m in [m for m in METHODS if m in RUNS]:
    dls = dls_for(args.bs)
    t0 = time.perf_counter()
    model, synced, cb = RUNS[m](dls, 0)
    secs = time.perf_counter() - t0
    v = state_vector(model, synced, cb)
    vs = [torch.zeros_like(v) for _ in range(WORLD)]
    torch.distributed.all_gather(vs, v.to(DEV) if not cpu else v)
    diff = max(float((a.cpu() - vs[0].cpu()).abs().max()) for a in vs)
    report['methods'][m] = dict(max_diff=diff, n_values=len(v), acc=accuracy_of(model, dls), secs=secs, seen=getattr(cb, 'seen', None),
                                images_per_s=len(dls.train.dataset)*args.epochs/secs)
    if m == 'kd' and RANK == 0: report['export'] = export_check(dls, model, cb)

refs = {}
with alone():  # the single-process references, shared out among the processes
    for m in [m for m in METHODS if m in RUNS][RANK::WORLD]:
        dls = dls_for(args.bs*WORLD)
        model, _, _ = RUNS[m](dls, 0)
        refs[m] = accuracy_of(model, dls)
for r in gather(refs):
    for m, a in r.items(): report['methods'][m]['acc_single'] = a

class Overflow(Callback):
    "On the last process, a BatchNorm running variance of FT's translator overflows before training batch 2 (loss and gradients stay finite)"
    def __init__(self, ft): self.ft = ft
    def before_batch(self):
        if self.training and self.iter == 2 and RANK == WORLD - 1:
            bn = next(m for m in self.ft.translator.modules() if isinstance(m, nn.BatchNorm2d))
            with torch.no_grad(): bn.running_var[0] = float('inf')  # the owned modules' statistics are each process's own

if 'nan' in METHODS:  # every process stops in that batch; each catches the error, and they go on together
    ft = FactorTransfer(TEACHERS[0], beta=50., student_layer='body.1', teacher_layer='body.1')
    learn = _learner(dls_for(args.bs), lambda: create_model(STUDENT, 10, 1), [ft, Overflow(ft)])
    err = None
    with ddp_ctx(learn), learn.no_bar(), learn.no_logging():
        try: learn.fit(1, LR)
        except NonFiniteError as e: err = str(e)
    report['nan'] = gather(dict(rank=RANK, error=err))

if 'cli' in METHODS:  # `feed_nb compare` launched on every process: rank 0 alone writes the results and the teachers
    from feed_nb.cli import _main
    _main('compare', methods='kd', teacher='cnn-16-32', teachers=2, teacher_epochs=1, epochs=1, seeds=1, bs=args.bs,
          device=args.device, out=str(OUT/'cli'))

report['writes'] = [w for ws in gather(WRITES) for w in ws]
if RANK == 0: (OUT/'ddp_check.json').write_text(json.dumps(report, indent=1))
torch.distributed.barrier()
torch.distributed.destroy_process_group()
