"""What reaches "a larger system": the messages MQTTWriter publishes,
captured from a real Mosquitto with paho, decoded the way ThingFlow-Python
decodes them, and `thingflow-mpy listen` as a user meets it (interop review).

ThingFlow-Python's side, re-implemented here in its few lines (repository
mpi-sws-rse/thingflow-python):
- thingflow/adapters/mqtt.py: MQTTReader's on_message passes each message on
  as MQTTEvent(timestamp, state, mid, topic, payload, qos, dup, retain), the
  payload as paho gives it (bytes);
- its examples and tests (examples/rpi/dist_lux_server.py, tests/test_mqtt.py)
  decode with `.select(lambda m: m.payload.decode('utf-8'))
  .from_json(constructor=SensorEvent)`;
- thingflow/filters/json.py from_json: obj = json.loads(x); if constructor:
  obj = constructor(*obj);
- thingflow/base.py: SensorEvent = namedtuple('SensorEvent', ['sensor_id',
  'ts', 'val']); FunctionFilter.on_next catches any exception of its
  function, logs it, calls on_error(e) (the stream downstream ends) and
  disconnect_from_upstream(): no later message reaches the chain.
"""
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import namedtuple

import pytest

from thingflow_mpy import mpy

SensorEvent = namedtuple('SensorEvent', ['sensor_id', 'ts', 'val'])  # thingflow/base.py
MQTTEvent = namedtuple('MQTTEvent', ['timestamp', 'state', 'mid', 'topic', 'payload', 'qos', 'dup', 'retain'])


class TfpChain:
    """mqtt_reader.select(lambda m: m.payload.decode('utf-8')).from_json(constructor)
    with FunctionFilter's error handling: the first exception ends the chain."""

    def __init__(self, constructor=SensorEvent):
        self.constructor = constructor
        self.events = []
        self.error = None

    def on_next(self, m):
        if self.error is not None:  # disconnect_from_upstream(): nothing more arrives
            return
        try:
            obj = json.loads(m.payload.decode('utf-8'))
            if self.constructor:
                obj = self.constructor(*obj)
        except Exception as e:
            self.error = e  # on_error(e) downstream: the stream has ended
            return
        self.events.append(obj)

    def feed(self, msgs):
        for i, (topic, payload) in enumerate(msgs):
            self.on_next(MQTTEvent(0, 0, i, topic, payload, 1, False, False))
        return self


APP = r'''
import sys, time
from mqtt_writer import MQTTWriter
w = MQTTWriter('interop', '127.0.0.1', int(sys.argv[1]), 'home/k/{sensor_id}')
for e in [('temp', 1700000000.25, 21.5), ('temp', 1700000001, -9.745), ('acc', 1700000002.5, (0.1, -0.2, 9.81)),
          ('door', 1700000003, 'open'), ('h\u00e9', 1700000004, 1e-7), ('f', 1700000005, 0.1 + 0.2),
          ('big', 1700000006, 12345678901234567890), ('clock', time.time(), None), (7, 1700000007, 3),
          [('temp', 1700000010, 20.75), ('temp', 1700000011, 21.0), ('temp', 1700000012, 21.25)],
          [('temp', 1700000020, 22.0), ('temp', 1700000021, 22.5)]]:
    w.on_next(e)
w.on_completed()
print('published', w.published, 'refused', w.refused, 'errors', w.errors)
'''

SENT = [('temp', 1700000000.25, 21.5), ('temp', 1700000001, -9.745), ('acc', 1700000002.5, [0.1, -0.2, 9.81]),
        ('door', 1700000003, 'open'), ('h\u00e9', 1700000004, 1e-7), ('f', 1700000005, 0.1 + 0.2),
        ('big', 1700000006, 12345678901234567890)]


def run_device(runtime, mpy_lib, script, *args):
    args = [str(script)] + [str(a) for a in args]
    if runtime == 'cpython':
        env = dict(os.environ, PYTHONPATH=str(mpy.LIB))
        return subprocess.run([sys.executable] + args, env=env, capture_output=True, text=True, timeout=60)
    return mpy.run_micropython(args, [mpy_lib], timeout=60)


