"""P1 (callback overhead) and P2 (teacher cost) for FactorTransfer, parallel FEED, EKD and AFD (DML as AFD's baseline).

P1: median seconds per training step of `Learner` + the method's callback against a plain PyTorch loop written here
    doing the same maths on the same model and batches: the same forward passes in the callback's order (one no-grad
    forward per frozen teacher, before the student's, as `Distiller` prefetches it; cache and vmapped teacher stack
    off), the method's loss, backward, SGD with momentum 0.9 and no weight decay; for AFD also the second update,
    by `torch.optim.Adam` with L2 weight decay (what AFD's fastai Adam with `decouple_wd=False` does).
    `--check` proves each plain loop is the same maths: fastai and plain start from identical weights, take two
    steps on the same batches and must end with the same parameters.
P2: added step time per frozen teacher against that teacher's own no-grad forward. FT: FT step − FT step with F_T
    served from the teacher-output cache, against teacher forward + paraphraser encoder; pFEED: least-squares slope
    of the step time over k, against one teacher's forward; EKD: (EKD step − CompNet scratch step)/N_t.
    Each P2 row has a 'plain loop' twin, the same difference taken between plain loops: what the method costs per
    teacher anyway (translator, loss, a forward inside a training step), so the excess of the fastai row over it is
    the callback's. And the bytes autograd keeps for backward in pFEED with 1 and 2 teachers.
All runs of one table are timed interleaved (see `common.compare_steps`).
"""
from common import *
from bench_scaling import translator_run
import sys, copy  # after the star import: fastai exports a `copy` function
from feed_nb.core import find_layer, factor_loss
from feed_nb.factor_transfer import FactorTransfer, Paraphraser, Translator, feature_map
from feed_nb.multi_teacher import FEED, CompNet, EKD, ekd_kd_loss, pfeed_loss
from feed_nb.online import (Cohort, cohort_learner, cohort_ce, peer_pairs, peer_kd_loss, AFD, DML, Discriminator,
                            TransferLayer, lsgan_d_loss, lsgan_g_loss)

CONFIGS = {
    'full':  dict(bs=128, n_batches=10, rounds=3, student='resnet20', teacher='resnet56', ks=(1, 2, 4, 8),
                  ekd=(3, 8, 'resnet20'), afd_arch='resnet20', afd_ks=(2, 3)),
    'quick': dict(bs=32, n_batches=6, rounds=2, student='resnet8', teacher='resnet14', ks=(1, 2, 4),
                  ekd=(2, 8, 'resnet8'), afd_arch='resnet8', afd_ks=(2, 3)),
    'smoke': dict(bs=8, n_batches=2, rounds=1, student='resnet8', teacher='resnet8', ks=(1, 2),
                  ekd=(2, 8, 'resnet8'), afd_arch='resnet8', afd_ks=(2,)),
}

# ---------------------------------------------------------------- plain-PyTorch pieces
class Tap:
    "A plain forward hook keeping the last output of `model`'s feature `layer`"
    def __init__(self, model, layer=None):
        self.out, self.handle = None, find_layer(model, layer).register_forward_hook(self._store)
    def _store(self, m, i, o): self.out = o
    def remove(self): self.handle.remove()

def channels(model, n_in=3, size=32) -> int:
    "Channels of `model`'s feature map"
    return feature_map(model, None, torch.zeros(2, n_in, size, size, device=next(model.parameters()).device)).shape[1]

def plain_run(model, batches, loss_fn, dev, extra=(), after_step=None):
    "A `PlainRun` whose SGD also trains the modules in `extra` (translators, fine-tuned teachers), kept in train mode"
    for m in extra: m.to(dev).train()
    params = [*model.parameters(), *(p for m in extra for p in m.parameters() if p.requires_grad)]
    return PlainRun(model, batches, loss_fn, dev, params=params, after_step=after_step)

def ft_plain(model, teacher, para, translator, beta=500., p=1, reduction='mean', cached=None):
    "FT (FEED eqs. 2-3): CE + beta·factor_loss(translator(F_student), para.encode(F_teacher)); F_T first, as `FactorTransfer` does"
    s, t, step = Tap(model), Tap(teacher), [0]
    def loss(x, y):
        if cached is None:
            with torch.no_grad(): teacher(x); f_t = para.encode(t.out)
        else: f_t, step[0] = cached[step[0] % len(cached)], step[0] + 1  # F_T of every batch computed beforehand
        z = model(x)
        return F.cross_entropy(z, y) + beta*factor_loss(translator(s.out), f_t, p, reduction)
    return loss

