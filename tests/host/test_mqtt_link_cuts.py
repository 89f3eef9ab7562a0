"""MQTTWriter with the link cut at every byte (a power-cut test for the
network), on CPython and on the MicroPython Unix port (lib/ as .mpy), against
a real Mosquitto through a cutting proxy (tests/host/linkcuts/cutproxy.py).

A short scripted run (tests/host/linkcuts/cut_app.py: connect with the last
will and the status 'online', QoS 1 events 0, 1, 2, a PINGREQ after 0.54 s
idle with keepalive=1, event 3) is recorded once through the proxy, both
byte streams. Then, for EVERY byte offset d of each direction (d bytes
delivered, the next one not), the script runs again with the first
connection cut there, in each of three ways: 'rst' (both sides closed at
once, SO_LINGER 0), 'dead' (nothing forwarded any more, both connections
left open: the writer must give up by its timeout) and 'stall' (the rest of
that direction held for longer than the timeout, then delivered late).
Later connections pass. Runs go in parallel processes (sockets and clock
are real: timeout=0.5 s, back-off 0.1 s).

Checked for each run: every event arrives at the subscriber, first arrivals
in order; a duplicate only of the event whose PUBLISH (stall) or PUBACK was
cut; published == 4, queued == dropped == refused == 0; errors >= 1 and
reconnects >= 1 exactly when the link was cut (0 in the uncut runs); no
exception out of the writer; no call of the writer longer than the timeout
(plus a margin for a loaded machine); the status topic's last message and
its retained value 'online'; the will's 'offline' exactly once when the
broker had accepted the cut connection (else never). (One exception, of
MQTT's own: a CONNECT held back by a stall reaches the broker late, and
when the writer has connected again by then, that stale connection takes
the client id over and the broker closes the new one: a second loss, one
more duplicate and will; their count is not checked there.)

The same script with qos=0 events runs with a cut at every third byte (in
the same processes): there a message written into a link already cut may
be lost (that is qos 0), so checked are: each event at most once, in
order, lost only if its PUBLISH was not wholly delivered before the cut and
went out before the writer noticed (with 'rst' also one before it that
the broker had not read yet: a RST discards what waits in the socket); a
cut in a packet that waits for an answer (CONNECT, the status, PINGREQ)
counted in errors; a stall in an event's PUBLISH, or a cut in the last
event's (no answer awaited, nothing more sent), not noticed.
Everything else as for qos 1."""
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from thingflow_mpy import mpy

HERE = Path(__file__).resolve().parent / 'linkcuts'
sys.path.insert(0, str(HERE))
from cutproxy import CutProxy, MODES  # noqa: E402

APP = HERE / 'cut_app.py'
RUNTIMES = ['cpython', 'micropython']
TIMEOUT = 0.5  # the writer's timeout (s)
STALL = 0.8  # the 'stall' mode's hold: longer than the timeout
SLACK_MS = 350  # a loaded 2-core machine: the bound checked is TIMEOUT + this
N = 4  # events 0..3
PROCS = 64  # device processes at once (they mostly wait)
Q0_STEP = 3  # qos 0: a cut at every third byte


def app_command(runtime, mpy_lib, args):
    env = dict(os.environ)
    if runtime == 'cpython':
        env['PYTHONPATH'] = os.pathsep.join([str(mpy.LIB), str(mpy.SIM)])
        cmd = [sys.executable, str(APP)]
    else:
        env['MICROPYPATH'] = mpy.micropython_path(mpy_lib, mpy.SIM)
        cmd = [mpy.micropython_binary(), str(APP)]
    return cmd + [str(a) for a in args], env


def run_apps(runtime, mpy_lib, port, groups):
    """Run each group of 'id:hold_ms:qos' arguments in a process of its own,
    all at once; returns {id: [R line fields, X and D lines]} and the
    outputs."""
    procs = []
    for g in groups:
        time.sleep(0.02)  # (a staggered start: not 64 CONNECTs in the same instant)
        cmd, env = app_command(runtime, mpy_lib, [port, TIMEOUT] + g)
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    res, outs = {}, []
    for p in procs:
        out, err = p.communicate(timeout=120)
        outs.append(out + err)
        assert p.returncode == 0, out + err
        for ln in out.splitlines():
            f = ln.split(' ', 12)
            if f[0] == 'R':
                res.setdefault(f[1], [None, []])[0] = f
            elif f[0] == 'X':  # (D: the script's own disconnect() after a cut: may raise)
                res.setdefault(f[1], [None, []])[1].append(ln)
    return res, outs


