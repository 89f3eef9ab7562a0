# Device tests of MQTTWriter in virtual time, against a fake client with
# umqtt's API (the real broker is in tests/host/test_mqtt*.py).
import json
import sys

from mqtt_writer import MQTTWriter
from thingflow import Scheduler
from vclock import VirtualClock, run_for
from tcheck import raises, msg

try:
    import os
    remove = os.remove
except ImportError:  # pragma: no cover
    remove = None

# file names of this run only: two runs of the suite at once (both runtimes,
# or two checkouts) must not share a spool or a log
RUN = ''.join('%02x' % b for b in __import__('os').urandom(4))
SPOOL = '/tmp/tf_test_mqtt_spool_%s.txt' % RUN


class Sock:
    def close(self):
        pass


class FakeClient:
    """umqtt's API over a pretend broker: `up` says whether it answers.
    Records (what, virtual ms, ...) in log; `cost` ms pass per publish."""

    def __init__(self, clk, cost=0):
        self.clk = clk
        self.up = True
        self.cost = cost
        self.sock = None
        self.log = []
        self.got = []  # (topic, payload) the broker acknowledged
        self.timeout = 3
        self.timeouts = []
        self.will = None

    def set_last_will(self, topic, msg, retain=False, qos=0):
        self.will = (topic, msg, retain, qos)

    def connect(self, clean=True):
        self.log.append(('connect', self.clk.now))
        if not self.up:
            raise OSError(111)
        self.sock = Sock()
        return 0

    def publish(self, topic, msg, retain=False, qos=0):
        self.timeouts.append(self.timeout)
        self.clk.advance(self.cost)
        if self.sock is None or not self.up:
            self.sock = None
            raise OSError(104)
        self.got.append((topic, msg if isinstance(msg, str) else msg.decode()))

    def ping(self):
        self.log.append(('ping', self.clk.now))

    def disconnect(self):
        self.log.append(('disconnect', self.clk.now))
        self.sock = None


def make(clk=None, **kw):
    clk = clk or VirtualClock()
    fc = kw.pop('client', None) or FakeClient(clk)
    w = MQTTWriter('dev1', None, None, kw.pop('topic', 'home/{sensor_id}'), client=fc, clock=clk, **kw)
    return w, fc, clk


def data(fc):
    return [m for t, m in fc.got if not t.endswith('/status')]


def cleanup(p=SPOOL):
    for f in (p, p + '.new', p + '.cyc'):
        try:
            remove(f)
        except OSError:
            pass


def test_bad_arguments_are_refused_naming_the_value():
    cases = [
        ({'topic': ''}, "topic '': want a non-empty string"),
        ({'topic': None}, 'topic None: want a non-empty string'),
        ({'topic': 'a/+/b'}, "topic 'a/+/b': + and # are for subscribing, not publishing"),
        ({'topic': 'a/#'}, "topic 'a/#': + and # are for subscribing, not publishing"),
        ({'topic': 'a\nb'}, "topic 'a\\nb': no control character (U+0000-U+001F, U+007F-U+009F), surrogate or noncharacter, at most 65535 bytes"),
        ({'topic': 'a\x00'}, "topic 'a\\x00': no control character (U+0000-U+001F, U+007F-U+009F), surrogate or noncharacter, at most 65535 bytes"),
        ({'topic': 'a\r'}, "topic 'a\\r': no control character (U+0000-U+001F, U+007F-U+009F), surrogate or noncharacter, at most 65535 bytes"),
        ({'topic': 5}, 'topic 5: want a non-empty string'),
        ({'qos': 2}, 'qos 2: want 0 or 1'),
        ({'qos': -1}, 'qos -1: want 0 or 1'),
        ({'qos': '1'}, "qos '1': want 0 or 1"),
        ({'outbox': 0}, 'outbox 0: want a number of messages > 0'),
        ({'drop': 'first'}, "drop 'first': want 'oldest' or 'newest'"),
        ({'maxsize': 0}, 'maxsize 0: want a finite number > 0'),
        ({'timeout': -1}, 'timeout -1: want a finite number > 0'),
        ({'every': -5}, 'every -5: want a finite number >= 0 (0: off)'),
        ({'batch': 'x'}, "batch 'x': want a finite number >= 0 (0: off), at most outbox"),
        ({'batch': 51}, 'batch 51: want a finite number >= 0 (0: off), at most outbox'),  # outbox 50: never 51 waiting
        ({'batch': 6, 'outbox': 5}, 'batch 6: want a finite number >= 0 (0: off), at most outbox'),
        ({'maxwait': 0}, 'maxwait 0: want a finite number > 0'),
        ({'outbox': 2.5}, 'outbox 2.5: want a number of messages > 0'),
        ({'qos': True}, 'qos True: want 0 or 1'),
        ({'qos': 1.0}, 'qos 1.0: want 0 or 1'),
        # a bool is no number, on both runtimes (CPython took maxsize=True as 1 byte)
        ({'maxsize': True}, 'maxsize True: want a finite number > 0'),
        ({'timeout': True}, 'timeout True: want a finite number > 0'),
        ({'maxwait': False}, 'maxwait False: want a finite number > 0'),
        ({'every': True}, 'every True: want a finite number >= 0 (0: off)'),
        ({'batch': False}, 'batch False: want a finite number >= 0 (0: off), at most outbox'),
        ({'timeout': '3'}, "timeout '3': want a finite number > 0"),
        ({'timeout': float('nan')}, 'timeout nan: want a finite number > 0'),
        ({'maxwait': float('nan')}, 'maxwait nan: want a finite number > 0'),
        ({'every': float('nan')}, 'every nan: want a finite number >= 0 (0: off)'),
        # inf: a back-off of inf (OverflowError out of on_next at the first
        # failure), a socket timeout of inf (nothing ever sent): named now
        ({'timeout': float('inf')}, 'timeout inf: want a finite number > 0'),
        ({'maxwait': float('inf')}, 'maxwait inf: want a finite number > 0'),
        ({'maxsize': float('inf')}, 'maxsize inf: want a finite number > 0'),
        ({'every': float('inf')}, 'every inf: want a finite number >= 0 (0: off)'),
        # a false ssl that is not None or False (umqtt's old ssl_params dict,
        # empty) was taken as no TLS: the password went in plain text
        ({'ssl': {}}, 'ssl {}: want True or an SSLContext (an object with wrap_socket)'),
        ({'ssl': ''}, "ssl '': want True or an SSLContext (an object with wrap_socket)"),
        # each connect would fail, counted and retried for ever: nothing published
        ({'radio': True}, 'radio True: want a callable: radio(True), radio(False)'),
    ]
    for kw, want in cases:
        t = kw.pop('topic', 'a/b')
        e = raises(ValueError, MQTTWriter, 'd', '127.0.0.1', 1883, t, **kw)
        assert msg(e) == want, (kw, msg(e))
    for port in (0, 65536, -1, '1883', None, True):
        e = raises(ValueError, MQTTWriter, 'd', '127.0.0.1', port, 'a')
        assert msg(e) == 'port %r: want 1-65535' % (port,), msg(e)
    e = raises(ValueError, MQTTWriter, 'd', '', 1883, 'a')
    assert msg(e) == "host '': want a host name or address"
    # a spool that is no file name: a TypeError at construction (CPython's
    # open(True) was stdout's descriptor, and the construction closed it)
    for bad in (True, 1, [0]):
        raises(TypeError, MQTTWriter, 'd', '127.0.0.1', 1883, 'a', spool=bad)
    w = MQTTWriter('d', '127.0.0.1', 65535, 'a')
    assert w.queued == 0 and w.client is None  # its own client
    assert (w.keepalive, w.timeout, w.qos, w.maxsize, w.every, w.radio) == (60, 3, 1, 1024, 0, None)
    assert MQTTWriter('d', '127.0.0.1', 1883, 'a', outbox=5, batch=5).batch == 5  # a full outbox connects


