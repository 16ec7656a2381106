"""Peers: feed_nb's `KD` and `FactorTransfer` against what a user would pick instead, side by side in one process.

Peers (the optional extra `pip install -e ".[bench]"`): fasterai 0.4.1, whose `KnowledgeDistillationCallback(teacher,
loss, activations_student, activations_teacher, weight)` is the one fastai distillation callback (one teacher module);
torchdistill 1.1.5, whose loss modules `KDLoss` and `FTLoss` run here in a plain PyTorch loop, the teacher first and
under `no_grad` (what its `DistillationBox` does with a frozen teacher), features through its `ForwardHookManager`.
Every run starts from the same weights and sees the same batches; SGD, momentum 0.9, constant lr, no weight decay.
Step time: median over interleaved rounds (`common.compare_steps`), data loading excluded; on a CPU with one torch
thread, the CPU time of the thread doing the work (`common.cpu_time`), since other jobs share the machine.
Peak memory: the most bytes of tensor storages alive at once during a one-batch fit or loop step (`common.PeakMemory`;
weights made before excluded).
Shapes: 'cifar', the other benchmarks' (ResNet-20 student, ResNet-56 teachers, 3×32×32, 100 classes, batch 128), and
'digits', the package's default (cnn-16-32 student, cnn-32-64-128 teachers, 1×8×8, 10 classes, batch 64).
Methods: KD from one teacher and from an ensemble of 2; FactorTransfer (cifar: through a paraphraser, k = 0.5; digits:
the teacher's feature map, both factors area-pooled to the smaller grid, β scaled as `compare`'s 'ft'); fasterai also as
its tutorial calls it (the trained teacher passed as is, not frozen); one validation pass (fasterai runs the teacher
there too); validation accuracy on the digits after the same short schedule from the same seed.
Same objective (checked first, `check_same_objective`; `python bench_peers.py --check` runs only that):
- KD: feed_nb `KD(alpha=a, T=t)` = (1−a)·CE + a·t²·KL(p_t ‖ p_s). fasterai blends with `torch.lerp(CE, L, weight)` =
  (1−weight)·CE + weight·L: weight = a, loss = `SoftTarget(T=t)`. torchdistill's `alpha` weighs the label term:
  `KDLoss(temperature=t, alpha=1−a)` (its `beta` defaults to 1−alpha = a).
- Ensemble: both peers take one teacher module. `EnsembleTeacher` returns t·log(mean softmax(z_i/t)), whose softmax at
  temperature t is exactly the ensemble's averaged distribution that feed_nb's `KD` distils from.
- FactorTransfer: CE + β·mean|F_S/‖F_S‖₂ − F_T/‖F_T‖₂| (p = 1, mean over all elements). torchdistill: `FTLoss(p=1,
  reduction='mean')` weighted β next to CE (what its `WeightedSumLoss` does). fasterai has no FT loss and no place for a
  trained translator: the translator rides in a wrapper student (`WithTranslator`) so the Learner's optimizer trains it,
  the loss is a function of the hooked feature maps, and weight = 1 with CE inside the loss (a lerp weight in [0, 1]
  cannot give CE + β·L with β > 1). Neither peer matches grids: their loops call feed_nb's `match_spatial`.
"""
from common import *
import sys, copy, math  # after the star import: fastai exports a `copy` function
from feed_nb.kd import KD
from feed_nb.core import factor_loss, kd_loss
from feed_nb.factor_transfer import FactorTransfer, Paraphraser, Translator, feature_map, match_spatial
from feed_nb.data import digits_dls, digits_tensors
from feed_nb.training import seed_everything, train_teachers
from bench_methods import plain_run, channels, _agree, _triples

try:
    from torchdistill.losses.mid_level import KDLoss, FTLoss
    from torchdistill.core.forward_hook import ForwardHookManager
    from fasterai.distill.distillation_callback import KnowledgeDistillationCallback
    from fasterai.distill.losses import SoftTarget
    MISSING = None
except ImportError as e: MISSING = f"the peers are not installed ({e}): pip install -e '.[bench]'"