def packets(stream):
    """[(start, end, first byte, body)] of an MQTT byte stream."""
    out = []
    i = 0
    while i < len(stream):
        j = i + 1
        n = s = 0
        while True:
            b = stream[j]
            j += 1
            n |= (b & 127) << s
            s += 7
            if b < 128:
                break
        out.append((i, j + n, stream[i], stream[j:j + n]))
        i = j + n
    return out


def label_streams(c2b, b2c):
    """For each byte offset of each direction, what the packet there is:
    (kind, event number or 'status' or None, the packet's end offset)."""
    pid_of = {}
    lab = {'c2b': [], 'b2c': []}
    for way, stream in (('c2b', c2b), ('b2c', b2c)):
        for a, e, h, body in packets(stream):
            t = h & 0xf0
            x = None
            if t == 0x30:
                n = body[0] << 8 | body[1]
                topic = body[2:2 + n].decode()
                pid = body[2 + n:4 + n] if h & 6 else None
                x = 'status' if topic.endswith('/status') else json.loads(body[4 + n:] if pid else body[2 + n:])[2]
                pid_of[pid] = x
            elif t == 0x40:
                x = pid_of[bytes(body)]
            kind = {0x10: 'CONNECT', 0x20: 'CONNACK', 0x30: 'PUBLISH', 0x40: 'PUBACK', 0xc0: 'PINGREQ',
                    0xd0: 'PINGRESP', 0xe0: 'DISCONNECT'}[t]
            lab[way] += [(kind, x, e)] * (e - a)
    return lab


def expect(lab, qos, cut):
    """What a run with this cut must show: (the event that may arrive twice:
    a number, None, or 'any'; the events that may be lost; errors expected
    (True/False); status 'online' at the end expected (None: not checked);
    the counts of the will's 'offline' allowed (None: not checked))."""
    if cut is None:
        return None, set(), False, True, {0}
    way, d, mode = cut
    kind, x, end = lab[way][d]
    connect_len = lab['c2b'][0][2]
    will = {0} if way == 'c2b' and d < connect_len and mode != 'stall' else {1}
    if way == 'c2b' and kind == 'CONNECT' and mode == 'stall':
        # the CONNECT held back reaches the broker late: when the writer has
        # connected again by then (its back-off is 0.1 s), that stale
        # connection takes the client id over and the broker closes the new
        # one (Mosquitto: 'Client lc.. already connected, closing old
        # connection'), whose in-flight event is then sent again; the will of
        # each closed connection
        # (and under load, a timeout more now and then: not counted here)
        return 'any' if qos else None, set(), True, True, None
    if qos:
        # the event whose PUBACK was cut (the broker has it, the writer sends it
        # again), or for a stall whose PUBLISH was cut (its rest reaches the
        # broker late on the old connection, before the new one takes over)
        dup = x if x != 'status' and (kind == 'PUBACK' or mode == 'stall' and kind == 'PUBLISH') else None
        return dup, set(), True, True, will
    if way == 'b2c':  # the cut answer is awaited; what came before it the broker has read
        return None, set(), True, True, will
    if kind == 'PUBLISH' and x != 'status':
        if mode == 'stall':  # nothing awaits an answer before the stall ends (the ping
            return None, set(), False, True, {0}  # waits from 0.54 s to 1.04 s): all late, none lost
        if x == N - 1:
            # the last event, written into a link that is gone: nothing awaits an
            # answer and nothing follows, so the writer cannot notice (qos 0); the
            # will: at once after a RST, after 1.5 keepalives on a dead link
            return None, {x}, False, None, {1} if mode == 'rst' else None
    # 'dead': the events written after the cut and before the ping noticed it;
    # 'rst': also those before it that the broker had not read yet (a RST
    # discards what waits in the receiving socket)
    lost = {y for k, y, e in lab['c2b'] if k == 'PUBLISH' and y not in ('status', N - 1)
            and (e > d or mode == 'rst')}
    return None, lost, True, True, will