def test_the_signature_keeps_the_seeds_order_and_every_keyword():
    # __init__(*a, **k) hands everything to mqtt_init.MQTTWriter, whose
    # signature is the documented one: the positional order, each keyword
    clk = VirtualClock()
    f = lambda x: None  # noqa: E731
    w = MQTTWriter('n', 'h', 1884, 't/{sensor_id}', 'u', 'p', 30, None, 0, True, 7, 'newest', None, 99, 2, 8,
                   5, 4, f, False, None, clk)
    assert (w.name, w.server, w.port, w.topic, w.user, w.pswd, w.keepalive, w.qos, w.retain, w._cap,
            w.drop, w.spool, w.maxsize, w.timeout, w.maxwait, w.every, w.batch, w.radio, w.status, w.client,
            w.clock) == ('n', 'h', 1884, 't/{sensor_id}', 'u', 'p', 30, 0, True, 7, 'newest', None, 99, 2, 8, 5,
                         4, f, None, None, clk)
    w = MQTTWriter(topic='a', port=1883, host='h', name='m', password='s', user='v', maxwait=9, clock=clk)
    assert (w.name, w.server, w.port, w.topic, w.user, w.pswd, w.maxwait, w.clock) == \
        ('m', 'h', 1883, 'a', 'v', 's', 9, clk)
    for a, k in ((('n', 'h', 1883), {}), (('n', 'h', 1883, 't'), {'bogus': 1}), (('n',) * 23, {})):
        raises(TypeError, MQTTWriter, *a, **k)
    e = raises(TypeError, MQTTWriter, 'n', 'h', 1883, 't', bogus=1)
    assert 'bogus' in msg(e), msg(e)


def test_events_become_json_on_the_sensor_topic():
    w, fc, clk = make()
    w.on_next(('temp', 12.5, 21.25))
    w.on_next(('hum', 13, [40, None, True]))
    w.on_next(('x/y', 14, {'a': 'b'}))
    assert data(fc) == ['["temp", 12.5, 21.25]', '["hum", 13, [40, null, true]]', '["x/y", 14, {"a": "b"}]']
    assert [t for t, m in fc.got] == ['home/status', 'home/temp', 'home/hum', 'home/x/y']
    assert fc.got[0] == ('home/status', 'online')
    assert fc.will == ('home/status', 'offline', True, 1)
    assert (w.published, w.queued, w.connects, w.errors) == (3, 0, 1, 0)


def test_status_topic_is_the_root_of_the_topic():
    for topic, st in (('home/kitchen/{sensor_id}', 'home/kitchen/status'), ('sensors', 'sensors/status'),
                      ('{sensor_id}', 'status'), ('a/{sensor_id}/t', 'a/status'), ('a/', 'a/status')):
        w, fc, clk = make(topic=topic)
        assert w.status == st, (topic, w.status)
    w, fc, clk = make(status=False)
    w.on_next(('a', 1, 2))
    assert fc.got == [('home/a', '["a", 1, 2]')] and fc.will is None


def test_bad_events_are_refused_counted_and_the_flow_goes_on():
    w, fc, clk = make(maxsize=40)
    bad = [('a', 1, object()), ('a', 1, float('nan')), ('a', 1, float('inf')), ('a', 1, b'x'),
           ('a', 1, {1: 2}), ('a', 1, set()), ('a', 1, 'x' * 40), ('a+', 1, 2), ('#', 1, 2), 5, ()]
    for i, x in enumerate(bad):
        w.on_next(x)
        assert w.refused == i + 1, x
        w.on_next(('ok', i, i))
    assert data(fc) == ['["ok", %d, %d]' % (i, i) for i in range(len(bad))]
    assert (w.published, w.dropped, w.errors) == (len(bad), 0, 0)


def test_an_event_that_holds_itself_or_is_nested_too_deep_is_refused():
    # a list or dict that holds itself hung the check (CPython) or ran out
    # of memory in it (MicroPython); one nested 3000 deep raised out of
    # on_next (RecursionError, MicroPython's RuntimeError): each is more
    # items than maxsize allows (n items: 2n - 1 bytes of JSON at least),
    # refused as too big before json.dumps sees it
    for maxsize in (1024, 40):
        w, fc, clk = make(maxsize=maxsize)
        x = ['s', 1]
        x.append(x)
        d = {}
        d['d'] = d
        deep = 1
        for i in range(3000):
            deep = [deep]
        for i, e in enumerate((x, ('s', 2, d), ('s', 3, deep))):
            w.on_next(e)
            assert w.refused == i + 1, (maxsize, i)
            w.on_next(('ok', i, i))
        assert data(fc) == ['["ok", %d, %d]' % (i, i) for i in range(3)]
        assert (w.published, w.dropped, w.errors) == (3, 0, 0)
    # the bound is exact: 20 lists around a 1 make 41 bytes in 21 items
    n = 1
    for i in range(20):
        n = [n]
    for maxsize, sent in ((41, 1), (40, 0)):
        w, fc, clk = make(maxsize=maxsize, topic='home/n')
        w.on_next(n)
        assert (w.published, w.refused) == (sent, 1 - sent)
        assert data(fc) == ['[' * 20 + '1' + ']' * 20] * sent


def test_an_event_of_exactly_maxsize_bytes_is_sent_one_more_is_refused():
    # maxsize: bytes of JSON at most; '["a", 1, ""]' is 12 bytes
    w, fc, clk = make(maxsize=40)
    w.on_next(('a', 1, 'x' * 28))  # 40 bytes
    w.on_next(('a', 2, 'x' * 29))  # 41 bytes
    assert data(fc) == ['["a", 1, "%s"]' % ('x' * 28)]
    assert (w.published, w.refused, w.dropped) == (1, 1, 0)


def test_a_list_of_events_takes_the_first_events_sensor_id():
    # buffer_with_count sends a list of events: the topic is the first
    # event's sensor_id, the payload the whole list
    w, fc, clk = make()
    cases = [
        ([('temp', 1, 20.5), ('temp', 2, 20.75)], 'home/temp', '[["temp", 1, 20.5], ["temp", 2, 20.75]]'),
        ((('hum', 1, 40),), 'home/hum', '[["hum", 1, 40]]'),
        ([['a/b', 3, None]], 'home/a/b', '[["a/b", 3, null]]'),
        ([(7, 1, 2), ('x', 2, 3)], 'home/7', '[[7, 1, 2], ["x", 2, 3]]'),
        (('s', 5, 6), 'home/s', '["s", 5, 6]'),
    ]
    for x, topic, payload in cases:
        w.on_next(x)
        assert fc.got[-1] == (topic, payload), (x, fc.got[-1])
    assert (w.published, w.refused) == (len(cases), 0)
    for bad in ([()], [('a+', 1, 2)], [(None, 1, 2)], (None, 1, 2), [('#',)], []):
        w.on_next(bad)
    assert (w.published, w.refused) == (len(cases), 6)