SHAPES = {'cifar':  dict(student='resnet20', teacher='resnet56', n_in=3, size=32, n_classes=100, bs=128),
          'digits': dict(student='cnn-16-32', teacher='cnn-32-64-128', n_in=1, size=8, n_classes=10, bs=64)}
CONFIGS = {  # per mode: what changes in each shape, and the accuracy schedule on the digits
    'full':  dict(cifar=dict(n_batches=6, rounds=5), digits=dict(n_batches=20, rounds=10), epochs=10, teacher_epochs=10),
    'quick': dict(cifar=dict(student='resnet8', teacher='resnet14', bs=32, n_batches=6, rounds=3),
                  digits=dict(n_batches=10, rounds=5), epochs=3, teacher_epochs=5),
    'smoke': dict(cifar=dict(student='resnet8', teacher='resnet8', bs=4, n_batches=2, rounds=1),
                  digits=dict(bs=16, n_batches=2, rounds=1), epochs=1, teacher_epochs=1),
}
PEERS = ('fasterai', 'torchdistill')
PEER_COLS = ['bench', 'shape', 'peer', 'feed_nb_ms', 'peer_ms', 'time_ratio', 'round_range', 'over_floor', 'feed_nb_MiB', 'peer_MiB', 'mem_ratio']
ACC_COLS = ['bench', 'shape', 'peer', 'feed_nb_acc', 'peer_acc', 'same_preds']
CHECK_COLS = ['bench', 'peer', 'loss_rel_diff', 'grad_rel_diff', 'param_rel_diff', 'verdict']
FINDING_COLS = ['bench', 'peer', 'measured', 'verdict']
T, ALPHA = 4., .9  # feed_nb's KD defaults (FEED's setup)

# ---------------------------------------------------------------- the peers' side
class EnsembleTeacher(nn.Module):
    "Teachers as one module for a peer that takes one: `T`·log of the mean of their softmax(z/`T`)"
    def __init__(self, teachers, T=T): super().__init__(); self.teachers, self.T = nn.ModuleList(teachers), T
    def forward(self, x):
        logp = torch.stack([F.log_softmax(t(x)/self.T, dim=-1) for t in self.teachers])
        return self.T*(torch.logsumexp(logp, 0) - math.log(len(self.teachers)))

def one_teacher(ts): return ts[0] if len(ts) == 1 else EnsembleTeacher(ts)

def fasterai_kd(teachers, T=T, alpha=ALPHA):
    "fasterai's callback doing feed_nb's `KD(teachers, T, alpha)`"
    return KnowledgeDistillationCallback(one_teacher(teachers), partial(SoftTarget, T=T), weight=alpha)

def td_kd(model, teachers, T=T, alpha=ALPHA):
    "A plain-loop loss with torchdistill's `KDLoss`: teacher first under no_grad, outputs keyed as its `DistillationBox` keys them"
    kd, teacher = KDLoss('.', 'output', '.', 'output', temperature=T, alpha=1 - alpha), one_teacher(teachers)
    def loss(x, y):
        with torch.no_grad(): z_t = teacher(x)
        return kd({'.': {'output': model(x)}}, {'.': {'output': z_t}}, y)
    return loss

class WithTranslator(nn.Module):
    "The student plus the FT translator as a submodule, so that a fasterai Learner's optimizer trains both"
    def __init__(self, net, translator): super().__init__(); self.net, self.translator = net, translator
    def forward(self, x): return self.net(x)

def ft_l1(f_s, f_t):
    "FT's distance written as a fasterai user would: mean |f_s/‖f_s‖₂ − f_t/‖f_t‖₂| per element"
    return F.l1_loss(F.normalize(f_s.flatten(1), dim=1), F.normalize(f_t.flatten(1), dim=1))

def fasterai_ft(ft):
    "fasterai's callback doing feed_nb's `FactorTransfer` (the student must be a `WithTranslator`)"
    s_name, t_name = f"net.{ft['s_layer']}", ft['t_layer']
    def loss(pred, fm_s, fm_t, target, **kwargs):
        with torch.no_grad(): f_t = ft['para'].encode(fm_t[t_name]) if ft['para'] is not None else fm_t[t_name]
        f_s, f_t = match_spatial(ft['translator'](fm_s[s_name]), f_t, ft['spatial'])
        return F.cross_entropy(pred, target) + ft['beta']*ft_l1(f_s, f_t)
    return KnowledgeDistillationCallback(ft['teacher'], loss, s_name, t_name, weight=1.)