def pfeed_plain(model, teachers, translators, beta=500., p=1, reduction='mean'):
    "pFEED (eqs. 4-5): CE + beta·Σ_n factor_loss(T_n(F_student), F_teacher n); teachers first, as `FEED` does"
    s, ts = Tap(model), [Tap(t) for t in teachers]
    def loss(x, y):
        with torch.no_grad():
            for t in teachers: t(x)
        z = model(x)
        f_s = s.out
        return F.cross_entropy(z, y) + beta*pfeed_loss([tr(f_s) for tr in translators], [h.out for h in ts], p, reduction)
    return loss

def ekd_plain(model, teachers, alpha=.5, beta=.5, gamma=.6, T=10., finetune=False, t_on='teacher'):
    "EKD eq. 5: alpha·CE(Σ teacher logits) + beta·CE(Σ branch logits) + gamma·eq. 8 (branch i ↔ teacher i); frozen teachers first, as `EKD` does"
    def loss(x, y):
        if not finetune:
            with torch.no_grad(): y_t = [t(x) for t in teachers]
        qs = model.forward_branches(x)
        z = torch.stack(qs).sum(0)
        if finetune: y_t = [t(x) for t in teachers]
        p_t = torch.stack([v.float() for v in y_t]).sum(0)
        return (alpha*F.cross_entropy(p_t, y) + beta*F.cross_entropy(z, y)
                + gamma*ekd_kd_loss(qs, [v.detach() for v in y_t], T, t_on))
    return loss

def dml_plain(cohort, T=1.):
    "DML: Σ_k CE + mean over peers of T²·KL"
    pairs = peer_pairs(len(cohort.nets))
    def loss(x, y):
        preds = cohort(x)
        return cohort_ce(preds, y) + peer_kd_loss(preds, pairs, T)
    return loss

class AFDPlain:
    "AFD in plain PyTorch: `loss` = CE + peer KL (the SGD update) plus LSGAN grads kept aside; `after_step` = the Adam update"
    def __init__(self, cohort, n_iter, dev, T=3., adv_lr=2e-5, adv_wd=.1, cyclic=True, adv_decay=(.25, .5), nf=None):
        self.cohort, self.n_iter, self.T, self.adv_lr, self.adv_decay = cohort.to(dev), n_iter, T, adv_lr, adv_decay
        nets = cohort.nets
        self.taps = [Tap(n) for n in nets]
        self.pairs = peer_pairs(len(nets), cyclic)
        shapes = [feature_map(n, None, torch.zeros(2, 3, 32, 32, device=dev)).shape[1:] for n in nets]
        self.transfers = nn.ModuleList([nn.Identity() if shapes[k][0] == shapes[l][0] else TransferLayer(shapes[k][0], shapes[l][0])
                                        for k, l in self.pairs]).to(dev)
        self.discs = nn.ModuleList([Discriminator(shapes[l][0], tuple(shapes[l][1:]), nf) for k, l in self.pairs]).to(dev)
        self.d_params = list(self.discs.parameters())
        self.g_params = [p for p in [*cohort.parameters(), *self.transfers.parameters()] if p.requires_grad]
        self.params = self.d_params + self.g_params
        self.adam = torch.optim.Adam(self.params, adv_lr, betas=(.9, .999), eps=1e-8, weight_decay=adv_wd)
        self.step, self.grads = 0, None

    def loss(self, x, y):
        preds = self.cohort(x)
        loss = cohort_ce(preds, y) + peer_kd_loss(preds, self.pairs, self.T)
        f = [t.out.float() for t in self.taps]
        d_real = [D(f[l].detach()) for (k, l), D in zip(self.pairs, self.discs)]
        d_fake = [D(t(f[k])) for (k, l), D, t in zip(self.pairs, self.discs, self.transfers)]
        l_d = sum(lsgan_d_loss(r, o) for r, o in zip(d_real, d_fake))
        l_g = sum(lsgan_g_loss(o) for o in d_fake)
        self.grads = (torch.autograd.grad(l_d, self.d_params, retain_graph=True) +
                      torch.autograd.grad(l_g, self.g_params, retain_graph=True, allow_unused=True))
        return loss

    def after_step(self):
        for p, g in zip(self.params, self.grads): p.grad = g
        self.grads = None
        pct = 0.
        for _ in range(self.step % self.n_iter): pct += 1/self.n_iter  # fastai's pct_train, accumulated the same way
        for g in self.adam.param_groups: g['lr'] = self.adv_lr * 0.1**sum(pct >= m for m in self.adv_decay)
        self.adam.step()
        for p in self.params: p.grad = None
        self.step += 1