def test_outbox_drops_oldest_by_default_and_counts():
    w, fc, clk = make(outbox=3)
    fc.up = False
    for i in range(5):
        w.on_next(('s', i, i))
    assert (w.queued, w.dropped, w.published) == (3, 2, 0)
    fc.up = True
    clk.advance(1000)
    w._observe()
    assert data(fc) == ['["s", 2, 2]', '["s", 3, 3]', '["s", 4, 4]']
    assert (w.queued, w.dropped, w.published, w.reconnects) == (0, 2, 3, 1)


def test_outbox_drop_newest_keeps_the_first_events():
    w, fc, clk = make(outbox=3, drop='newest')
    fc.up = False
    for i in range(5):
        w.on_next(('s', i, i))
    fc.up = True
    clk.advance(1000)
    w._observe()
    assert data(fc) == ['["s", 0, 0]', '["s", 1, 1]', '["s", 2, 2]']
    assert (w.dropped, w.published) == (2, 3)


def test_reconnects_back_off_1_2_4_up_to_maxwait_at_wake_ups():
    clk = VirtualClock()
    w, fc, clk = make(clk, maxwait=10)
    fc.up = False
    for t in range(0, 40000, 500):  # an event every 0.5 s for 40 s
        clk.now = t
        w.on_next(('s', t, t))
    tries = [t for k, t in fc.log if k == 'connect']
    assert tries == [0, 1000, 3000, 7000, 15000, 25000, 35000], tries
    assert w.errors == 7 and w.queued == 50 and w.dropped == 30
    assert isinstance(w.last_error, OSError)
    fc.up = True
    clk.now = 45000
    w.on_next(('s', 45000, 1))
    assert (w.queued, w.published, w.dropped, w.reconnects, w.connects) == (0, 50, 31, 1, 1)


def test_back_off_grows_also_when_the_connect_works_and_the_publish_fails():
    # a broker that takes the connection but drops it at a message too big
    # for it (max_packet_size below maxsize): the wait grows 1, 2, 4 ... as
    # for a broker that is away (it was 1 s at every try: a connect a
    # second for ever), and starts at 1 s again once an event got through
    class Small(FakeClient):
        limit = 30

        def publish(self, topic, msg, retain=False, qos=0):
            if len(msg) > self.limit:
                self.sock = None
                raise OSError(104)
            FakeClient.publish(self, topic, msg, retain, qos)
    clk = VirtualClock()
    w, fc, clk = make(clk, client=Small(clk), maxwait=10)
    w.on_next(('s', 0, 'x' * 40))
    for t in range(500, 40000, 500):  # a wake-up every 0.5 s
        clk.now = t
        w._observe()
    tries = [t for k, t in fc.log if k == 'connect']
    assert tries == [0, 1000, 3000, 7000, 15000, 25000, 35000], tries
    assert (w.errors, w.connects, w.published, w.queued, w.state) == (7, 7, 0, 1, -10000)
    fc.limit = 100
    clk.now = 45000
    w.on_next(('s', 1, 1))  # both get through
    assert (w.published, w.queued, w.connects) == (2, 0, 8)
    fc.limit = 10
    for t in range(45500, 50000, 500):
        clk.now = t
        w.on_next(('s', 2, t))
    tries = [t for k, t in fc.log if k == 'connect'][8:]
    assert tries == [46500, 48500], tries  # failed at 45500 (connected), then 1 s and 2 s after
    assert w.errors == 10 and w.state == -4000


def test_a_failed_publish_keeps_the_message_and_resends_it_first():
    w, fc, clk = make()
    w.on_next(('s', 0, 0))
    fc.up = False
    w.on_next(('s', 1, 1))
    w.on_next(('s', 2, 2))
    assert (w.queued, w.errors) == (2, 1)
    fc.up = True
    clk.advance(1000)
    w.on_next(('s', 3, 3))
    assert data(fc) == ['["s", %d, %d]' % (i, i) for i in range(4)]
    assert (w.published, w.reconnects, w.connects) == (4, 1, 2)


def test_qos_and_retain_are_passed_to_the_client():
    seen = []

    class C(FakeClient):
        def publish(self, topic, msg, retain=False, qos=0):
            seen.append((topic, retain, qos))
    clk = VirtualClock()
    w, fc, clk = make(clk, client=C(clk), qos=0, retain=True)
    w.on_next(('a', 1, 2))
    assert seen == [('home/status', True, 1), ('home/a', True, 0)]


def test_each_wake_up_is_bounded_by_timeout():
    # every publish takes 400 ms: a wake-up stops when less than a quarter of
    # the 3 s budget is left, and hands the client the time that is left
    clk = VirtualClock()
    fc = FakeClient(clk, cost=400)
    w, fc, clk = make(clk, client=fc, status=False)
    fc.up = False
    for i in range(10):
        w.on_next(('s', i, i))
    fc.up = True
    clk.advance(1000)
    fc.timeouts = []
    t0 = clk.now
    w._observe()
    assert len(fc.got) == 6 and w.queued == 4
    assert clk.now - t0 == 2400
    assert fc.timeouts == [3.0, 2.6, 2.2, 1.8, 1.4, 1.0], fc.timeouts
    w._observe()
    assert len(fc.got) == 10 and w.queued == 0


def test_keepalive_ping_after_half_and_a_fresh_connection_after_a_whole():
    w, fc, clk = make(keepalive=60)
    w.on_next(('s', 0, 0))
    for t in (20000, 29999, 30000, 50000, 80000):
        clk.now = t
        w._observe()
    assert [x for x in fc.log if x[0] == 'ping'] == [('ping', 30000), ('ping', 80000)]
    clk.now = 200000  # silent for more than a keepalive: the broker gave up on us
    w.on_next(('s', 1, 1))
    assert [x for x in fc.log if x[0] == 'connect'] == [('connect', 0), ('connect', 200000)]
    assert (w.reconnects, w.errors, w.published) == (1, 0, 2)
    # silent for 1.24 keepalives: the connection is kept (the broker waits
    # for 1.5); for 1.25: started afresh
    clk.now = 200000 + 74999
    w.on_next(('s', 2, 2))
    clk.now = 274999 + 75000
    w.on_next(('s', 3, 3))
    assert [x for x in fc.log if x[0] == 'connect'] == [('connect', 0), ('connect', 200000), ('connect', 349999)]
    assert (w.reconnects, w.errors, w.published) == (2, 0, 4)


def test_duty_cycle_every_n_seconds_batches_and_disconnects():
    radio = []
    w, fc, clk = make(every=60, radio=radio.append)
    s = Scheduler(clk)

    class Count:
        sensor_id = 'c'
        n = 0

        def sample(self):
            self.n += 1
            return self.n
    s.schedule_sensor(Count(), 10, w)
    run_for(s, 185)
    conns = [t for k, t in fc.log if k == 'connect']
    assert conns == [60000, 120000, 180000], conns
    assert [t for k, t in fc.log if k == 'disconnect'] == conns
    assert radio == [True, False] * 3
    assert len(data(fc)) == 19 and w.queued == 0  # events at 0, 10, ..., 180 s
    assert [m for t, m in fc.got if t == 'home/status'] == ['online', 'offline'] * 3
    assert (w.reconnects, w.connects) == (0, 3)