@pytest.fixture(params=['cpython', 'micropython'])
def published(request, tmp_path, mpy_lib, broker, subscriber):
    """(topic, payload) of everything the writer published, in order, as a
    subscriber to home/k/# saw it, on each runtime."""
    app = tmp_path / 'app.py'
    app.write_text(APP, encoding='utf-8')
    sub = subscriber(broker, 'home/k/#')
    res = run_device(request.param, mpy_lib, app, broker.port)
    assert res.returncode == 0 and res.stdout == 'published 11 refused 0 errors 0\n', res.stdout + res.stderr
    msgs = sub.wait(lambda m: len(m) >= 13)
    assert len(msgs) == 13, msgs
    return request.param, msgs


def test_what_the_writer_publishes(published):
    runtime, msgs = published
    assert [t for t, p in msgs] == ['home/k/status'] + ['home/k/temp'] * 2 + [
        'home/k/acc', 'home/k/door', 'home/k/h\u00e9', 'home/k/f', 'home/k/big', 'home/k/clock', 'home/k/7',
        'home/k/temp', 'home/k/temp', 'home/k/status']
    assert (msgs[0][1], msgs[-1][1]) == (b'online', b'offline')
    # the JSON as each runtime writes it (README, maxsize): CPython escapes
    # non-ASCII, MicroPython writes UTF-8 and may give a float 17 digits
    assert msgs[5][1] == (b'["h\\u00e9", 1700000004, 1e-07]' if runtime == 'cpython'
                          else b'["h\xc3\xa9", 1700000004, 1e-07]')
    assert msgs[2][1] == (b'["temp", 1700000001, -9.745]' if runtime == 'cpython'
                          else b'["temp", 1700000001, -9.744999999999999]')
    assert msgs[9][1] == b'[7, 1700000007, 3]'
    assert msgs[10][1] == b'[["temp", 1700000010, 20.75], ["temp", 1700000011, 21.0], ["temp", 1700000012, 21.25]]'


def test_thingflow_python_decodes_each_single_event_exactly(published):
    # a reader subscribed to each sensor's topic (no status messages): every
    # single event becomes the SensorEvent that was sent, to the last bit of
    # its floats, on both runtimes
    runtime, msgs = published
    singles = [m for m in msgs[1:10]]
    chain = TfpChain().feed(singles)
    assert chain.error is None
    assert chain.events[:7] == [SensorEvent(*e) for e in SENT]
    assert [type(e.ts) for e in chain.events[:7]] == [float, int, float, int, int, int, int]
    assert chain.events[1].val == -9.745 and chain.events[5].val == 0.30000000000000004
    assert chain.events[2].val == [0.1, -0.2, 9.81]  # a tuple value comes back as a list
    clock = chain.events[7]  # the runtime's own time.time(), as SensorAsOutputThing stamps events
    assert clock.sensor_id == 'clock' and clock.val is None and abs(clock.ts - time.time()) < 60
    assert chain.events[8] == SensorEvent(7, 1700000007, 3)  # an int sensor id, as ThingFlow-Python's tests use


def test_thingflow_python_and_batches(published):
    # README: a batch of 3 becomes one wrong SensorEvent; any other count an
    # error that ends that stream; from_json() alone decodes batches
    runtime, msgs = published
    batch3, batch2 = msgs[10], msgs[11]
    chain = TfpChain().feed([batch3, batch2, msgs[1]])
    assert chain.events == [SensorEvent(['temp', 1700000010, 20.75], ['temp', 1700000011, 21.0],
                                        ['temp', 1700000012, 21.25])]
    assert isinstance(chain.error, TypeError)  # SensorEvent(*[e1, e2]): missing 'val'; the temp after it is lost
    plain = TfpChain(constructor=None).feed([batch3, batch2])
    assert plain.error is None and plain.events[1] == [['temp', 1700000020, 22.0], ['temp', 1700000021, 22.5]]