def td_ft(model, translator, ft, dev):
    "A plain-loop loss with torchdistill's `FTLoss`: features through its `ForwardHookManager`, F_T first under no_grad"
    fl, hs, ht = FTLoss(p=1, reduction='mean'), ForwardHookManager(dev), ForwardHookManager(dev)
    hs.add_hook(model, ft['s_layer'], requires_input=False); ht.add_hook(ft['teacher'], ft['t_layer'], requires_input=False)
    def loss(x, y):
        with torch.no_grad():
            ft['teacher'](x); f_t = ht.pop_io_dict()[ft['t_layer']]['output']
            if ft['para'] is not None: f_t = ft['para'].encode(f_t)
        z = model(x)
        f_s, f_t = match_spatial(translator(hs.pop_io_dict()[ft['s_layer']]['output']), f_t, ft['spatial'])
        return F.cross_entropy(z, y) + ft['beta']*fl({'translator': {'output': f_s}}, {'paraphraser': {'output': f_t}})
    return loss

# ---------------------------------------------------------------- the runs
def shape_of(mode, name): return {**SHAPES[name], **CONFIGS[mode][name]}

def student_of(s, seed=0): return model_of(s['student'], seed, s['n_classes'], s['n_in'])
def teachers_of(s, dev, n=2, frozen=True):
    ts = [model_of(s['teacher'], 100 + i, s['n_classes'], s['n_in']).to(dev).eval() for i in range(n)]
    return [freeze(t) for t in ts] if frozen else ts

def ft_setup(s, dev, teacher=None, seed=7) -> dict:
    "FT's pieces at shape `s`: teacher, paraphraser (cifar) or none (digits), translator, β, layers, grid matching"
    te = teacher if teacher is not None else teachers_of(s, dev, 1)[0]
    st, x = student_of(s).to(dev), torch.zeros(2, s['n_in'], s['size'], s['size'], device=dev)
    cifar = s['n_in'] == 3
    torch.manual_seed(seed)
    para = freeze(Paraphraser(channels(te, s['n_in'], s['size']), k=.5), dev) if cifar else None
    f_s = feature_map(st, None, x)
    nf = para.nf if cifar else channels(te, s['n_in'], s['size'])
    beta = 500. if cifar else 500.*math.sqrt(f_s[0].numel()/4096)  # `compare`'s scaled β on the digits
    return dict(teacher=te, para=para, translator=Translator(f_s.shape[1], nf).to(dev), beta=beta,
                s_layer=st.feature_layer, t_layer=te.feature_layer, spatial='error' if cifar else 'interpolate')

def ft_copy(ft):
    "Fresh copies of FT's modules: every run hooks and trains its own"
    return {**ft, **{k: copy.deepcopy(ft[k]) for k in ('teacher', 'para', 'translator')}}

def feed_nb_ft(ft): return FactorTransfer(ft['teacher'], ft['beta'], paraphraser=ft['para'], translator=ft['translator'],
                                          spatial=ft['spatial'], cache=False)

def tag(run, net, translator=None):
    "`run` with the student network it trains and FT's translator, for the same-maths check"
    run.net, run.translator = net, translator
    return run