def test_duty_cycle_every_carries_across_deep_sleep_wake_ups():
    # each deep-sleep wake-up is a new run of the app: a new writer, its
    # outbox from the spool. The cycle began in an earlier run: every=300
    # with a wake-up (one event) every 60 s connects every 5th wake-up (it
    # never connected: the cycle started afresh at each wake-up)
    cleanup()
    clk = VirtualClock()
    fc = FakeClient(clk)
    try:
        for run in range(11):
            clk.now = run * 60000
            w, fc, clk = make(clk, client=fc, every=300, spool=SPOOL, status=False)
            w.on_next(('s', run, run))
        assert [t for k, t in fc.log if k == 'connect'] == [300000, 600000]
        assert [t for k, t in fc.log if k == 'disconnect'] == [300000, 600000]
        assert data(fc) == ['["s", %d, %d]' % (i, i) for i in range(11)]
        assert w.queued == 0 and w.dropped == 0 and w.errors == 0
        with open(SPOOL + '.cyc') as f:
            assert f.read() == '600'  # the cycle that began at the last connect
    finally:
        cleanup()


def test_duty_cycle_start_in_the_cyc_file_is_the_exact_int():
    # a board's time() is an int near 1.7e9 and its float has 32 bits (128 s
    # apart there): time() - b / 1000 wrote a start up to 64 s off (later:
    # a wake-up sooner took it for a time() gone back, due). Here a time() past 2**53,
    # where even a double misses ints, shows it on both runtimes.
    cleanup()
    T = 2 ** 53 + 1
    clk = VirtualClock()
    clk.time = lambda: T + clk.now // 1000
    fc = FakeClient(clk)
    try:
        for run in range(6):  # a deep-sleep wake-up each 60 s: a new writer
            clk.now = run * 60000
            w, fc, clk = make(clk, client=fc, every=300, spool=SPOOL, status=False)
            w.on_next(('s', run, run))
            with open(SPOOL + '.cyc') as f:
                assert f.read() == str(T if run < 5 else T + 300), run
        assert [t for k, t in fc.log if k == 'connect'] == [300000]
        assert len(data(fc)) == 6 and w.errors == 0
    finally:
        cleanup()


def test_duty_cycle_with_a_cycle_file_that_cannot_be_written_sends_at_once():
    # the flash is full (here: the spool's folder is gone): the cycle's
    # start cannot be kept for the next deep-sleep wake-up, nor the outbox:
    # it is sent now rather than lost at the next deep sleep
    clk = VirtualClock()
    w, fc, clk = make(clk, every=300, spool='/tmp/tf_no_such_dir_x9/sp', status=False)
    w.on_next(('s', 1, 1))
    assert [t for k, t in fc.log if k == 'connect'] == [0] and data(fc) == ['["s", 1, 1]']
    # the cycle file failed at the first event and after the cycle (the
    # spool had nothing to keep): the next cycle is due at once too
    assert w.errors == 2 and isinstance(w.last_error, OSError)
    clk.now = 1000
    w.on_next(('s', 2, 2))
    assert [t for k, t in fc.log if k == 'connect'] == [0, 1000] and w.queued == 0


def test_duty_cycle_radio_off_that_raises_is_counted_not_raised():
    # radio(False) at the end of a cycle (or after a failure) raising: a
    # network failure, counted; the pipeline goes on
    calls = []

    def radio(on):
        calls.append(on)
        if not on:
            raise OSError(5)
    w, fc, clk = make(every=60, radio=radio, status=False)
    clk.now = 60000
    w.on_next(('s', 1, 1))  # the cycle begins
    clk.now = 120000
    w.on_next(('s', 2, 2))  # due: connect, send both, disconnect, radio off raises
    assert calls == [True, False] and data(fc) == ['["s", 1, 1]', '["s", 2, 2]']
    assert w.errors == 1 and isinstance(w.last_error, OSError) and w.state == 0
    fc.up = False
    clk.now = 180000
    w.on_next(('s', 3, 3))  # due: the connect fails, radio off raises again
    assert calls == [True, False, True, False] and w.errors == 3 and w.queued == 1


def test_duty_cycle_batch_of_n_events():
    w, fc, clk = make(batch=4, status=False)
    for i in range(10):
        clk.now = i * 1000
        w.on_next(('s', i, i))
    assert [t for k, t in fc.log if k == 'connect'] == [3000, 7000]
    assert w.queued == 2 and w.published == 8
    w.on_completed()
    assert w.queued == 0 and w.published == 10 and len(fc.got) == 10


def test_duty_cycle_out_of_time_still_disconnects_and_turns_the_radio_off():
    # 10 events wait, each publish takes 400 ms: the 3 s budget sends
    # 'online' and 5 events; the cycle still ends (offline, DISCONNECT, radio off) and the rest go
    # at the next wake-up, not a whole `every` later
    radio = []
    clk = VirtualClock()
    fc = FakeClient(clk, cost=400)
    w, fc, clk = make(clk, client=fc, every=60, outbox=20, radio=radio.append)
    for i in range(10):
        w.on_next(('s', i, i))
    clk.now = 60000
    w._observe()
    assert (w.published, w.queued, w.state) == (5, 5, 0), (w.published, w.queued, w.state)
    assert radio == [True, False], radio
    assert [k for k, t in fc.log] == ['connect', 'disconnect'], fc.log
    clk.now = 70000
    w._observe()
    assert (w.queued, len(data(fc)), w.state) == (0, 10, 0)
    assert radio == [True, False] * 2, radio
    assert [t for k, t in fc.log if k == 'connect'] == [60000, 70000]


def test_duty_cycle_failure_backs_off_and_turns_the_radio_off():
    radio = []
    w, fc, clk = make(batch=2, radio=radio.append, status=False)
    fc.up = False
    for t in (0, 100, 200, 1300):
        clk.now = t
        w.on_next(('s', t, t))
    assert [t for k, t in fc.log if k == 'connect'] == [100, 1300]
    assert radio == [True, False, True, False] and w.errors == 2


def test_duty_cycle_failed_disconnect_turns_the_radio_off_once():
    # the DISCONNECT at the end of a cycle fails: a network failure (counted,
    # the connection forgotten), and the radio goes off once (a hook that
    # counts its calls, e.g. a shared power switch, saw radio(False) twice)
    radio = []
    w, fc, clk = make(every=60, radio=radio.append, status=False)

    def broken():
        raise OSError(104)
    fc.disconnect = broken
    w.on_next(('s', 1, 1))  # the first cycle begins
    clk.now = 60000
    w.on_next(('s', 2, 2))  # due: connect, send both, the disconnect fails
    assert (w.published, w.errors, w.state < 0) == (2, 1, True), (w.published, w.errors, w.state)
    assert radio == [True, False], radio