class TeacherFactor(nn.Module):
    "F_T as FT computes it: the teacher's forward, its feature map read by a hook, the paraphraser's encoding"
    def __init__(self, teacher, para):
        super().__init__()
        self.teacher, self.para, self.tap = teacher, para, Tap(teacher)
    def forward(self, x): self.teacher(x); return self.para.encode(self.tap.out)

# ---------------------------------------------------------------- builders
def teachers_of(arch, n, dev, seed=100, n_classes=100):
    return [freeze(model_of(arch, seed + i, n_classes), dev) for i in range(n)]

def compnet_of(n, depth, seed=0, n_classes=100):
    torch.manual_seed(seed)
    return CompNet(n, n_classes, 3, depth)

def cohort_run(nets, batches, dev, cb, lr=1e-2):
    "`FastaiRun` of a cohort learner (SGD, momentum 0.9) with the online callback `cb`"
    learn = cohort_learner(dls_from_batches(batches, dev), nets, opt_func=partial(SGD, mom=0.9), cbs=[cb])
    return FastaiRun(learn.model, batches, device=dev, lr=lr, learner=learn)

def ft_runs(c, batches, dev):
    st, te = model_of(c['student'], 0), freeze(model_of(c['teacher'], 1), dev)
    para = freeze(Paraphraser(channels(te), k=.5), dev)  # official FT paraphrase rate
    m, tp, pp = copy.deepcopy(st), copy.deepcopy(te), copy.deepcopy(para)
    tr = Translator(channels(m), pp.nf)
    fwd = TeacherFactor(copy.deepcopy(te), copy.deepcopy(para)).to(dev).eval()
    with torch.no_grad(): table = [fwd(x.to(dev)) for x, _ in batches]
    m2, tr2 = copy.deepcopy(st), Translator(channels(st), pp.nf)
    return {'ft': FastaiRun(copy.deepcopy(st), batches, [FactorTransfer(te, beta=500., paraphraser=para, cache=False)], dev),
            'ft_plain': plain_run(m, batches, ft_plain(m, tp, pp, tr), dev, extra=[tr]),
            'ft_plain_cached': plain_run(m2, batches, ft_plain(m2, tp, pp, tr2, cached=table), dev, extra=[tr2]),
            'ft_cached': FastaiRun(copy.deepcopy(st), batches, [FactorTransfer(te, beta=500., paraphraser=para, cache=True)], dev),
            'ft_fwd': ForwardRun(fwd, batches, dev)}

def pfeed_runs(c, batches, dev):
    ts, runs = teachers_of(c['teacher'], max(c['ks']), dev), {}
    c_s, c_t = channels(model_of(c['student'], 0)), channels(ts[0])
    for k in c['ks']:
        runs[f'pfeed{k}'] = FastaiRun(model_of(c['student'], 0), batches, [FEED(ts[:k], cache=False, batched=False)], dev)
        m, tk, trs = model_of(c['student'], 0), [copy.deepcopy(t) for t in ts[:k]], [Translator(c_s, c_t) for _ in range(k)]
        runs[f'pfeed{k}_plain'] = plain_run(m, batches, pfeed_plain(m, tk, trs), dev, extra=trs)
    runs['pfeed_fwd'] = ForwardRun(copy.deepcopy(ts[0]), batches, dev)
    runs['pfeed_tr'] = translator_run(c['student'], c['teacher'], c['bs'], len(batches), dev, 100)  # one translator's training step
    return runs