def factories(s, dev, ft=None) -> dict:
    "name -> f(batches) building that run on fresh copies of the same student, teachers and translator"
    ts, ft, new = teachers_of(s, dev), ft or ft_setup(s, dev), lambda: student_of(s)
    cp = lambda k: [copy.deepcopy(t) for t in ts[:k]]
    def fastai(cbs_of, wrap=None):
        def make(b):
            m, c = new(), ft_copy(ft)
            return tag(FastaiRun(wrap(m, c) if wrap else m, b, cbs_of(c), dev), m, c['translator'])
        return make
    def plain(loss_of, ft_too=False):
        def make(b):
            m, c = new(), ft_copy(ft)
            ex = [c['translator']] if ft_too else []
            return tag(plain_run(m, b, loss_of(m, c), dev, extra=ex), m, c['translator'])
        return make
    f = {'scratch/fastai': fastai(lambda c: []),
         'scratch/plain': plain(lambda m, c: lambda x, y: F.cross_entropy(m(x), y))}
    for k in (1, 2):
        f[f'KD k={k}/feed_nb'] = fastai(lambda c, k=k: [KD(cp(k), T, ALPHA, cache=False, batched=False)])
        f[f'KD k={k}/fasterai'] = fastai(lambda c, k=k: [fasterai_kd(cp(k))])
        f[f'KD k={k}/torchdistill'] = plain(lambda m, c, k=k: td_kd(m, cp(k)))
    # fasterai's tutorial passes the trained `teacher.model` as it is: not frozen
    f['KD k=1/fasterai, tutorial'] = fastai(lambda c: [fasterai_kd(teachers_of(s, dev, 1, frozen=False))])
    f['FT/feed_nb'] = fastai(lambda c: [feed_nb_ft(c)])
    f['FT/fasterai'] = fastai(lambda c: [fasterai_ft(c)], wrap=lambda m, c: WithTranslator(m, c['translator']))
    f['FT/torchdistill'] = plain(lambda m, c: td_ft(m, c['translator'], c, dev), ft_too=True)
    return f

def shape_batches(s, seed=0):
    "`n_batches` batches of shape `s`: random CIFAR-shaped ones, or the first digits (normalized) in order"
    if s['n_in'] == 3: return cifar_batches(s['n_batches'], s['bs'], s['n_classes'], s['size'], seed)
    x, y = digits_tensors()
    x = (x - x.mean())/x.std()
    return [(x[i:i + s['bs']], y[i:i + s['bs']]) for i in range(0, s['n_batches']*s['bs'], s['bs'])]

class Loading:
    "Batches copied as they are read, as a data loader makes them: a plain loop's peak then counts its batch, as fastai's does"
    def __init__(self, batches): self.batches = batches
    def __iter__(self): return ((x.clone(), y.clone()) for x, y in self.batches)

def peak_mib(make, batch) -> float:
    "Peak MiB of one step (fastai: a one-batch fit, validation included) of the run `make([batch])`"
    run = make([batch])
    if isinstance(run, PlainRun): run.batches = Loading(run.batches)
    with PeakMemory() as m: run()
    return m.peak/2**20

def per_round(runs, rounds, skip=1) -> list:
    "Median seconds per step of each run in each of `rounds` interleaved rounds (one untimed warm-up pass first)"
    return [compare_steps(runs, 1, skip, warmup=i == 0) for i in range(rounds)]

def validation_rounds(runs, rounds) -> list:
    "`per_round` of one validation pass over the training batches, for the fastai runs among `runs`"
    def val(learn):
        def go():
            with learn.no_bar(), learn.no_logging(): learn.validate(dl=learn.dls.train)
        return FnRun(go, 2)
    return per_round({k: val(r.learn) for k, r in runs.items()}, rounds, skip=0)

def ratio_row(bench, shape, peer, per, a, b, floors, mem=None):
    """feed_nb run `a` against the peer's `b`: median step times over the rounds `per`, the median and range of the
    per-round ratios (a round times both within seconds of each other), the ratio of the step times above each one's
    scratch floor (`floors`: run names), peak memory"""
    med = lambda k: statistics.median(r[k] for r in per) if k else 0.
    rs = [r[a]/r[b] for r in per]
    m = dict(feed_nb_MiB=f'{mem[a]:.1f}', peer_MiB=f'{mem[b]:.1f}', mem_ratio=f'{mem[a]/mem[b]:.3f}') if mem else {}
    return dict(_cols=PEER_COLS, bench=bench, shape=shape, peer=peer, feed_nb_ms=ms(med(a)), peer_ms=ms(med(b)),
                time_ratio=f'{statistics.median(rs):.3f}', round_range=f'{min(rs):.2f}-{max(rs):.2f}',
                over_floor=f'{(med(a) - med(floors[0]))/(med(b) - med(floors[1])):.3f}' if floors[0] else '', **m)