def test_without_a_duty_cycle_the_radio_calls_come_in_pairs():
    # no duty cycle: the radio goes on before the first connect and stays on
    # through failures and reconnects (it was radio(True) before each
    # attempt, never radio(False) between), and goes off once at the end;
    # a writer that never connected never calls the hook
    radio = []
    w, fc, clk = make(radio=radio.append, maxwait=1)
    fc.up = False
    for t in (0, 2000, 4000):
        clk.now = t
        w.on_next(('s', t, t))
    assert [t for k, t in fc.log if k == 'connect'] == [0, 2000, 4000] and radio == [True]
    fc.up = True
    clk.now = 6000
    w.on_next(('s', 6000, 1))
    assert (w.published, w.connects, radio) == (4, 1, [True])
    w.on_completed()
    assert radio == [True, False] and fc.log[-1][0] == 'disconnect'
    radio = []
    w, fc, clk = make(radio=radio.append)
    w.on_completed()
    assert radio == []
    # a hook that fails to turn it on (an association that failed may have
    # left the radio on): radio(False) after it, radio(True) afresh at the
    # next attempt
    calls = []

    def flaky(on):
        calls.append(on)
        if len(calls) == 1:
            raise OSError('no AP')
    w, fc, clk = make(radio=flaky)
    w.on_next(('s', 0, 0))
    assert (calls, w.errors, w.published) == ([True, False], 1, 0)
    clk.now = 1000
    w.on_next(('s', 1, 1))
    assert (calls, w.errors, w.published) == ([True, False, True], 1, 2)
    w.on_completed()
    assert calls == [True, False, True, False]


def test_completion_flushes_disconnects_and_leaves_the_scheduler():
    w, fc, clk = make()
    fc.up = False
    w.on_next(('s', 0, 0))
    fc.up = True
    w.on_completed()
    assert data(fc) == ['["s", 0, 0]']
    assert fc.got[-1] == ('home/status', 'offline') and fc.log[-1][0] == 'disconnect'
    w.on_next(('s', 1, 1))
    assert w.refused == 1 and w.published == 1
    s = Scheduler(clk)
    s.schedule_periodic(w, 1)
    run_for(s, 10)
    assert s._groups == []


def test_error_from_upstream_also_flushes_and_disconnects():
    w, fc, clk = make()
    fc.up = False
    w.on_next(('s', 0, 0))
    fc.up = True
    w.on_error(ValueError('sensor broke'))
    assert fc.log[-1][0] == 'disconnect' and data(fc) == ['["s", 0, 0]']
    assert fc.got[-1] == ('home/status', 'offline') and w.queued == 0
    w.on_next(('s', 1, 1))
    w.on_error(ValueError('again'))  # closed already: nothing more is sent
    assert w.refused == 1 and len(fc.got) == 3


def test_an_error_from_upstream_is_kept_in_last_error_without_a_logger():
    # nothing lost silently: with no logger to write it to, the error that
    # ended the writer's stream is still readable (last_error); it is no
    # network failure (errors stays 0); a later one (a second source) too
    restore = use_logger(None)  # import logger fails
    try:
        w, fc, clk = make()
        w.on_next(('s', 0, 0))
        e = OSError(5)
        w.on_error(e)
        assert w.last_error is e and w.errors == 0 and w.published == 1
        e2 = ValueError('second source')
        w.on_error(e2)
        assert w.last_error is e2 and w.errors == 0
        w.on_completed()  # a completion is no error: last_error stays
        assert w.last_error is e2
    finally:
        restore()


def test_connect_raises_the_clients_error():
    w, fc, clk = make()
    fc.up = False
    e = raises(OSError, w.connect)
    assert e.args[0] == 111 and w.errors == 1
    fc.up = True
    w.connect()
    assert w.connects == 1


class LogRec:
    def __init__(self):
        self.lines = []

    def warning(self, m, *a):
        self.lines.append(m % a if a else m)

    error = info = debug = warning


def use_logger(rec):
    """Make `import logger` give a module whose get_logger() returns rec
    (None: make the import fail). Returns the function that undoes it."""
    class FakeLogger:
        max_len = 8000  # initialised (0: imported only)

        def get_logger():
            return rec
    old = sys.modules.get('logger')
    sys.modules['logger'] = FakeLogger if rec is not None else None

    def restore():
        if old is None:
            del sys.modules['logger']
        else:
            sys.modules['logger'] = old
    return restore


class Leaky(FakeClient):
    """A client whose connect fails with the password in the error's text."""
    pw = 'hunter2'

    def connect(self, clean=True):
        raise OSError('auth failed for dev:' + self.pw)


def test_log_lines_name_the_cause_but_never_the_password():
    rec = LogRec()
    clk = VirtualClock()
    restore = use_logger(rec)
    try:
        w, fc, clk = make(clk, client=Leaky(clk), user='dev', password='hunter2', maxsize=20)
        w.on_next(('s', 1, object()))
        w.on_next(('s', 1, 1))
        for x in (('s', 2, 'x' * 20), (None, 3, 4), ('a+b', 4, 5)):
            w.on_next(x)
        w.on_error(ValueError('sensor gone, pw hunter2'))
        w.on_next(('s', 5, 6))
    finally:
        restore()
    assert len(rec.lines) == 8, rec.lines
    assert rec.lines[0].startswith('mqtt dev1: event (') and rec.lines[0].endswith('refused: JSON cannot encode it')
    assert 'auth failed for dev:***' in rec.lines[1] and 'hunter2' not in rec.lines[1]
    assert rec.lines[1].endswith('(retry in 1000 ms; 1 waiting, 0 dropped)'), rec.lines[1]
    assert rec.lines[2:5] == [
        "mqtt dev1: event ('s', 2, '%s') refused: bigger than maxsize" % ('x' * 20),
        'mqtt dev1: event (None, 3, 4) refused: no sensor_id for the topic',
        "mqtt dev1: event ('a+b', 4, 5) refused: its sensor_id puts + # or a control character or noncharacter "
        "into the topic, or leaves it empty or longer than 65535 bytes"]
    assert rec.lines[5] == "mqtt dev1: upstream error ValueError('sensor gone, pw ***')" or \
        rec.lines[5] == "mqtt dev1: upstream error ValueError('sensor gone, pw ***',)", rec.lines[5]
    assert 'auth failed' in rec.lines[6]  # the last try at completion
    assert rec.lines[7] == "mqtt dev1: event ('s', 5, 6) refused: writer closed"
    assert w.refused == 5 and w.errors == 2


def test_network_warnings_say_what_waits_and_what_was_dropped():
    # (the outbox's drops were counted but never logged: a 1-hour outage
    # dropped 40 readings, and its 33 log lines did not say so)
    rec = LogRec()
    restore = use_logger(rec)
    try:
        w, fc, clk = make(outbox=2)
        fc.up = False
        for i in range(6):
            w.on_next(('s', i, i))
            clk.advance(1000)
    finally:
        restore()
    assert [ln[ln.index('(retry'):] for ln in rec.lines] == [
        '(retry in 1000 ms; 1 waiting, 0 dropped)', '(retry in 2000 ms; 2 waiting, 0 dropped)',
        '(retry in 4000 ms; 2 waiting, 2 dropped)'], rec.lines
    assert (w.dropped, len(w.outbox), w.errors) == (4, 2, 3)