def test_thingflow_python_on_the_root_wildcard_is_ended_by_the_status_message(published):
    # a reader on home/k/# (or home/k/+: every sensor of the board) gets the
    # writer's 'online' first (retained: also when it subscribes later):
    # json.loads fails, FunctionFilter ends the stream, and no event at all
    # reaches the larger system (README: proposed note in the review report)
    runtime, msgs = published
    chain = TfpChain().feed(msgs)
    assert chain.events == []
    assert isinstance(chain.error, json.JSONDecodeError)
    # what a ThingFlow-Python user must add: drop the status topic first
    # (.where(lambda m: not m.topic.endswith('/status'))), or use status=False
    kept = TfpChain().feed([m for m in msgs if not m[0].endswith('/status')][:9])
    assert kept.error is None and len(kept.events) == 9


def test_listen_decodes_what_the_writer_publishes(published):
    from thingflow_mpy.listen import events, fmt_event
    runtime, msgs = published
    got = [events(p) for t, p in msgs]
    assert got[0] == got[-1] == []  # online, offline: other messages
    assert [e for (e,) in got[1:8]] == SENT
    assert got[9] == [(7, 1700000007, 3)]  # an int sensor id: an event, as for ThingFlow-Python
    assert fmt_event(got[9][0]) == '7, 1700000007, 3'
    assert got[10] == [('temp', 1700000010, 20.75), ('temp', 1700000011, 21.0), ('temp', 1700000012, 21.25)]
    assert got[11] == [('temp', 1700000020, 22.0), ('temp', 1700000021, 22.5)]
    assert [fmt_event(e) for (e,) in got[1:8]] == [
        'temp, 1700000000.25, 21.5', 'temp, 1700000001, -9.745', 'acc, 1700000002.5, [0.1, -0.2, 9.81]',
        'door, 1700000003, open', 'h\u00e9, 1700000004, 1e-07', 'f, 1700000005, 0.30000000000000004',
        'big, 1700000006, 12345678901234567890']


# ---- listen as a user ----