def ekd_runs(c, batches, dev):
    n, depth, arch = c['ekd']
    ts = [model_of(arch, 200 + i) for i in range(n)]
    frozen = lambda: [freeze(copy.deepcopy(t), dev) for t in ts]
    runs = {'cn': FastaiRun(compnet_of(n, depth), batches, device=dev)}
    m = compnet_of(n, depth)
    runs['cn_plain'] = PlainRun(m, batches, lambda x, y: F.cross_entropy(m(x), y), dev)
    runs['ekd'] = FastaiRun(compnet_of(n, depth), batches, [EKD(frozen(), finetune_teachers=False, cache=False, batched=False)], dev)
    m = compnet_of(n, depth)
    runs['ekd_plain'] = PlainRun(m, batches, ekd_plain(m, frozen()), dev)
    runs['ekd_ft'] = FastaiRun(compnet_of(n, depth), batches, [EKD([copy.deepcopy(t) for t in ts], finetune_teachers=True)], dev)
    m, tt = compnet_of(n, depth), [copy.deepcopy(t) for t in ts]
    runs['ekd_ft_plain'] = plain_run(m, batches, ekd_plain(m, tt, finetune=True), dev, extra=tt)
    runs['ekd_fwd'] = ForwardRun(frozen()[0], batches, dev)
    return runs

def online_runs(c, batches, dev):
    runs, arch = {}, c['afd_arch']
    for K in c['afd_ks']:
        nets = [model_of(arch, 300 + i) for i in range(K)]
        runs[f'afd{K}'] = cohort_run([copy.deepcopy(n) for n in nets], batches, dev, AFD())
        coh = Cohort([copy.deepcopy(n) for n in nets])
        afd = AFDPlain(coh, len(batches), dev)
        runs[f'afd{K}_plain'] = PlainRun(coh, batches, afd.loss, dev, after_step=afd.after_step)
    nets = [model_of(arch, 300 + i) for i in range(2)]
    runs['dml2'] = cohort_run([copy.deepcopy(n) for n in nets], batches, dev, DML())
    coh = Cohort([copy.deepcopy(n) for n in nets])
    runs['dml2_plain'] = PlainRun(coh, batches, dml_plain(coh), dev)
    return runs

def pfeed_saved_bytes(c, batch, dev):
    "Bytes autograd keeps (distinct storages, parameters excluded) for pFEED with 1 and 2 teachers, and for one translator branch alone"
    x, y = batch[0].to(dev), batch[1].to(dev)
    m, ts = model_of(c['student'], 0).to(dev), teachers_of(c['teacher'], 2, dev, seed=500)
    trs = [Translator(channels(m), channels(ts[0])).to(dev) for _ in ts]
    params = [*m.parameters(), *trs[0].parameters(), *trs[1].parameters()]
    s0 = saved_storage_bytes(lambda: F.cross_entropy(m(x), y), exclude=params)
    s1 = saved_storage_bytes(lambda: pfeed_plain(m, ts[:1], trs[:1])(x, y), exclude=params)
    s2 = saved_storage_bytes(lambda: pfeed_plain(m, ts, trs)(x, y), exclude=params)
    f_s = feature_map(m, None, x).requires_grad_()
    f_t = feature_map(ts[1], None, x)
    alone = saved_storage_bytes(lambda: 500*factor_loss(trs[1].train()(f_s), f_t), exclude=[*params, f_s])
    return s0, s1, s2, alone, f_s.numel()*f_s.element_size()