def shape_rows(name, s, dev) -> list:
    "Step time and peak memory of every run at shape `s`, timed interleaved, as feed_nb/peer rows"
    batches, fs = shape_batches(s), factories(s, dev)
    runs = {k: f(batches) for k, f in fs.items()}
    per = per_round(runs, s['rounds'])
    mem = {k: peak_mib(f, batches[0]) for k, f in fs.items()}
    rows = [ratio_row('scratch (the floors)', name, 'plain loop', per, 'scratch/fastai', 'scratch/plain', (None, None), mem)]
    for meth in ('KD k=1', 'KD k=2', 'FT'):
        for peer in PEERS + (('fasterai, tutorial',) if meth == 'KD k=1' else ()):
            floors = ('scratch/fastai', 'scratch/plain' if peer == 'torchdistill' else 'scratch/fastai')
            rows.append(ratio_row(meth, name, peer, per, f'{meth}/feed_nb', f'{meth}/{peer}', floors, mem))
    v = validation_rounds({k: runs[k] for k in ('scratch/fastai', 'KD k=1/feed_nb', 'KD k=1/fasterai')}, s['rounds'])
    return rows + [ratio_row('validation pass, KD k=1', name, 'fasterai', v, 'KD k=1/feed_nb', 'KD k=1/fasterai',
                             ('scratch/fastai',)*2)]

# ---------------------------------------------------------------- accuracy on the digits
def valid_preds(model, dl):
    model.eval()
    with torch.no_grad(): return torch.cat([model(x).argmax(1) for x, _ in dl]), torch.cat([y for _, y in dl])

def digits_accuracy(c, dev, lr=.1) -> list:
    "Validation accuracy of each way to train after the same `c['epochs']` of SGD from the same seed, same shuffling"
    dls = digits_dls(bs=64, device=dev)
    ts = [freeze(t) for t in train_teachers(dls, 'cnn-32-64-128', 2, c['teacher_epochs'], quiet=True)]
    s = shape_of('full', 'digits')
    ft = ft_setup(s, dev, teacher=ts[0])
    def fastai_fit(cbs, wrap=lambda m: m):
        seed_everything(dls, 0); m = student_of(s, 0)
        learn = Learner(dls, wrap(m), loss_func=CrossEntropyLossFlat(), opt_func=partial(SGD, mom=.9), cbs=cbs)
        with learn.no_bar(), learn.no_logging(): learn.fit(c['epochs'], lr)
        return valid_preds(m, dls.valid)
    def plain_fit(loss_of, extra=()):
        seed_everything(dls, 0); m = student_of(s, 0)
        run = plain_run(m, dls.train, loss_of(m), dev, extra=extra)
        run.opt.param_groups[0]['lr'] = lr
        for _ in range(c['epochs']): run()
        return valid_preds(m, dls.valid)
    cp = lambda k: [copy.deepcopy(t) for t in ts[:k]]
    preds = {'scratch': fastai_fit([])}
    for k in (1, 2):
        preds[f'KD k={k}/feed_nb'] = fastai_fit([KD(cp(k), T, ALPHA)])
        preds[f'KD k={k}/fasterai'] = fastai_fit([fasterai_kd(cp(k))])
        preds[f'KD k={k}/torchdistill'] = plain_fit(lambda m: td_kd(m, cp(k)))
    preds['FT/feed_nb'] = fastai_fit([feed_nb_ft(ft_copy(ft))])
    c2 = ft_copy(ft)
    preds['FT/fasterai'] = fastai_fit([fasterai_ft(c2)], lambda m: WithTranslator(m, c2['translator']))
    c3 = ft_copy(ft)
    preds['FT/torchdistill'] = plain_fit(lambda m: td_ft(m, c3['translator'], c3, dev), extra=[c3['translator']])
    acc = lambda p: f'{(p[0] == p[1]).float().mean().item():.4f}'
    sched = f"digits, {c['epochs']} ep"
    rows = [dict(_cols=ACC_COLS, bench=f"teachers ({c['teacher_epochs']} ep)", shape=sched, peer='',
                 feed_nb_acc=' / '.join(acc(valid_preds(t, dls.valid)) for t in ts)),
            dict(_cols=ACC_COLS, bench='scratch', shape=sched, peer='', feed_nb_acc=acc(preds['scratch']))]
    for meth in ('KD k=1', 'KD k=2', 'FT'):
        a = preds[f'{meth}/feed_nb']
        for peer in PEERS:
            b = preds[f'{meth}/{peer}']
            rows.append(dict(_cols=ACC_COLS, bench=meth, shape=sched, peer=peer, feed_nb_acc=acc(a), peer_acc=acc(b),
                             same_preds=f'{(a[0] == b[0]).float().mean().item():.4f}'))
    return rows