def test_warnings_reach_the_real_logger():
    import logger
    log = '/tmp/tf_test_mqtt_log_%s.txt' % RUN
    for f in (log, log + '.1'):
        try:
            remove(f)
        except OSError:
            pass
    logger.initialize_logging(log)
    try:
        w, fc, clk = make(user='dev', password='pw-9')
        w.on_next(('s', 1, float('inf')))
        fc.up = False
        w.on_next(('s', 2, 3))
    finally:
        logger.close_logging()
    with open(log) as f:
        text = f.read()
    assert "mqtt dev1: event ('s', 1, inf) refused: JSON cannot encode it" in text, text
    assert 'mqtt dev1: network: OSError(111' in text and '(retry in 1000 ms; 1 waiting, 0 dropped)' in text, text
    assert 'pw-9' not in text and text.count('\n') == 2, text
    remove(log)


def test_without_a_logger_nothing_breaks():
    restore = use_logger(None)  # import logger fails
    try:
        w, fc, clk = make()
        w.on_next(('s', 1, object()))
    finally:
        restore()
    assert w.refused == 1


def test_spool_keeps_the_outbox_across_a_reset_in_order():
    cleanup()
    w, fc, clk = make(spool=SPOOL, outbox=10)
    fc.up = False
    for i in range(4):
        w.on_next(('s', i, i))
    with open(SPOOL, 'rb') as f:
        assert f.read().count(b'\n') == 4
    # reset: a new writer on the same spool, and a broker that answers
    w2, fc2, clk2 = make(spool=SPOOL, outbox=10)
    assert w2.queued == 4
    w2.on_next(('s', 4, 4))
    assert data(fc2) == ['["s", %d, %d]' % (i, i) for i in range(5)]
    assert [t for t, m in fc2.got][1:] == ['home/s'] * 5
    try:
        open(SPOOL)
        assert False, 'the spool should be gone once the outbox is empty'
    except OSError:
        pass


def test_spool_count_lines_skip_what_was_delivered():
    cleanup()
    w, fc, clk = make(spool=SPOOL, outbox=10, batch=3, status=False)
    fc.up = False
    for i in range(5):
        clk.now = i * 100000
        w.on_next(('s', i, i))
    fc.up = True
    clk.now += 100000
    # publish two, then the broker fails again
    orig = fc.publish

    def pub(*a):
        if len(fc.got) == 2:
            fc.up = False
        orig(*a)
    fc.publish = pub
    w._observe()
    assert (w.queued, w.published) == (3, 2)
    with open(SPOOL, 'rb') as f:
        assert f.read().split(b'\n')[-2] == b'\x002'
    w2, fc2, clk2 = make(spool=SPOOL, outbox=10, status=False)
    assert w2.queued == 3
    w2.on_completed()
    assert data(fc2) == ['["s", 2, 2]', '["s", 3, 3]', '["s", 4, 4]']


def test_spool_survives_a_line_cut_short_and_is_compacted():
    cleanup()
    with open(SPOOL, 'wb') as f:
        f.write(b'home/a\x00[1]\nhome/a\x00[2]\n\x001\nhome/b\x00[3]\nhome/b\x00[4')
    w, fc, clk = make(spool=SPOOL)
    assert (w.queued, w.dropped) == (2, 1)
    with open(SPOOL, 'rb') as f:
        assert f.read() == b'home/a\x00[2]\nhome/b\x00[3]\n'
    w.on_completed()
    assert data(fc) == ['[2]', '[3]']
    cleanup()
    w, fc, clk = make(spool=SPOOL, outbox=3)
    fc.up = False
    for i in range(20):  # far more than fit: drops and rewrites keep the file small
        w.on_next(('s', i, i))
    with open(SPOOL, 'rb') as f:
        lines = f.read().split(b'\n')
    assert len(lines) <= 2 * 3 + 4, lines
    w2, fc2, clk2 = make(spool=SPOOL, outbox=3)
    assert w2.queued == 3
    w2.on_completed()
    assert data(fc2) == ['["s", 17, 17]', '["s", 18, 18]', '["s", 19, 19]']
    cleanup()


def test_a_client_without_ping_is_not_pinged():
    # ping is optional in umqtt's API: an idle wake-up with such a client
    # sends nothing and raises nothing, alone or under a scheduler
    class C:  # umqtt's API without ping, over a FakeClient
        def __init__(self, clk):
            self.fc = FakeClient(clk)
            self.sock = None

        def connect(self, clean=True):
            self.fc.connect(clean)
            self.sock = self.fc.sock

        def publish(self, *a):
            self.fc.publish(*a)

        def disconnect(self):
            self.sock = None
    clk = VirtualClock()
    c = C(clk)
    w, fc, clk = make(clk, client=c)
    w.on_next(('t', 1, 2))
    clk.advance(31000)
    w._observe()  # idle for more than half the keepalive
    w.on_next(('t', 2, 3))
    assert (w.published, w.errors, w.refused) == (2, 0, 0)
    clk = VirtualClock()
    c = C(clk)
    w, fc, clk = make(clk, client=c)
    s = Scheduler(clk)
    s.schedule_periodic(w, 30)
    w.on_next(('t', 0, 0))
    run_for(s, 120)  # wake-ups at 0, 30, ... 120 s
    assert (w.published, w.errors, w.connects) == (1, 0, 1)
    assert [m for t, m in c.fc.got] == ['online', '["t", 0, 0]']


def test_sensor_ids_that_make_a_bad_topic_are_refused_and_the_rest_goes_on():
    # Mosquitto drops the connection at a topic with a control character
    # (U+0000-U+001F, U+007F-U+009F), a surrogate, a noncharacter or an
    # empty topic: such an event would stay at the head of the outbox for good
    rec = LogRec()
    restore = use_logger(rec)
    try:
        w, fc, clk = make()
        bad = ['temp\r', 'a\tb', '\x00', 'x\x1f', 'x\x7f', 'x\x80', 'x\x85', 'x\x9f', '\r\n', 'a+', '#',
               'x\ufffe', '\ufdd0', 'x\U0001ffff', 'x\ud800']
        for i, sid in enumerate(bad):
            w.on_next((sid, i, i))
            w.on_next(('ok', i, i))
        for sid in ('x\xa0', 'temp \xb0C', '~', ''):
            w.on_next((sid, 0, 1))
        w2, fc2, clk2 = make(topic='{sensor_id}')
        w2.on_next(('', 1, 2))
        w2.on_next(('t', 2, 3))
        w2.on_next([('', 3, 4)])
    finally:
        restore()
    assert w.refused == len(bad) and w.errors == 0 and w.queued == 0 and w.connects == 1
    assert data(fc)[:len(bad)] == ['["ok", %d, %d]' % (i, i) for i in range(len(bad))]
    assert [json.loads(m) for m in data(fc)[len(bad):]] == [['x\xa0', 0, 1], ['temp \xb0C', 0, 1], ['~', 0, 1],
                                                           ['', 0, 1]]
    assert [t for t, m in fc.got][-4:] == ['home/x\xa0', 'home/temp \xb0C', 'home/~', 'home/']
    assert rec.lines[0] == "mqtt dev1: event ('temp\\r', 0, 0) refused: its sensor_id puts + # or a control " \
        "character or noncharacter into the topic, or leaves it empty or longer than 65535 bytes", rec.lines[0]
    assert len(rec.lines) == len(bad) + 2
    assert (w2.refused, w2.errors, w2.published, w2.queued) == (2, 0, 1, 0)
    assert [t for t, m in fc2.got] == ['status', 't']
    assert rec.lines[-1] == "mqtt dev1: event [('', 3, 4)] refused: its sensor_id puts + # or a control " \
        "character or noncharacter into the topic, or leaves it empty or longer than 65535 bytes", rec.lines[-1]