# ---------------------------------------------------------------- the table
def main(quick=False, device='auto', smoke=False) -> list:
    c, dev = CONFIGS['smoke' if smoke else 'quick' if quick else 'full'], device_of(device)
    batches = cifar_batches(c['n_batches'], c['bs'])
    runs = {'scratch': FastaiRun(model_of(c['student'], 0), batches, device=dev)}
    m = model_of(c['student'], 0)
    runs['scratch_plain'] = PlainRun(m, batches, lambda x, y: F.cross_entropy(m(x), y), dev)
    for f in (ft_runs, pfeed_runs, ekd_runs, online_runs): runs.update(f(c, batches, dev))
    t = compare_steps(runs, c['rounds'])
    n_t, ks = c['ekd'][0], c['ks']
    rows = [row('P1 scratch', 0, t['scratch'], t['scratch_plain'], '(floor)'),
            row('P1 FactorTransfer', 1, t['ft'], t['ft_plain'], '<= 1.10'),
            row('P2 FT time/teacher', 1, t['ft'] - t['ft_cached'], t['ft_fwd'], '<= 1.1', ' (fwd+enc)'),
            row('P2 FT time/teacher, plain loop', 1, t['ft_plain'] - t['ft_plain_cached'], t['ft_fwd'], '(ref)', ' (fwd+enc)')]
    rows += [row('P1 pFEED', k, t[f'pfeed{k}'], t[f'pfeed{k}_plain'], '<= 1.10') for k in ks]
    fa_slope, pl_slope = line_fit(ks, [t[f'pfeed{k}'] for k in ks])[1], line_fit(ks, [t[f'pfeed{k}_plain'] for k in ks])[1]
    ref = t['pfeed_fwd'] + t['pfeed_tr']  # a pFEED teacher brings its translator: forward, backward and update
    rows += [row('P2 pFEED slope/teacher', '/'.join(map(str, ks)), fa_slope, ref, '<= 1.1', ' (fwd+transl.)'),
             row('P2 pFEED slope/teacher, plain loop', '/'.join(map(str, ks)), pl_slope, ref, '(ref)', ' (fwd+transl.)'),
             row('P1 CompNet scratch', 0, t['cn'], t['cn_plain'], '(floor)'),
             row('P1 EKD frozen teachers', n_t, t['ekd'], t['ekd_plain'], '<= 1.10'),
             row('P2 EKD time/teacher', n_t, (t['ekd'] - t['cn'])/n_t, t['ekd_fwd'], '<= 1.1', ' (fwd)'),
             row('P2 EKD time/teacher, plain loop', n_t, (t['ekd_plain'] - t['cn_plain'])/n_t, t['ekd_fwd'], '(ref)', ' (fwd)'),
             row('P1 EKD finetune teachers', n_t, t['ekd_ft'], t['ekd_ft_plain'], '<= 1.10')]
    rows += [row('P1 AFD', K, t[f'afd{K}'], t[f'afd{K}_plain'], '<= 1.10') for K in c['afd_ks']]
    rows.append(row('P1 DML', 2, t['dml2'], t['dml2_plain'], '<= 1.10'))
    s0, s1, s2, alone, fmap = pfeed_saved_bytes(c, batches[0], dev)
    rows.append(dict(bench='P2 autograd bytes pFEED', k='1->2', fastai_ms='', plain_ms=f'{s1/2**20:.2f} MiB (k=1)',
                     ratio=f'+{(s2 - s1)/2**20:.2f} MiB = {(s2 - s1)/fmap:.1f} maps',
                     target=f'= translator branch {alone/2**20:.2f} MiB'))
    return rows

# ---------------------------------------------------------------- same-maths check
class _Grab(Callback):
    "Keep a copy of the state of the module `get()` returns at `event`, the first time it exists (before any update)"
    order = 100
    def __init__(self, get, event):
        self.get, self.state = get, None
        setattr(self, event, self._grab)
    def _grab(self):
        if self.state is None and self.training and self.get() is not None: self.state = copy.deepcopy(self.get().state_dict())

def _agree(name, pairs, tol=1e-4):
    "Assert every (fastai, plain, initial) parameter triple agrees; return the worst differences"
    rel = upd = diff = 0.
    for a, b, a0 in pairs:
        d = (a - b).abs().max().item()
        rel, diff, upd = max(rel, d/max(a.abs().max().item(), 1e-12)), max(diff, d), max(upd, (a - a0).abs().max().item())
    assert upd > 1e-6, f"{name}: the parameters did not move"
    assert rel <= tol and diff <= 1e-3*upd, f"{name}: fastai and plain parameters differ: rel {rel:.2e}, {diff:.2e} vs update {upd:.2e}"
    return dict(method=name, max_rel_diff=f'{rel:.1e}', diff_over_update=f'{diff/upd:.1e}', n_params=len(pairs))

def _triples(*mods):
    "(fastai, plain, initial) parameters of modules given as (fastai, plain, initial) triples"
    return [(a.detach(), b.detach(), a0.detach()) for ma, mb, m0 in mods
            for a, b, a0 in zip(ma.parameters(), mb.parameters(), m0.parameters())]