# ---------------------------------------------------------------- same objective
def _rel(a, b): return (a - b).abs().max().item()/max(a.abs().max().item(), 1e-12)

def loss_agreement(fn_loss, peer_loss, *inputs) -> tuple:
    "Relative differences of two losses on the same tensors and of their gradients with respect to `inputs`"
    xs = [[x.detach().clone().requires_grad_() for x in inputs] for _ in range(2)]
    la, lb = fn_loss(*xs[0]), peer_loss(*xs[1])
    ga, gb = torch.autograd.grad(la, xs[0]), torch.autograd.grad(lb, xs[1])
    return _rel(la, lb), max(_rel(a, b) for a, b in zip(ga, gb))

def check_losses(n=16, c=10, seed=0) -> dict:
    "feed_nb's objectives against the peers' on the same random logits and factors: (loss, gradient) relative differences"
    g = torch.Generator().manual_seed(seed)
    z, z1, z2 = (3*torch.randn(n, c, generator=g) for _ in range(3))
    y = torch.randint(0, c, (n,), generator=g)
    f_s, f_t = torch.randn(n, 8, 4, 4, generator=g), torch.randn(n, 8, 4, 4, generator=g)
    fn_kd = lambda ts: lambda z: (1 - ALPHA)*F.cross_entropy(z, y) + ALPHA*soft_kd_loss(z, average_probs(ts, T), T)
    td = KDLoss('.', 'output', '.', 'output', temperature=T, alpha=1 - ALPHA)
    res = {}
    for k, ts in ((1, [z1]), (2, [z1, z2])):
        z_t = ts[0] if k == 1 else T*(torch.logsumexp(torch.stack([F.log_softmax(t/T, -1) for t in ts]), 0) - math.log(2))
        res[(f'KD k={k}', 'fasterai')] = loss_agreement(
            fn_kd(ts), lambda z: torch.lerp(F.cross_entropy(z, y), SoftTarget(z, z_t, T=T), ALPHA), z)
        res[(f'KD k={k}', 'torchdistill')] = loss_agreement(
            fn_kd(ts), lambda z: td({'.': {'output': z}}, {'.': {'output': z_t}}, y), z)
    fl = FTLoss(p=1, reduction='mean')
    res[('FT', 'fasterai')] = loss_agreement(factor_loss, ft_l1, f_s, f_t)
    res[('FT', 'torchdistill')] = loss_agreement(
        factor_loss, lambda a, b: fl({'translator': {'output': a}}, {'paraphraser': {'output': b}}), f_s, f_t)
    return res

def check_steps(s, dev) -> dict:
    "Each peer's run against feed_nb's: the student (and FT's translator) after two steps from identical starts"
    batches, ft = shape_batches(s, seed=1), ft_setup(s, dev)
    fs, s0, res = factories(s, dev, ft), student_of(s), {}
    for meth in ('KD k=1', 'KD k=2', 'FT'):
        done = {who: fs[f'{meth}/{who}'](batches) for who in ('feed_nb',) + PEERS}
        for r in done.values(): r()
        for peer in PEERS:
            a, b = done['feed_nb'], done[peer]
            mods = [(a.net, b.net, s0)] + ([(a.translator, b.translator, ft['translator'])] if meth == 'FT' else [])
            res[(meth, peer)] = float(_agree(f'{meth} vs {peer}', _triples(*mods))['max_rel_diff'])
    return res

