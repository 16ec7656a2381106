"""P1 (callback overhead) and P2 (teacher cost) for Hinton KD and a Born-Again generation.

P1: median seconds per training step of `Learner` + callback against a plain PyTorch loop doing the same maths
    (student forward, teachers' no-grad forward, the method's loss, backward, SGD step) on the same model and batches.
P2: added step time per teacher (KD step − scratch step, over k) against that teacher's own no-grad forward, and the
    bytes autograd saves for backward with 1 and 2 teachers (a frozen teacher must add none).
All runs of one table are timed interleaved (see `common.compare_steps`).
"""

from common import *
from feed_nb.kd import KD
from feed_nb.generations import BAN, ensemble_logits, soft_ce

def kd_plain(model, teachers, T=4., alpha=.9):
    def loss(x, y):  # teachers first, as the callback runs them (see the core notebook)
        with torch.no_grad(): p_t = average_probs([t(x) for t in teachers], T)
        z = model(x)
        return (1 - alpha)*F.cross_entropy(z, y) + alpha*soft_kd_loss(z, p_t, T)
    return loss

def ban_plain(model, teachers):
    "BAN eq. 2 ('ban' variant): cross-entropy to the previous generation's softmax"
    def loss(x, y):
        with torch.no_grad(): p_t = F.softmax(ensemble_logits([t(x) for t in teachers]), dim=-1)
        z = model(x)
        return soft_ce(z, p_t)
    return loss

def p1_p2(arch, teacher_arch, bs, n_batches, ks, dev, rounds=3, n_classes=100):
    batches = cifar_batches(n_batches, bs, n_classes)
    runs = {'scratch': FastaiRun(model_of(arch, 0, n_classes), batches, device=dev),
            'scratch_plain': (lambda m: PlainRun(m, batches, lambda x, y: F.cross_entropy(m(x), y), dev))(model_of(arch, 0, n_classes)),
            'fwd': ForwardRun(freeze(model_of(teacher_arch, 1, n_classes)), batches, dev)}
    for k in ks:
        ts = [freeze(model_of(teacher_arch, 100 + i, n_classes), dev) for i in range(k)]
        runs[f'kd{k}'] = FastaiRun(model_of(arch, 0, n_classes), batches, [KD(ts, cache=False, batched=False)], dev)
        m = model_of(arch, 0, n_classes)
        runs[f'kd{k}_plain'] = PlainRun(m, batches, kd_plain(m, ts), dev)
    t1 = [freeze(model_of(teacher_arch, 1, n_classes), dev)]
    runs['ban'] = FastaiRun(model_of(arch, 0, n_classes), batches, [BAN(t1, cache=False, batched=False)], dev)
    m = model_of(arch, 0, n_classes)
    runs['ban_plain'] = PlainRun(m, batches, ban_plain(m, t1), dev)
    t = compare_steps(runs, rounds)
    rows = [row('P1 scratch', 0, t['scratch'], t['scratch_plain'], '(floor)')]
    for k in ks:
        rows.append(row('P1 KD', k, t[f'kd{k}'], t[f'kd{k}_plain'], '<= 1.10'))
        rows.append(row('P2 KD time/teacher', k, (t[f'kd{k}'] - t['scratch'])/k, t['fwd'], '<= 1.1', ' (fwd)'))
    rows.append(row('P1 BAN generation', 1, t['ban'], t['ban_plain'], '<= 1.10'))
    rows.append(row('P2 BAN time/teacher', 1, t['ban'] - t['scratch'], t['fwd'], '<= 1.1', ' (fwd)'))
    x, y = batches[0][0].to(dev), batches[0][1].to(dev)
    m = model_of(arch, 0, n_classes).to(dev)
    ps = list(m.parameters())
    s0 = saved_storage_bytes(lambda: F.cross_entropy(m(x), y), exclude=ps)
    s1 = saved_storage_bytes(lambda: kd_plain(m, t1)(x, y), exclude=ps)
    s2 = saved_storage_bytes(lambda: kd_plain(m, [freeze(model_of(teacher_arch, i, n_classes), dev) for i in (1, 2)])(x, y), exclude=ps)
    # peak memory of a real fastai KD step against the student alone: a teacher should add about its outputs, since it
    # runs (and frees its activations) before the student's forward; its weights exist before the step and are not counted
    batch = batches[0]
    peak = [fit_peak(model_of(arch, 0, n_classes), batch, [KD(ts[:k], cache=False, batched=False)] if k else [], dev)
            for k, ts in [(0, []), (1, t1), (2, [*t1, freeze(model_of(teacher_arch, 2, n_classes), dev)])]]
    t_act = fit_peak(model_of(teacher_arch, 1, n_classes), batch, [], dev)  # a teacher's own training peak, for scale
    rows.append(dict(bench='P2 peak memory KD', k='0/1/2', fastai_ms='', plain_ms=f'{peak[0]/2**20:.1f} MiB (student)',
                     ratio=f'+{(peak[1]-peak[0])/2**20:.2f}, +{(peak[2]-peak[1])/2**20:.2f} MiB',
                     target=f'<< {t_act/2**20:.0f} MiB (a teacher training step)'))
    rows.append(dict(bench='P2 autograd bytes KD', k='0/1/2', fastai_ms='', plain_ms=f'{s0/2**20:.1f} MiB (student)',
                     ratio=f'+{s1 - s0} B, +{s2 - s1} B', target='+0 B per teacher'))
    return rows

def main(quick=False, device='auto', smoke=False):
    dev = device_of(device)
    if smoke: return p1_p2('resnet8', 'resnet8', 4, 3, (1,), dev, rounds=1)
    if quick: return p1_p2('resnet8', 'resnet14', 32, 8, (1, 2), dev, rounds=2)
    return p1_p2('resnet20', 'resnet56', 128, 10, (1, 2, 4), dev)

if __name__ == '__main__': cli(main, __doc__)