def record(runtime, mpy_lib, proxy, runs):
    for rid, qos in runs:
        proxy.record(b'lc' + rid.encode())
    res, outs = run_apps(runtime, mpy_lib, proxy.port, [['%s:0:%d' % r] for r in runs])
    return [(proxy.streams[b'lc' + rid.encode()]['c2b'], proxy.streams[b'lc' + rid.encode()]['b2c'])
            for rid, qos in runs]


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_the_link_cut_at_every_byte_loses_nothing(runtime, mpy_lib, broker, subscriber):
    t_start = time.monotonic()
    sub = subscriber(broker, 'lc/#')
    proxy = CutProxy(broker.port, stall=STALL)
    try:
        # the script's byte streams, once (two uncut qos 1 runs: they agree)
        (c2b, b2c), (c2b_b, b2c_b), (q0c2b, q0b2c) = record(runtime, mpy_lib, proxy,
                                                            [('0000', 1), ('0001', 1), ('0002', 0)])
        assert (c2b_b.replace(b'0001', b'0000'), b2c_b) == (c2b, b2c)
        labs = {1: label_streams(c2b, b2c), 0: label_streams(q0c2b, q0b2c)}
        for qos, (cs, bs) in ((1, (c2b, b2c)), (0, (q0c2b, q0b2c))):
            kinds = [labs[qos]['c2b'][a][:2] for a, e, h, body in packets(cs)]
            assert kinds == [('CONNECT', None), ('PUBLISH', 'status'), ('PUBLISH', 0), ('PUBLISH', 1),
                             ('PUBLISH', 2), ('PINGREQ', None), ('PUBLISH', 3), ('DISCONNECT', None)], kinds
            assert [labs[qos]['b2c'][a][:2] for a, e, h, body in packets(bs)] == \
                [('CONNACK', None), ('PUBACK', 'status')] + [('PUBACK', i) for i in range(qos * 3)] + \
                [('PINGRESP', None)] + [('PUBACK', 3)] * qos
        # qos 1: every byte offset of each direction (not the DISCONNECT after
        # the script: its loss is not the writer's), each way of cutting; qos 0:
        # every third byte
        cuts = {}
        for qos, (cs, bs) in ((1, (c2b, b2c)), (0, (q0c2b, q0b2c))):
            for way, n in (('c2b', len(cs) - 2), ('b2c', len(bs))):
                for d in range(0, n, 1 if qos else Q0_STEP):
                    for mode in MODES:
                        rid = '%04d' % (len(cuts) + 10)
                        cuts[rid] = (qos, (way, d, mode))
                        proxy.plan(b'lc' + rid.encode(), way, d, mode)
        controls = {'0003': (1, None), '0004': (1, None), '0005': (0, None), '0006': (0, None)}
        runs = dict(cuts, **controls)
        # (a stall: the last event 1 s after the start, when even a CONNECT held
        # back has reached the broker)
        args = ['%s:%d:%d' % (rid, 1000 if c and c[2] == 'stall' else 0, q) for rid, (q, c) in runs.items()]
        args.sort(key=lambda a: a.split(':')[1] == '0')  # the longest runs first, dealt round-robin
        groups = [args[i::PROCS] for i in range(PROCS)]
        res, outs = run_apps(runtime, mpy_lib, proxy.port, groups)
        assert sorted(res) == sorted(runs), (set(runs) - set(res), outs[:2])
        exp = {rid: expect(labs[q], q, c) for rid, (q, c) in runs.items()}
        # a cut that did not take place: the first connection must have failed
        # before its byte came (a timeout on a loaded machine); such a run is
        # checked as cut somewhere (any one duplicate, qos 0: any loss), and
        # they must be rare
        missed = [r for r in cuts if not proxy.cuts.get(b'lc' + r.encode())]
        assert all(int(res[r][0][6]) >= 1 for r in missed), [(r, cuts[r], ' '.join(res[r][0])) for r in missed]
        assert len(missed) <= len(cuts) // 50, [(r, cuts[r], ' '.join(res[r][0])) for r in missed]
        for r in missed:
            q = cuts[r][0]
            exp[r] = ('any' if q else None, set() if q else set(range(N)), True, True, None)

        def complete(msgs):  # every event that must come, and the final status
            got = {}
            for t, p in msgs:
                got.setdefault(t, []).append(p)
            return all(len({json.loads(p)[2] for p in got.get('lc/%s/s' % r, [])} | e[1]) == N
                       and (not e[3] or got.get('lc/%s/status' % r, [b''])[-1] == b'online')
                       for r, e in exp.items())
        sub.wait(complete, timeout=15)
        time.sleep(0.3)  # (a late will would show now)
        msgs = {}
        for t, p in sub.messages():
            msgs.setdefault(t, []).append(p)
        bad = []
        stats = Counter()
        slowest = Counter()
        for rid, (qos, cut) in runs.items():
            r, xs = res[rid]
            pub, q, drop, ref, err, con, rec, exc, ms, state = map(int, r[2:12])
            dup_ok, lost_ok, errs, online, will = exp[rid]
            got = [json.loads(p)[2] for p in msgs.get('lc/%s/s' % rid, [])]
            first = []
            for v in got:
                if v not in first:
                    first.append(v)
            dups = Counter(got) - Counter(set(got))
            lost = set(range(N)) - set(got)
            st = msgs.get('lc/%s/status' % rid, [])
            key = '%s q%d' % (cut[2] if cut else 'none', qos)
            slowest[key] = max(slowest[key], ms)
            problems = []
            if first != sorted(first) or not lost <= lost_ok:
                problems.append('events %s (may be lost: %s)' % (got, lost_ok))
            if len(dups) > (dup_ok is not None) or any(dup_ok not in (v, 'any') or n > 1 for v, n in dups.items()):
                problems.append('duplicates %s (allowed: %s)' % (dict(dups), dup_ok))
            if (pub, q, drop, ref, exc, state) != (N, 0, 0, 0, 0, 1) or xs:
                problems.append('counters %s %s' % (r[2:], xs))
            if errs and not (err >= 1 and rec >= 1 and rec <= con <= rec + 1) or \
                    not errs and (err, con, rec) != (0, 1, 0):
                problems.append('errors %d connects %d reconnects %d (expected: %s)' % (err, con, rec, errs))
            if ms > TIMEOUT * 1000 + SLACK_MS:
                problems.append('a call took %d ms' % ms)
            if online and (not st or st[-1] != b'online') or will is not None and st.count(b'offline') not in will:
                problems.append('status %s (will expected %s times)' % (st, will))
            if problems:
                bad.append((rid, qos, cut, labs[qos][cut[0]][cut[1]] if cut else None, problems, ' '.join(r[2:])))
            if cut:
                stats['%s %s q%d' % (cut[2], cut[0], qos)] += sum(dups.values()) if qos else len(lost)
        took = time.monotonic() - t_start
        q1 = sum(1 for q, c in cuts.values() if q)
        print('\n%s: %d qos 1 cut runs (%d + %d bytes x %d modes), %d qos 0 (every %d bytes), %d uncut; '
              'duplicates (qos 1) or lost (qos 0): %s; slowest call (ms): %s; %.1f s; cuts not reached (a timeout '
              'first): %s' % (runtime, q1, len(c2b) - 2, len(b2c), len(MODES), len(cuts) - q1, Q0_STEP, len(controls) + 3,
                 dict(sorted(stats.items())), dict(slowest), took, [cuts[r] for r in missed]))
        for b in bad[:40]:
            print(b)
        if bad and os.environ.get('LC_DEBUG'):
            print('\n'.join(ln for ln in broker.log().splitlines() if 'lc' + bad[0][0] in ln))
            print(proxy.debug.get(b'lc' + bad[0][0].encode()))
        assert not bad, '%d of %d runs failed, e.g. %s' % (len(bad), len(runs), bad[:3])
        # the retained status of every run whose status must end 'online', as a
        # new subscriber gets it
        late = subscriber(broker, 'lc/+/status')
        want = ['0000', '0001', '0002'] + [r for r, e in exp.items() if e[3]]
        kept = dict(late.wait(lambda m: len(m) >= len(runs) + 3, timeout=10))
        assert all(kept.get('lc/%s/status' % r) == b'online' for r in want), \
            [(r, kept.get('lc/%s/status' % r)) for r in want if kept.get('lc/%s/status' % r) != b'online'][:5]
        assert not proxy.errors, proxy.errors[:5]
    finally:
        proxy.close()