def check_same_math(device='cpu', bs=16, n_classes=10) -> list:
    "Each plain loop takes the same two steps as its fastai run from identical weights; assert the parameters agree"
    dev, batches, res = device_of(device), cifar_batches(2, bs, n_classes, seed=1), []
    mk = lambda a, s: model_of(a, s, n_classes)
    # FactorTransfer, paraphraser k=0.5; the translator the callback builds is copied into the plain loop
    s0, te = mk('resnet8', 0), freeze(mk('resnet14', 1), dev)
    para = freeze(Paraphraser(channels(te), k=.5), dev)
    cb = FactorTransfer(copy.deepcopy(te), beta=500., paraphraser=copy.deepcopy(para), cache=False)  # ft_plain's β
    g = _Grab(lambda: cb.translator, 'before_train')
    fa = FastaiRun(copy.deepcopy(s0), batches, [cb, g], dev); fa()
    m, tr = copy.deepcopy(s0), Translator(channels(s0), para.nf)
    tr.load_state_dict(g.state); tr0 = copy.deepcopy(tr)
    plain_run(m, batches, ft_plain(m, copy.deepcopy(te), copy.deepcopy(para), tr), dev, extra=[tr])()
    res.append(_agree('FactorTransfer', _triples((fa.learn.model, m, s0), (cb.translator, tr, tr0))))
    # pFEED, k=2
    ts = [freeze(mk('resnet14', 10 + i), dev) for i in range(2)]
    cb = FEED([copy.deepcopy(t) for t in ts], cache=False, batched=False)
    g = _Grab(lambda: cb.translators if len(cb.translators) else None, 'before_train')
    fa = FastaiRun(copy.deepcopy(s0), batches, [cb, g], dev); fa()
    m, trs = copy.deepcopy(s0), nn.ModuleList(Translator(channels(s0), channels(ts[0])) for _ in ts)
    trs.load_state_dict(g.state); trs0 = copy.deepcopy(trs)
    plain_run(m, batches, pfeed_plain(m, [copy.deepcopy(t) for t in ts], trs), dev, extra=[trs])()
    res.append(_agree('pFEED k=2', _triples((fa.learn.model, m, s0), (cb.translators, trs, trs0))))
    # EKD, frozen and fine-tuned teachers
    c0, ts = compnet_of(2, 8, 0, n_classes), [mk('resnet8', 20 + i) for i in range(2)]
    for ft in (False, True):
        tf, tp = [copy.deepcopy(t) for t in ts], [copy.deepcopy(t) for t in ts]
        if not ft: tf, tp = [freeze(t, dev) for t in tf], [freeze(t, dev) for t in tp]
        fa = FastaiRun(copy.deepcopy(c0), batches, [EKD(tf, finetune_teachers=ft, copy_teachers=False, cache=False, batched=False)], dev); fa()
        m = copy.deepcopy(c0)
        plain_run(m, batches, ekd_plain(m, tp, finetune=ft), dev, extra=tp if ft else ())()
        mods = [(fa.learn.model, m, c0)] + ([(a, b, a0) for a, b, a0 in zip(tf, tp, ts)] if ft else [])
        res.append(_agree(f'EKD finetune_teachers={ft}', _triples(*mods)))
    # AFD, K=2 (a larger adversarial lr than the paper's 2e-5 so that the Adam update shows), and DML
    nets = [mk('resnet8', 30 + i) for i in range(2)]
    cb = AFD(adv_lr=1e-3)
    g = _Grab(lambda: cb.discs, 'after_loss')
    fa = cohort_run([copy.deepcopy(n) for n in nets], batches, dev, cb); fa.learn.add_cb(g); fa()
    coh, coh0 = Cohort([copy.deepcopy(n) for n in nets]), Cohort([copy.deepcopy(n) for n in nets])
    afd = AFDPlain(coh, len(batches), dev, adv_lr=1e-3)
    afd.discs.load_state_dict(g.state); d0 = copy.deepcopy(afd.discs)
    PlainRun(coh, batches, afd.loss, dev, after_step=afd.after_step)()
    res.append(_agree('AFD K=2', _triples((fa.learn.model, coh, coh0), (cb.discs, afd.discs, d0))))
    fa = cohort_run([copy.deepcopy(n) for n in nets], batches, dev, DML()); fa()
    coh = Cohort([copy.deepcopy(n) for n in nets])
    PlainRun(coh, batches, dml_plain(coh), dev)()
    res.append(_agree('DML K=2', _triples((fa.learn.model, coh, coh0))))
    return res

if __name__ == '__main__':
    if '--check' in sys.argv:  # only check that each plain loop does the same maths as its callback
        print(machine()); print(fmt_table(check_same_math(), ['method', 'max_rel_diff', 'diff_over_update', 'n_params']))
    else: cli(main, __doc__)