def test_log_lines_never_hold_the_password_in_any_form():
    # a repr escapes \ ' " and control characters: the password is masked
    # in those forms too; a bytes password (connect_packet takes bytes) is
    # masked as well, and logging never raises
    rec = LogRec()
    restore = use_logger(rec)
    pws = ('back\\slash', 'it\'s"x', "it's", 'a"b', 'tab\there', 'caf\xe9')
    try:
        for pw in pws:
            clk = VirtualClock()
            c = Leaky(clk)
            c.pw = pw
            w, fc, clk = make(clk, client=c, user='dev', password=pw)
            w.on_next(('t', 1, 2))
            w.on_error(ValueError('pw %r or %s' % (pw, pw)))
        clk = VirtualClock()
        c = Leaky(clk)
        c.pw = 'hunter2'
        w, fc, clk = make(clk, client=c, user='dev', password=b'hunter2')
        w.on_next(('t', 1, 2))
        w.on_error(ValueError(b'pw hunter2'))
        fc.up = False
        w, fc, clk = make(user='dev', password=b'\xff\xfepw')  # not UTF-8
        w.on_error(OSError(b'\xff\xfepw'))
    finally:
        restore()
    assert len(rec.lines) == 3 * len(pws) + 4, rec.lines
    for pw in pws + ('hunter2',):
        for form in (pw, repr(pw)[1:-1], repr(pw.encode())[2:-1]):
            for ln in rec.lines:
                assert form not in ln, (form, ln)
    assert rec.lines[0].startswith("mqtt dev1: network: OSError('auth failed for dev:***'"), rec.lines[0]
    assert rec.lines[1].startswith("mqtt dev1: upstream error ValueError(\"pw '***' or ***\""), rec.lines[1]
    assert rec.lines[-3].startswith("mqtt dev1: upstream error ValueError(b'pw ***'"), rec.lines[-3]
    assert rec.lines[-1].startswith("mqtt dev1: upstream error OSError(b'***'"), rec.lines[-1]


def test_duty_cycle_failed_attempt_backs_off_not_a_whole_period():
    # every=600: the broker is down at the first attempt (600 s); the next
    # try is after the back-off (the next event, 10 s later), and the next
    # cycle 600 s after the one that sent everything
    w, fc, clk = make(every=600, status=False, outbox=200)
    for t in range(0, 1300, 10):  # an event every 10 s
        clk.now = t * 1000
        fc.up = t != 600
        w.on_next(('s', t, t))
    assert [t for k, t in fc.log if k == 'connect'] == [600000, 610000, 1210000]
    assert [t for k, t in fc.log if k == 'disconnect'] == [610000, 1210000]
    assert (w.errors, w.queued, w.published, w.dropped, w.reconnects) == (1, 8, 122, 0, 1)


def test_duty_cycle_is_not_late_by_a_reading_for_a_few_ms_of_jitter():
    # a reading every 60 s on the scheduler's grid reaches the writer a few
    # ms after its wake-up: 3 ms at the first, 2 ms at the others. every=300
    # connects at the fifth reading after the cycle began (299.999 s after
    # it), not at the sixth: the cycle is every s less 1 s
    w, fc, clk = make(every=300, status=False)
    for k in range(12):
        clk.now = k * 60000 + (3 if k == 0 else 2)
        w.on_next(('t', k * 60, k))
    assert [t for k, t in fc.log if k == 'connect'] == [300002, 600002]
    assert (w.published, w.queued) == (11, 1)


def test_a_short_every_keeps_its_cycle():
    # every=1 with a reading every 250 ms: a connection per second (its
    # tolerance is 1/64 s, 15.6 ms), not one per reading
    w, fc, clk = make(every=1, status=False)
    for k in range(9):
        clk.now = k * 250 + (3 if k == 0 else 2)
        w.on_next(('t', k, k))
    assert [t for k, t in fc.log if k == 'connect'] == [1002, 2002]
    assert (w.published, w.queued) == (9, 0)


class FlashFile:
    """A file on a nearly full flash: writes what fits (room[0] bytes in
    all), then raises OSError(28); buffered: the bytes go out at close."""

    def __init__(self, f, room, buffered):
        self.f = f
        self.room = room
        self.buffered = buffered
        self.buf = b''

    def write(self, b):
        if self.buffered:
            self.buf += bytes(b)
            return len(b)
        return self._put(bytes(b))

    def _put(self, b):
        n = min(len(b), self.room[0])
        self.f.write(b[:n])
        self.room[0] -= n
        if n < len(b):
            raise OSError(28)  # ENOSPC
        return n

    def close(self):
        try:
            if self.buf:
                self._put(self.buf)
        finally:
            self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def use_flash(room, buffered=False):
    """Make open() give a FlashFile for the spool's files opened to write
    (room: [bytes left]). Returns the function that undoes it."""
    import builtins
    real = builtins.open

    def fopen(p, m='r'):
        f = real(p, m)
        return FlashFile(f, room, buffered) if p.startswith(SPOOL) and m in ('ab', 'wb') else f
    builtins.open = fopen

    def restore():
        builtins.open = real
    return restore


def test_spool_is_rewritten_whole_after_a_failed_write():
    room = [1 << 20]
    for buffered in (False, True):
        cleanup()
        restore = use_flash(room, buffered)
        try:
            w, fc, clk = make(spool=SPOOL)
            fc.up = False
            w.on_next(('s', 1, 1))
            w.on_next(('s', 2, 2))
            room[0] = 12  # the flash is full during this wake-up: part of a line
            w.on_next(('s', 3, 3))
            assert w.errors == 2 and w.last_error.args[0] == 28, (buffered, w.errors, w.last_error)
            room[0] = 1 << 20  # room again (e.g. the log rotated)
            w.on_next(('s', 4, 4))
        finally:
            restore()
        want = b''.join(b'home/s\x00["s", %d, %d]\n' % (i, i) for i in (1, 2, 3, 4))
        with open(SPOOL, 'rb') as f:
            assert f.read() == want, buffered
        w2, fc2, clk2 = make(spool=SPOOL)  # a reset: the spool is replayed
        assert [m for t, m in w2.outbox] == [b'["s", %d, %d]' % (i, i) for i in (1, 2, 3, 4)]
        assert w2.dropped == 0
        # after a failure with the outbox emptied at the same time, the file goes
        restore = use_flash(room, buffered)
        try:
            room[0] = 5
            fc2.up = False
            w2.on_next(('s', 5, 5))
            assert w2.errors == 2, w2.errors
            room[0] = 1 << 20
            fc2.up = True
            clk2.advance(1000)
            w2._observe()
        finally:
            restore()
        assert w2.queued == 0 and w2.published == 5 and w2.errors == 2
        try:
            open(SPOOL)
            assert False, 'the spool should be gone once the outbox is empty'
        except OSError:
            pass
    cleanup()