def check_same_objective(dev='cpu') -> list:
    "Assert that every peer run optimizes feed_nb's objective: losses, gradients and two training steps agree"
    losses = check_losses()
    steps = {}
    for name in ('cifar', 'digits'): steps.update({(f'{m} ({name})', p): v for (m, p), v in check_steps(shape_of('smoke', name), dev).items()})
    rows = []
    for (meth, peer), v in steps.items():
        l, g = losses[(meth.split(' (')[0], peer)]
        ok = l < 1e-5 and g < 1e-5
        rows.append(dict(_cols=CHECK_COLS, bench=f'objective {meth}', peer=peer, loss_rel_diff=f'{l:.1e}',
                         grad_rel_diff=f'{g:.1e}', param_rel_diff=f'{v:.1e}', verdict='same' if ok else 'DIFFERENT'))
        assert ok, f"{meth} vs {peer}: loss {l:.1e}, gradient {g:.1e} relative difference"
    return rows

# ---------------------------------------------------------------- peer behaviour worth knowing
def finding(bench, peer, measured, verdict): return dict(_cols=FINDING_COLS, bench=bench, peer=peer, measured=measured, verdict=verdict)

def fasterai_findings(s, dev) -> list:
    "What fasterai's callback does that feed_nb's does not: gradients into a teacher passed as is, the teacher in validation"
    batches, te = shape_batches(s), teachers_of(s, dev, 1, frozen=False)[0]
    calls = []
    h = te.register_forward_hook(lambda *a: calls.append(1))
    FastaiRun(student_of(s), batches, [fasterai_kd([te])], dev)()  # trains on the batches, validates on the first
    h.remove()
    n_grad = sum(p.grad is not None and bool(p.grad.abs().sum() > 0) for p in te.parameters())
    learn = Learner(dls_from_batches(batches, dev), student_of(s), loss_func=CrossEntropyLossFlat(),
                    cbs=[fasterai_kd(teachers_of(s, dev, 1))])
    with learn.no_bar(), learn.no_logging():
        blend = learn.validate()[0]
        with learn.removed_cbs(learn.cbs.filter(lambda c: isinstance(c, KnowledgeDistillationCallback))): ce = learn.validate()[0]
    return [finding('teacher passed as its tutorial does', 'fasterai', f'{n_grad}/{len(list(te.parameters()))} teacher tensors got .grad',
                    'gradients into the teacher'),
            finding('teacher in validation', 'fasterai', f'{len(calls) - len(batches)} teacher forward(s) for 1 valid batch',
                    f'valid loss {blend:.3f} is the blend (CE {ce:.3f})')]

def torchdistill_findings(n=8, c=10) -> list:
    "torchdistill's losses at their edges: `KDLoss` with alpha=0 (distillation only) and `FTLoss` on an all-zero factor"
    z, z_t = torch.randn(n, c), torch.randn(n, c)
    kd0 = KDLoss('.', 'output', '.', 'output', temperature=T, alpha=0.)({'.': {'output': z}}, {'.': {'output': z_t}}, torch.zeros(n).long())
    want = kd_loss(z, z_t, T)  # alpha=0 means beta = 1: T²·KL
    f = torch.zeros(n, 4, 2, 2)
    ft0 = FTLoss(p=1)({'translator': {'output': f}}, {'paraphraser': {'output': f}})
    return [finding('KDLoss(alpha=0): distillation only', 'torchdistill', f'{kd0.item():.4f} vs T²·KL {want.item():.4f}',
                    f'T² dropped: x{kd0.item()/want.item():.4f}'),
            finding('FTLoss on an all-zero factor', 'torchdistill', f'{ft0.item()} (feed_nb: {factor_loss(f, f).item()})',
                    'no eps in the norm')]

# ---------------------------------------------------------------- the table
def main(quick=False, device='auto', smoke=False) -> list:
    if MISSING: return [dict(_cols=PEER_COLS, bench='peers', shape='', peer=MISSING)]
    dev, mode = device_of(device), 'smoke' if smoke else 'quick' if quick else 'full'
    rows = check_same_objective(dev) + fasterai_findings(shape_of('smoke', 'digits'), dev) + torchdistill_findings()
    print('bench_peers: objective check passed', flush=True)
    with cpu_time(dev):  # the machine these ran on is shared: a step's cost, not its wait for a core
        for name in SHAPES: rows += shape_rows(name, shape_of(mode, name), dev)
    return rows + digits_accuracy(CONFIGS[mode], dev)

if __name__ == '__main__':
    if '--check' in sys.argv:
        print(machine()); print(fmt_table(check_same_objective(), CHECK_COLS))
    else: cli(main, __doc__)
