"""The MQTT writer's promise, checked over random runs (CPython, hypothesis):
every event a sensor sends is delivered (in order, duplicates allowed), or
still waits in the outbox (and its spool file), or is counted: in dropped
(outbox full, also at a reset with a smaller outbox) or refused (bad
events). A fake client (umqtt's API) fails on chosen calls, some after
the broker took the message (duplicates); slow publishes cut wake-ups
short; a reset is a new writer on the same spool file; on_completed ends
a writer. The spool file exists exactly while the outbox holds messages."""
import json
import os
import tempfile

from hypothesis import HealthCheck, given, settings, strategies as st

from mqtt_writer import MQTTWriter
from vclock import VirtualClock

COST = 0  # ms a publish takes (the clock advances): set per example
SP = os.path.join(tempfile.mkdtemp(prefix='tfspool-'), 'spool.txt')

class Sock:
    def close(self):
        pass


class FakeClient:
    """umqtt's API; the calls numbered in `fails` raise (the connection is
    lost), and a publish that takes a call number after a failing multiple
    of 3 raises after the broker took the message (a duplicate later)."""

    def __init__(self, clk, fails):
        self.clk = clk
        self.fails = fails
        self.fails2 = {x + 1 for x in fails if x % 3 == 0}
        self.n = 0
        self.sock = None
        self.got = []
        self.timeout = 3

    def _f(self):
        self.n += 1
        if self.n in self.fails:
            self.sock = None
            raise OSError(104)

    def set_last_will(self, *a):
        pass

    def connect(self, clean=True):
        self._f()
        self.sock = Sock()

    def publish(self, t, m, r=False, q=0):
        if self.sock is None:
            raise OSError(107)
        self._f()
        self.clk.advance(COST)
        self.got.append((t, bytes(m) if not isinstance(m, str) else m.encode()))
        self.n += 1
        if self.n in self.fails2:
            self.sock = None
            raise OSError(110)

    def ping(self):
        self._f()

    def disconnect(self):
        self._f()
        self.sock = None


ops = st.lists(st.one_of(
    st.tuples(st.just('ev'), st.sampled_from(['good', 'good', 'good', 'nan', 'big', 'badid'])),
    st.tuples(st.just('adv'), st.integers(0, 20000)),
    st.tuples(st.just('obs'), st.just(0)),
    st.tuples(st.just('reset'), st.integers(1, 6)),
    st.tuples(st.just('end'), st.just(0)),
), max_size=60)

@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=ops, fails=st.sets(st.integers(1, 80), max_size=20),
       cost=st.sampled_from([0, 0, 500, 1500]),
       kw=st.fixed_dictionaries({'outbox': st.integers(1, 5), 'drop': st.sampled_from(['oldest', 'newest']),
                                 'every': st.sampled_from([0, 0, 5, 30]), 'batch': st.sampled_from([0, 0, 1, 2]),
                                 'qos': st.sampled_from([0, 1]), 'status': st.booleans(), 'keepalive': st.sampled_from([0, 10])}))
def test_every_event_is_delivered_queued_or_counted(ops, fails, kw, cost):
    global COST
    COST = cost
    for f in (SP, SP + '.new'):
        if os.path.exists(f):
            os.remove(f)
    kw['batch'] = min(kw['batch'], kw['outbox'])
    clk = VirtualClock()
    fc = FakeClient(clk, fails)

    def mk():
        return MQTTWriter('d', None, None, 't/{sensor_id}', client=fc, clock=clk, spool=SP, maxsize=40, **kw)
    w = mk()
    dropped = refused = good = bad = 0
    i = 0
    for op, a in ops:
        if op == 'ev':
            i += 1
            good += a == 'good'
            bad += a != 'good'
            w.on_next({'good': ('s', i, 1), 'nan': ('s', i, float('nan')), 'big': ('s', i, 'x' * 50),
                       'badid': ('s#', i, 1)}[a])
        elif op == 'adv':
            clk.advance(a)
        elif op == 'obs':
            w._observe()
        else:  # a reset (with an outbox of size a), or the end and a reset
            if op == 'end':
                w.on_completed()
            else:
                kw['outbox'] = a
                kw['batch'] = min(kw['batch'], a)
            before = [(t, bytes(m)) for t, m in w.outbox]
            dropped += w.dropped; refused += w.refused
            w = mk()
            after = [(t, bytes(m)) for t, m in w.outbox]
            if len(before) <= kw['outbox']:
                assert after == before and not w.dropped, (op, before, after, w.dropped)
            else:
                assert len(after) == kw['outbox'] and w.dropped == len(before) - len(after), (before, after, w.dropped)
                assert after == (before[-len(after):] if kw['drop'] == 'oldest' else before[:len(after)])
    dropped += w.dropped; refused += w.refused
    ids = [json.loads(m)[1] for t, m in fc.got if not t.endswith('status')]
    q = [json.loads(m)[1] for t, m in w.outbox]
    assert ids == sorted(ids), ids
    ids = sorted(set(ids))
    q = [x for x in q if x not in ids]
    assert refused == bad, (refused, bad)
    assert len(ids) + len(q) + dropped == good, (len(ids), len(q), dropped, good, ids, q)
    assert os.path.exists(SP) == bool(w.outbox), (os.path.exists(SP), w.outbox)  # the spool mirrors the outbox