def test_a_start_with_the_flash_full_replays_the_spool_and_rewrites_it_later():
    cleanup()
    with open(SPOOL, 'wb') as f:
        f.write(b'home/s\x00["s", 1, 1]\nhome/s\x00["s", 2, 2]\n\x001\nhome/s\x00["s", 3, 3]\n')
    room = [0]  # the flash is full: not a byte can be written
    restore = use_flash(room)
    try:
        w, fc, clk = make(spool=SPOOL)  # a start: it does not raise
        assert [m for t, m in w.outbox] == [b'["s", 2, 2]', b'["s", 3, 3]']
        assert w.errors == 1 and w.last_error.args[0] == 28 and w.dropped == 0
        room[0] = 1 << 20  # room again
        fc.up = False
        w.on_next(('s', 4, 4))  # the next sync writes the file whole
    finally:
        restore()
    assert w.errors == 2  # the broker is down: one more error, the network's
    with open(SPOOL, 'rb') as f:
        assert f.read() == b''.join(b'home/s\x00["s", %d, %d]\n' % (i, i) for i in (2, 3, 4))
    cleanup()


def test_duty_cycle_sends_at_once_what_a_full_flash_cannot_spool():
    # A deep-sleep app: each wake-up a new writer (RAM is lost), the outbox
    # kept only in the spool. The flash is full: the event cannot be spooled,
    # so it is sent now, not lost at the deep sleep (it was: the cycle was
    # not due, the write failed, and the reset took the RAM outbox with it)
    for kw in ({'every': 300}, {'batch': 5}):
        cleanup()
        room = [1 << 20]
        restore = use_flash(room)
        try:
            clk = VirtualClock()
            w, fc, clk = make(clk, spool=SPOOL, status=False, **kw)
            w.on_next(('s', 1, 1))  # the cycle begins: spooled
            assert (w.queued, w.connects, w.errors) == (1, 0, 0), kw
            clk.now = 60000
            w, fc, clk = make(clk, spool=SPOOL, status=False, **kw)  # a wake-up
            room[0] = 0  # the flash is full
            w.on_next(('s', 2, 2))  # not due, cannot be spooled: sent at once
            assert data(fc) == ['["s", 1, 1]', '["s", 2, 2]'], (kw, data(fc))
            assert (w.queued, w.published, w.connects, w.errors, w.dropped) == (0, 2, 1, 1, 0), kw
            assert w.last_error.args[0] == 28 and w.state == 0  # disconnected again
            room[0] = 1 << 20  # room again: the duty cycle as before
            clk.now = 120000
            w.on_next(('s', 3, 3))
            assert (w.queued, w.connects, w.errors) == (1, 1, 1), kw
            clk.now = 180000
            w, fc, clk = make(clk, spool=SPOOL, status=False, **kw)  # a wake-up
            assert w.queued == 1
            room[0] = 0
            fc.up = False  # and the broker is away: what can be done is done, and counted
            w.on_next(('s', 4, 4))
            assert (w.queued, w.connects, w.errors) == (2, 0, 3), (kw, w.errors)
        finally:
            restore()
    cleanup()


def test_spool_count_line_cut_short_loses_nothing_and_drops_nothing():
    cleanup()
    with open(SPOOL, 'wb') as f:
        f.write(b'home/a\x00[1]\nhome/a\x00[2]\nhome/b\x00[3]\n\x001')  # reset while counting 1 gone
    w, fc, clk = make(spool=SPOOL)
    assert (w.queued, w.dropped) == (3, 0)
    assert [m for t, m in w.outbox] == [b'[1]', b'[2]', b'[3]']  # [1] again: a duplicate at most
    cleanup()
    with open(SPOOL, 'wb') as f:
        f.write(b'home/a\x00[1]\n\x00\nhome/b\x00[3]\n\x00x1\nhome/b\x00[4')  # damaged count lines
    w, fc, clk = make(spool=SPOOL)
    assert (w.queued, w.dropped) == (2, 1)  # only the cut record
    cleanup()


def test_week_long_silences_on_ticks_that_wrap_at_2_30_ms():
    # A board's ticks_ms wraps at 2**30 ms (12.4 days): a ticks_diff over
    # more than 6.2 days reads < 0. After a week without a wake-up the
    # duty cycle is due, the back-off is over, and the connection is renewed.
    week = 7 * 86400000
    w, fc, clk = make(every=60, status=False)
    w.on_next(('s', 0, 0))
    clk.now = 60000
    w.on_next(('s', 1, 1))  # the first cycle
    clk.now += week
    w.on_next(('s', 2, 2))
    assert [t for k, t in fc.log if k == 'connect'] == [60000, 60000 + week] and w.queued == 0
    w, fc, clk = make(status=False)
    fc.up = False
    w.on_next(('s', 0, 0))  # a failure: back-off 1 s
    fc.up = True
    clk.now = week
    w.on_next(('s', 1, 1))
    assert [t for k, t in fc.log if k == 'connect'] == [0, week] and (w.queued, w.published) == (0, 2)
    w, fc, clk = make(keepalive=60, status=False)
    w.on_next(('s', 0, 0))
    clk.now = week  # the broker gave up on the connection long ago
    w.on_next(('s', 1, 1))
    assert [t for k, t in fc.log if k == 'connect'] == [0, week] and w.reconnects == 1


def test_a_topic_whose_status_topic_is_past_65535_bytes_is_refused_at_construction():
    # the status topic (the root + '/status') of a topic near MQTT's limit
    # was not checked: the first event raised ValueError out of on_next
    # (from set_last_will); now the writer is refused when made, or made
    # without the status topic when status=False
    t = 'x' * 65530
    e = raises(ValueError, MQTTWriter, 'd', '127.0.0.1', 1883, t)
    assert msg(e).startswith("topic 'xxxx") and msg(e).endswith('at most 65535 bytes'), msg(e)[-80:]
    clk = VirtualClock()
    w, fc, clk = make(clk, topic=t, status=False)
    w.on_next(('s', 1, 2))
    assert (w.published, fc.will) == (1, None)
    w, fc, clk = make(clk, topic='x' * 65528)  # 'xxx.../status': 65535 bytes
    w.on_next(('s', 1, 2))
    assert w.published == 1 and len(fc.will[0]) == 65535


def test_a_sensor_id_that_takes_the_topic_past_65535_bytes_is_refused():
    # MQTT's 2-byte topic length: 'home/' + a sensor id of 65531 bytes cannot
    # be sent (publish_packet raises ValueError at every try); such an event
    # would stay at the head of the outbox for good, the others behind it
    rec = LogRec()
    restore = use_logger(rec)
    try:
        w, fc, clk = make(maxsize=200000)  # (CPython writes \u00e9: 6 bytes each)
        for sid in ('x' * 65530, 'x' * 65531, '\xe9' * 32765, '\xe9' * 32766):  # \xe9: 2 bytes of UTF-8
            w.on_next((sid, 1, 2))
            w.on_next(('ok', 3, 4))
    finally:
        restore()
    assert (w.refused, w.errors, w.queued, w.published) == (2, 0, 0, 6), (w.refused, w.errors, w.queued)
    assert [len(t.encode()) for t, m in fc.got if t != 'home/status'] == [65535, 7, 7, 65535, 7, 7]
    assert len(rec.lines) == 2 and rec.lines[0].endswith(
        'refused: its sensor_id puts + # or a control character or noncharacter into the topic, '
        'or leaves it empty or longer than 65535 bytes'), rec.lines