def start_listen(broker, *args, port=None):
    p = subprocess.Popen([sys.executable, '-m', 'thingflow_mpy.cli', 'listen', '--broker',
                          'mqtt://127.0.0.1:%d' % (port or broker.port)] + [str(a) for a in args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 15
    while 'thingflow-mpy-listen' not in broker.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # (connected: the SUBACK follows at once)
    return p


def publish(broker, msgs, retain=False):
    import paho.mqtt.client as mqtt
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    c.connect(broker.host, broker.port)
    c.loop_start()
    for t, p in msgs:
        c.publish(t, p, qos=1, retain=retain).wait_for_publish(5)
    c.disconnect()
    c.loop_stop()


def test_listen_shows_the_retained_status_of_a_board_that_has_ended(published, broker):
    # after the writer's clean end, 'offline' stays retained on home/k/status:
    # a listener started later shows it (stderr) and counts it
    p = start_listen(broker, '--topic', 'home/k/#', '--for', 2)
    out, err = p.communicate(timeout=30)
    assert (p.returncode, out) == (0, '')
    assert err.splitlines() == ['# home/k/status: offline', 'listen: 0 events, 1 other message']


@pytest.mark.parametrize('topic,shown', [
    ('a/\x01', "'a/\\x01': U+0001"),
    ('a/\x7f', "'a/\\x7f': U+007F"),
    ('a/\u0085', "'a/\\x85': U+0085"),
    ('a/\ufdd0/#', "'a/\\ufdd0/#': U+FDD0"),
    (b'a/\xff', "'a/\\udcff': U+DCFF"),  # command-line bytes that are not UTF-8
])
def test_listen_refuses_a_topic_filter_the_broker_would_drop(broker, topic, shown):
    # it was taken: Mosquitto dropped each SUBSCRIBE as a malformed packet,
    # paho reconnected and tried again, and after 10 s: "cannot subscribe
    # ...: no answer", exit status 1 (for bytes that are not UTF-8, also a
    # traceback from paho's thread)
    t0 = time.monotonic()
    res = subprocess.run([sys.executable, '-m', 'thingflow_mpy.cli', 'listen', '--broker',
                          'mqtt://127.0.0.1:%d' % broker.port, '--topic', topic, '--for', '1'],
                         capture_output=True, timeout=60)
    err = res.stderr.decode('utf-8', 'backslashreplace')
    assert (res.returncode, res.stdout) == (2, b''), err
    assert err == ('thingflow-mpy listen: bad topic filter %s (no control character (U+0000-U+001F, '
                   'U+007F-U+009F), surrogate or noncharacter)\n' % shown)
    assert time.monotonic() - t0 < 5
    assert 'thingflow-mpy-listen' not in broker.log()  # it never connected


def test_run_refuses_the_same_topic_filters(capsys):
    from thingflow_mpy.cli import main
    assert main(['run', 'app.py', '--topic', 'x/\x1b']) == 2
    assert capsys.readouterr().err == (
        "thingflow-mpy run: bad topic filter 'x/\\x1b': U+001B (no control character (U+0000-U+001F, "
        'U+007F-U+009F), surrogate or noncharacter)\n')


def test_topic_filters_that_are_fine():
    from thingflow_mpy.listen import UsageError, check_topic
    for t in ('#', '+', 'home/+/temp', 'home/#', '\u00e9/\U0001F600', 'a\u00a0b', '/', 'a' * 65535):
        assert check_topic(t) == t
    with pytest.raises(UsageError, match=r"^bad topic filter 'aaaa[a]*'\.\.\.: 65536 bytes \(at most 65535\)$"):
        check_topic('a' * 65536)


def test_listen_takes_the_connection_up_again_soon_after_a_broker_restart(broker):
    # paho's default back-off (1, 2, 4, 8 s ... up to 120 s): a broker back
    # after 8 s was heard again only 7 s later, and nothing said that the
    # events published meanwhile were lost
    p = start_listen(broker, '--topic', 'home/#', '--for', 40)
    publish(broker, [('home/t', '["t", 0, 0]')])
    broker.stop()
    time.sleep(8)
    broker.start()
    back = time.monotonic()
    late = []
    i = 1
    while time.monotonic() - back < 5:
        d = round(time.monotonic() - back, 2)
        publish(broker, [('home/t', json.dumps(['t', i, d]))])
        if d >= 1.5:
            late.append('t, %d, %s' % (i, d))
        i += 1
        time.sleep(0.25)
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    lines = out.splitlines()
    assert p.returncode == 0, err
    assert lines[0] == 't, 0, 0'
    assert late and [x for x in late if x not in lines] == [], (late, lines)  # heard again within 1.5 s
    where = 'mqtt://127.0.0.1:%d' % broker.port
    errs = err.splitlines()
    assert errs[0].startswith('listen: connection to %s lost (' % where) and errs[0].endswith('): reconnecting'), err
    assert errs[1:] == ['listen: connected again to %s (messages published meanwhile are lost)' % where,
                        'listen: %d events, 0 other messages, connection lost 1 time' % len(lines)], err


def test_listen_ends_at_ctrl_c_with_its_counts_and_its_csv_complete(broker, tmp_path):
    f = tmp_path / 'e.csv'
    p = start_listen(broker, '--topic', 'home/#', '--csv', f)
    publish(broker, [('home/t', '["t", 1, 20.5]'), ('home/status', 'online')])
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    assert (p.returncode, out) == (0, '')
    assert err.splitlines() == ['# home/status: online', 'listen: 1 event, 1 other message written to %s' % f]
    assert list(csv.reader(f.open(newline=''))) == [['sensor_id', 'time', 'value'], ['t', '1', '20.5']]


def test_listen_ends_at_ctrl_c_while_the_broker_is_away(broker):
    p = start_listen(broker, '--topic', 'home/#')
    broker.stop()
    time.sleep(1.5)  # reconnecting
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    assert time.monotonic() - t0 < 3
    assert (p.returncode, out) == (0, '')
    assert err.splitlines()[-1] == 'listen: 0 events, 0 other messages, connection lost 1 time'
    assert 'Traceback' not in err


def test_listen_with_csv_says_the_connection_was_lost_after_the_file(broker, tmp_path):
    # the summary read 'listen: 0 events, 0 other messages, connection lost
    # 1 time written to FILE': as if the losses had been written to the file
    f = tmp_path / 'e.csv'
    p = start_listen(broker, '--topic', 'home/#', '--csv', f)
    broker.stop()
    time.sleep(1.5)  # reconnecting
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    assert (p.returncode, out) == (0, '')
    assert err.splitlines()[-1] == 'listen: 0 events, 0 other messages written to %s, connection lost 1 time' % f


# ---- a QoS 1 redelivery: the same event twice ----

class PubackEater:
    """A TCP proxy to a broker that swallows the first PUBACK the broker
    sends and closes that connection: the writer never learns that its
    message arrived and sends it again after reconnecting."""

    def __init__(self, port):
        self.up = port
        self.srv = socket.socket()
        self.srv.bind(('127.0.0.1', 0))
        self.srv.listen(4)
        self.port = self.srv.getsockname()[1]
        self.eaten = 0
        self.socks = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            u = socket.create_connection(('127.0.0.1', self.up))
            self.socks += [c, u]
            threading.Thread(target=self._pump, args=(c, u), daemon=True).start()
            threading.Thread(target=self._down, args=(u, c), daemon=True).start()

    def _pump(self, a, b):
        try:
            while True:
                d = a.recv(4096)
                if not d:
                    break
                b.sendall(d)
        except OSError:
            pass
        for s in (a, b):
            s.close()

    def _down(self, u, c):
        buf = b''
        try:
            while True:
                d = u.recv(4096)
                if not d:
                    break
                buf += d
                while len(buf) >= 2:  # whole packets: fixed header, remaining length, body
                    n, m, i = 0, 1, 1
                    while i < len(buf) and buf[i] & 128:
                        n += (buf[i] & 127) * m
                        m *= 128
                        i += 1
                    if i >= len(buf):
                        break
                    n += (buf[i] & 127) * m
                    end = i + 1 + n
                    if len(buf) < end:
                        break
                    pkt, buf = buf[:end], buf[end:]
                    if pkt[0] >> 4 == 4 and not self.eaten:  # the first PUBACK
                        self.eaten += 1
                        raise OSError('eaten')
                    c.sendall(pkt)
        except OSError:
            pass
        for s in (u, c):
            s.close()

    def close(self):
        self.srv.close()
        for s in self.socks:
            s.close()


DUP_APP = r'''
import sys
from mqtt_writer import MQTTWriter
w = MQTTWriter('dup', '127.0.0.1', int(sys.argv[1]), 'home/d/{sensor_id}', timeout=2, maxwait=1, status=False)
w.on_next(('t', 1700000000, 21.5))
w.on_next(('t', 1700000001, 21.75))
w.on_completed()
print('published', w.published, 'errors', w.errors, 'reconnects', w.reconnects)
'''


@pytest.mark.parametrize('runtime', ['cpython', 'micropython'])
def test_a_redelivered_event_arrives_twice_and_listen_shows_it_twice(runtime, tmp_path, mpy_lib, broker, subscriber):
    # at least once (README, published): after a lost PUBACK the writer sends
    # the message again; the broker passes both on, and the subscriber sees
    # no DUP flag on either (MQTT 3.1.1 3.3.1.1: the DUP flag of an incoming
    # PUBLISH is not propagated), so neither listen nor ThingFlow-Python can
    # tell the copy from a new reading: both show it twice
    app = tmp_path / 'dup.py'
    app.write_text(DUP_APP)
    dups = []
    sub = subscriber(broker, 'home/d/#')
    sub.client.on_message = lambda c, u, m: (dups.append(m.dup), sub._on_message(c, u, m))
    p = start_listen(broker, '--topic', 'home/d/#', '--for', 30, '--count', 3)
    proxy = PubackEater(broker.port)
    try:
        res = run_device(runtime, mpy_lib, app, proxy.port)
    finally:
        proxy.close()
    assert res.returncode == 0 and res.stdout == 'published 2 errors 1 reconnects 1\n', res.stdout + res.stderr
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert out.splitlines() == ['t, 1700000000, 21.5', 't, 1700000000, 21.5', 't, 1700000001, 21.75']
    assert err.splitlines() == ['listen: 3 events, 0 other messages']
    msgs = sub.wait(lambda m: len(m) >= 3)
    assert [p for t, p in msgs] == [b'["t", 1700000000, 21.5]'] * 2 + [b'["t", 1700000001, 21.75]']
    assert dups == [False, False, False]
    assert TfpChain().feed(msgs).events == [SensorEvent('t', 1700000000, 21.5)] * 2 + [
        SensorEvent('t', 1700000001, 21.75)]
