"""MQTTWriter against a real Mosquitto on 127.0.0.1, run on CPython and on the
MicroPython Unix port (lib/ compiled to .mpy): delivery, broker restarts,
the spool across a killed process, silent brokers, passwords, TLS, outbox
overflow and the radio duty cycle."""
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from thingflow_mpy import mpy

ROOT = Path(__file__).resolve().parent.parent.parent
APP = ROOT / 'tests' / 'mqtt_apps' / 'writer_app.py'
RUNTIMES = ['cpython', 'micropython']



def command(runtime, mpy_lib, args):
    env = dict(os.environ)
    if runtime == 'cpython':
        env['PYTHONPATH'] = os.pathsep.join([str(mpy.LIB), str(mpy.SIM)])
        cmd = [sys.executable, str(APP)]
    else:
        env['MICROPYPATH'] = mpy.micropython_path(mpy_lib, mpy.SIM)
        cmd = [mpy.micropython_binary(), str(APP)]
    return cmd + ['%s=%s' % kv for kv in args.items()], env


def run_app(runtime, mpy_lib, wait=60, **args):
    cmd, env = command(runtime, mpy_lib, args)
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=wait)
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout, values(res.stdout)


def start_app(runtime, mpy_lib, **args):
    cmd, env = command(runtime, mpy_lib, args)
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_script(runtime, mpy_lib, script, *args):
    """Run a device script (a file) with the library on its path, on either
    runtime; returns the CompletedProcess."""
    args = [str(script)] + [str(a) for a in args]
    if runtime == 'cpython':
        env = dict(os.environ, PYTHONPATH=str(mpy.LIB))
        return subprocess.run([sys.executable] + args, env=env, capture_output=True, text=True, timeout=60)
    return mpy.run_micropython(args, [mpy_lib], timeout=60)


def values(out):
    d = {}
    for ln in out.splitlines():
        k, _, v = ln.partition(' ')
        d[k] = int(v) if v.lstrip('-').isdigit() else v
    return d


def seqs(sub):
    return [json.loads(p)[2] for t, p in sub.messages('t/seq')]


def check_all_in_order(got, n):
    """Every value 0..n-1 arrived, first arrivals in order; returns the
    number of duplicates."""
    first = []
    seen = set()
    for v in got:
        if v not in seen:
            seen.add(v)
            first.append(v)
    assert first == list(range(n)), 'missing or out of order: %s' % sorted(set(range(n)) - seen)[:20]
    return len(got) - n


@pytest.mark.parametrize('runtime', RUNTIMES)
@pytest.mark.parametrize('qos', [0, 1])
def test_events_arrive_as_json_lists(runtime, qos, mpy_lib, broker, subscriber):
    sub = subscriber(broker, 't/#')
    out, v = run_app(runtime, mpy_lib, port=broker.port, n=50, interval=0.01, qos=qos)
    got = sub.wait(lambda m: len(m) >= 50, topic='t/seq')
    assert [json.loads(p)[2] for t, p in got] == list(range(50))
    assert all(json.loads(p)[0] == 'seq' and isinstance(json.loads(p)[1], (int, float)) for t, p in got)
    assert (v['published'], v['queued'], v['dropped'], v['errors'], v['connects']) == (50, 0, 0, 0, 1), out
    status = sub.wait(lambda m: len(m) >= 2, topic='t/status')
    assert status[:2] == [('t/status', b'online'), ('t/status', b'offline')]


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_lists_of_events_go_to_the_first_events_sensor_topic(runtime, mpy_lib, broker, subscriber):
    # buffer_with_count(4) -> MQTTWriter('t/{sensor_id}'): each list is one
    # message on t/seq (the first event's sensor_id), the rest at completion
    sub = subscriber(broker, 't/#')
    out, v = run_app(runtime, mpy_lib, port=broker.port, n=10, interval=0.01, buffer=4)
    got = sub.wait(lambda m: len(m) >= 3, topic='t/seq')
    assert [[e[2] for e in json.loads(p)] for t, p in got] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert all(e[0] == 'seq' for t, p in got for e in json.loads(p))
    assert (v['published'], v['refused'], v['queued']) == (3, 0, 0), out
    assert [t for t, p in sub.messages() if t != 't/status'] == ['t/seq'] * 3


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_broker_stopped_and_restarted_twice_loses_nothing(runtime, mpy_lib, make_broker, subscriber):
    b = make_broker(persist=True)
    sub = subscriber(b, 't/seq', session=True)
    n = 1000  # 10 s of events: the broker is away twice for 2.5 s within the first 7 s
    p = start_app(runtime, mpy_lib, port=b.port, n=n, interval=0.01, outbox=1000, maxwait=1, timeout=2)
    try:
        for _ in range(2):
            time.sleep(1.0)
            b.stop()
            time.sleep(2.5)  # the sensor keeps producing meanwhile
            b.start()
        out, err = p.communicate(timeout=60)
    finally:
        p.kill()
    assert p.returncode == 0, out + err
    v = values(out)
    got = sub.wait(lambda m: len(set(m)) >= n and len(m) >= v['published'], timeout=20, topic='t/seq')
    got = [json.loads(x)[2] for t, x in got]
    dups = check_all_in_order(got, n)
    print('\n%s: %d events, %d arrived, %d duplicates, reconnects %d, errors %d'
          % (runtime, n, len(got), dups, v['reconnects'], v['errors']))
    assert v['reconnects'] >= 2 and v['dropped'] == 0 and v['queued'] == 0, out
    assert v['published'] >= n


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_spool_keeps_events_across_a_killed_process(runtime, mpy_lib, tmp_path, make_broker, subscriber):
    b = make_broker()
    port = b.port
    b.stop()  # unreachable while the first process runs
    spool = tmp_path / 'spool.txt'
    p = start_app(runtime, mpy_lib, port=port, n=30, interval=0.01, spool=spool, hang=1, maxwait=60)
    try:
        line = p.stdout.readline()
        assert line.strip() == 'spooled 30', line + p.stderr.read() if p.poll() is not None else line
    finally:
        p.kill()
        p.wait()
    assert spool.read_bytes().count(b'\n') == 30
    b.start()
    sub = subscriber(b, 't/seq')
    out, v = run_app(runtime, mpy_lib, port=port, n=5, interval=0.01, spool=spool, name='app2')
    got = seqs(sub) if sub.wait(lambda m: len(m) >= 35, topic='t/seq') else []
    assert got == list(range(30)) + list(range(5)), got
    assert v['published'] == 35 and not spool.exists()


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and then answers nothing
    (connack=False) or only the CONNACK (connack=True: PUBACKs never come)."""

    def __init__(self, connack):
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.connack = connack
        self.conns = []
        self.stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        self.sock.settimeout(0.1)
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            self.conns.append(c)
            if self.connack:
                c.settimeout(2)
                try:
                    c.recv(1024)
                    c.sendall(b'\x20\x02\x00\x00')
                except OSError:
                    pass

    def close(self):
        self.stop = True
        self.sock.close()
        for c in self.conns:
            c.close()


@pytest.mark.parametrize('runtime', RUNTIMES)
@pytest.mark.parametrize('connack', [False, True], ids=['no-connack', 'no-puback'])
def test_a_silent_broker_does_not_stall_the_scheduler(runtime, connack, mpy_lib):
    srv = SilentServer(connack)
    try:
        t = time.monotonic()
        out, v = run_app(runtime, mpy_lib, port=srv.port, n=20, interval=0.1, timeout=1, maxwait=1)
        took = time.monotonic() - t
    finally:
        srv.close()
    # no event, and not the completion, held the scheduler beyond the 1 s bound
    # (+0.4 s for a loaded machine; without the bound it would hang for good)
    assert 0 < v['slowest'] <= 1400, out
    assert v['published'] == 0 and v['queued'] == 20 and v['errors'] >= 2, out
    assert took < 20, out


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_password_broker_accepts_the_right_one_and_names_the_cause(runtime, mpy_lib, make_broker, subscriber):
    b = make_broker(users={'dev': 'Right-Pw-1', 'reader': 'r'})
    sub = subscriber(b, 't/#', user='reader', password='r')
    out, v = run_app(runtime, mpy_lib, port=b.port, n=5, user='dev', password='Wrong-Pw-9', check=1, maxwait=60)
    assert "connection refused: not authorised (wrong user name or password, or no access)" in out, out
    assert 'Wrong-Pw-9' not in out and v['published'] == 0 and v['queued'] == 5
    out, v = run_app(runtime, mpy_lib, port=b.port, n=5, user='dev', password='Right-Pw-1', check=1)
    assert out.startswith('connected') and v['published'] == 5, out
    assert [json.loads(p)[2] for t, p in sub.wait(lambda m: len(m) >= 5, topic='t/seq')] == list(range(5))
    assert 'Right-Pw-1' not in out
    out, v = run_app(runtime, mpy_lib, port=b.port, n=2, check=1, maxwait=60)  # anonymous: refused
    assert 'connection refused: not authorised' in out, out


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_tls_on_loopback_with_a_throwaway_ca(runtime, mpy_lib, tmp_path, make_broker, subscriber):
    b = make_broker(users={'dev': 'pw-tls-1'}, tls=True)
    ca = tmp_path / 'ca.der'
    ca.write_bytes(b.ca_der)
    sub = subscriber(b, 't/#', user='dev', password='pw-tls-1')
    out, v = run_app(runtime, mpy_lib, port=b.port, n=10, user='dev', password='pw-tls-1', ca=ca, check=1)
    assert out.startswith('connected') and v['published'] == 10, out
    got = sub.wait(lambda m: len(m) >= 10, topic='t/seq')
    assert [json.loads(p)[2] for t, p in got] == list(range(10))
    # a plain client on the TLS port gets no CONNACK: a clear error, counted
    out, v = run_app(runtime, mpy_lib, port=b.port, n=2, user='dev', password='pw-tls-1', check=1, timeout=1)
    assert out.startswith('error') and 'pw-tls-1' not in out and v['published'] == 0, out


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_outbox_overflow_drops_the_oldest_and_counts(runtime, mpy_lib, tmp_path, make_broker, subscriber):
    b = make_broker()
    port = b.port
    b.stop()
    spool = tmp_path / 'spool.txt'
    out, v = run_app(runtime, mpy_lib, port=port, n=12, interval=0.01, outbox=5, maxwait=60, spool=spool)
    assert (v['published'], v['queued'], v['dropped']) == (0, 5, 7), out
    b.start()
    sub = subscriber(b, 't/seq')
    out, v = run_app(runtime, mpy_lib, port=port, n=0, outbox=5, spool=spool)  # the kept 5 go out
    assert (v['published'], v['queued'], v['dropped']) == (5, 0, 0), out
    sub.wait(lambda m: len(m) >= 5, topic='t/seq')
    assert seqs(sub) == [7, 8, 9, 10, 11]


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_radio_duty_cycle_against_the_broker(runtime, mpy_lib, broker, subscriber):
    sub = subscriber(broker, 't/#')
    out, v = run_app(runtime, mpy_lib, port=broker.port, n=35, interval=0.1, every=1)
    got = sub.wait(lambda m: len(m) >= 35, topic='t/seq')
    assert [json.loads(p)[2] for t, p in got] == list(range(35))
    # events over 3.4 s: connections at about 1, 2, 3 s and one at the end
    assert 3 <= v['connects'] <= 5 and v['reconnects'] == 0 and v['errors'] == 0, out
    st = [p for t, p in sub.messages('t/status')]
    assert st.count(b'online') == v['connects'] and st.count(b'offline') == v['connects'], st


CALLS = r'''
import sys
import time
from mqtt_writer import MQTTWriter
port = int(sys.argv[1])
# connect(quiet=True) at start, the writer's own calls long after it
w = MQTTWriter('d1', '127.0.0.1', port, 'x/{sensor_id}', timeout=1)
print('quiet', w.connect(True), w.errors, w.last_error)
time.sleep(1.3)  # more than timeout
w.publish('x/direct', 'later', False, 1)
w.ping()
w.disconnect()  # DISCONNECT: the broker drops the will
print('direct calls done')
# sensor ids that would make Mosquitto drop the connection are refused
w = MQTTWriter('d2', '127.0.0.1', port, 't/{sensor_id}', timeout=1, maxwait=1)
# (control characters, noncharacters, a surrogate; Hangul is decoded and fine)
for sid in ('a', 'temp\r', 'b\x85', 'c\t', 'n\ufffe', 'n\U0001ffff', 'n\ufdd0', 's\ud800', '\ud55c', 'd'):
    w.on_next((sid, 1, 2))
w2 = MQTTWriter('d3', '127.0.0.1', port, '{sensor_id}', timeout=1, maxwait=1, status=False)
w2.on_next(('', 1, 2))  # an empty topic
w2.on_next(('e', 3, 4))
print('counts', w.published, w.refused, w.errors, w.queued, w2.published, w2.refused, w2.errors, w2.queued)
'''


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_connect_quiet_direct_calls_and_bad_sensor_ids_against_mosquitto(runtime, mpy_lib, tmp_path, broker,
                                                                         subscriber):
    sub = subscriber(broker, '#')
    app = tmp_path / 'calls.py'
    app.write_text(CALLS)
    res = run_script(runtime, mpy_lib, app, broker.port)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.splitlines() == ['quiet True 0 None', 'direct calls done', 'counts 3 7 0 0 1 1 0 0'], \
        res.stdout
    sub.wait(lambda m: len(m) >= 7)
    time.sleep(0.3)
    got = [(t, p) for t, p in sub.messages() if not t.endswith('status')]
    assert got[0] == ('x/direct', b'later'), got
    # (json.dumps escapes the Hangul on CPython, not on MicroPython)
    assert [(t, json.loads(p)) for t, p in got[1:]] == [('t/a', ['a', 1, 2]), ('t/\ud55c', ['\ud55c', 1, 2]),
                                                        ('t/d', ['d', 1, 2]), ('e', ['e', 3, 4])], got
    assert sub.messages('x/status') == [('x/status', b'online')]  # no will: DISCONNECT was sent
    assert 'malformed' not in broker.log().lower()


class TrickleProxy:
    """Forwards 127.0.0.1 connections to port `up`: what the client sends at
    once, what the server sends in `chunk`-byte pieces `delay` s apart (a slow
    link: every piece comes well within a socket timeout)."""

    def __init__(self, up, chunk, delay):
        self.up, self.chunk, self.delay = up, chunk, delay
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.socks = [self.sock]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
                u = socket.create_connection(('127.0.0.1', self.up))
            except OSError:
                return
            self.socks += [c, u]
            threading.Thread(target=self._pump, args=(c, u, 0), daemon=True).start()
            threading.Thread(target=self._pump, args=(u, c, self.delay), daemon=True).start()

    def _pump(self, a, b, delay):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                n = self.chunk if delay else len(d)
                for i in range(0, len(d), n):
                    time.sleep(delay)
                    b.sendall(d[i:i + n])
        except OSError:
            pass

    def close(self):
        for s in self.socks:
            s.close()


SLOW_TLS = r'''
import sys
from mqtt_client import MQTTClient
from thingflow import ticks_ms, ticks_diff
c = MQTTClient('slow', '127.0.0.1', int(sys.argv[1]), ssl=True, timeout=1)
t = ticks_ms()
try:
    c.connect()
    print('connected')
except OSError as e:
    print('error', type(e).__name__)
print('took', ticks_diff(ticks_ms(), t))
'''


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_a_tls_handshake_trickling_in_is_bounded_by_timeout(runtime, mpy_lib, tmp_path, make_broker):
    # the server's handshake in 50-byte pieces 0.3 s apart (some 5 s in all):
    # connect(timeout=1) gives up after 1 s (MicroPython's TLS socket waited
    # the whole timeout for each piece: 7 s here)
    b = make_broker(tls=True)
    app = tmp_path / 'slow_tls.py'
    app.write_text(SLOW_TLS)
    proxy = TrickleProxy(b.port, 50, 0.3)
    try:
        res = run_script(runtime, mpy_lib, app, proxy.port)
    finally:
        proxy.close()
    lines = res.stdout.splitlines()
    assert res.returncode == 0 and lines[0].startswith('error') and lines[1].startswith('took'), \
        res.stdout + res.stderr
    assert 900 <= int(lines[1].split()[1]) <= 1400, res.stdout


class ScriptedBroker:
    """A fake broker on 127.0.0.1 that answers each connection by its own
    script (the edge cases a real broker rarely shows): `got` records, per
    connection, the (first byte, body) of each packet the client sent."""

    def __init__(self, scripts):
        self.scripts = scripts
        self.got = []
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.threads = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        for script in self.scripts:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            got = []
            self.got.append(got)
            t = threading.Thread(target=self._run, args=(script, c, got), daemon=True)
            t.start()
            self.threads.append(t)

    def _run(self, script, c, got):
        c.settimeout(20)  # (a bound: the client's calls all end long before)
        try:
            script(c, lambda: self.read(c, got))
        except (OSError, EOFError):
            pass
        finally:
            c.close()

    @staticmethod
    def read(c, got):
        def recv(n):
            b = b''
            while len(b) < n:
                d = c.recv(n - len(b))
                if not d:
                    raise EOFError
                b += d
            return b
        h = recv(1)[0]
        n = s = 0
        while True:
            b = recv(1)[0]
            n |= (b & 127) << s
            s += 7
            if b < 128:
                break
        got.append((h, recv(n)))
        return h, got[-1][1]

    def close(self):
        self.sock.close()
        for t in self.threads:
            t.join(30)


def _pid(body):
    n = body[0] << 8 | body[1]
    return body[2 + n:4 + n]


def _pieces(c, b):
    for i in range(len(b)):  # one byte per TCP segment (TCP_NODELAY)
        c.sendall(b[i:i + 1])
        time.sleep(0.01)


def _edge_cases(c, read):
    # CONNACK a byte at a time, session present; for each PUBLISH a PUBACK of
    # another packet id and a PINGRESP first, then its PUBACK in two pieces
    read()
    _pieces(c, b'\x20\x02\x01\x00')
    while True:
        h, body = read()
        if h & 0xf0 == 0x30:
            p = _pid(body)
            c.sendall(b'\x40\x02\x12\x34' + b'\xd0\x00' + b'\x40\x02' + p[:1])
            time.sleep(0.01)
            c.sendall(p[1:])
        elif h == 0xc0:
            c.sendall(b'\x40\x02\x00\x07\xd0\x00')
        else:
            return


def _long_packet(c, read):
    # a PUBLISH with a 2-byte remaining length where a PUBACK is awaited
    read()
    c.sendall(b'\x20\x02\x00\x00')
    h, body = read()
    c.sendall(b'\x32\x81\x01\x00\x03t/x\x00\x01' + b'z' * 122 + b'\x40\x02' + _pid(body))
    read()  # (EOF: the client closed)


def _closes_after_connack(c, read):
    read()
    c.sendall(b'\x20\x02\x00\x00')


def _puback_cut_short(c, read):
    # half a PUBACK; its other half only after the client's next packet
    # (which the client must not send: it timed out and closed)
    read()
    c.sendall(b'\x20\x02\x00\x00')
    h, body = read()
    c.sendall(b'\x40\x02')
    read()
    c.sendall(_pid(body) + b'\x40\x02\x00\x02')
    read()


def _silent(c, read):
    read()
    read()  # (EOF: the client gave up)


EDGE_CLIENT = '''
import sys
from mqtt_client import MQTTClient
from thingflow import ticks_ms, ticks_diff
c = MQTTClient('edge', '127.0.0.1', int(sys.argv[1]), timeout=0.5)


def call(f, *a):
    t = ticks_ms()
    try:
        r = f(*a)
    except Exception as e:
        r = type(e).__name__ + ' ' + str(e)
    print(r, '|', c.sock is None, ticks_diff(ticks_ms(), t))


call(c.connect)
c.pid = 65534
call(c.publish, 'home/temp\\u00e9rature', '21.5', False, 1)
call(c.publish, 'home/\\u6e29\\u5ea6', '[1]', False, 1)
call(c.ping)
call(c.disconnect)
call(c.connect)
call(c.publish, 't', 'x', False, 1)
call(c.publish, 't', 'y', False, 1)
call(c.connect)
call(c.publish, 't', 'x', False, 1)
call(c.connect)
call(c.publish, 't', 'x', False, 1)
call(c.publish, 't', 'y', False, 1)
call(c.connect)
'''


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_edge_cases_of_a_scripted_broker(runtime, mpy_lib, tmp_path):
    # Real sockets, both runtimes: answers split across TCP segments, other
    # packets before the awaited one, packet ids wrapping, UTF-8 topics, a
    # packet longer than MQTT allows here, a broker that closes or says
    # nothing; a call cut short in the middle of a packet closes the
    # connection (the rest of the packet would be misread by the next call)
    app = tmp_path / 'edge.py'
    app.write_text(EDGE_CLIENT)
    b = ScriptedBroker([_edge_cases, _long_packet, _closes_after_connack, _puback_cut_short, _silent])
    try:
        res = run_script(runtime, mpy_lib, app, b.port)
    finally:
        b.close()
    rows = [ln.rsplit(' ', 1) for ln in res.stdout.splitlines()]
    assert res.returncode == 0 and len(rows) == 14, res.stdout + res.stderr
    got = [r[0] for r in rows]
    ms = [int(r[1]) for r in rows]
    # (the broker's FIN, or its RST when our PUBLISH reached the closed socket first)
    assert got[9] in ('OSError closed by the broker | True', 'ConnectionResetError [Errno 104] Connection '
                      'reset by peer | True', 'OSError [Errno 104] ECONNRESET | True'), got[9]
    timeout = 'OSError [Errno 11] EAGAIN' if runtime == 'micropython' else 'TimeoutError timed out'
    assert got == [
        '1 | False', 'None | False', 'None | False', 'None | False', 'None | True',
        '0 | False', 'MQTTError bad packet length from the broker | True', 'OSError not connected | True',
        '0 | False', got[9],
        '0 | False', timeout + ' | True', 'OSError not connected | True',
        timeout + ' | True'], res.stdout
    # time bounds (0.5 s per call; +1 s for a loaded machine)
    assert all(m < 1500 for m in ms), ms
    assert ms[11] >= 450 and ms[13] >= 450 and ms[12] < 100, ms
    sent = b.got
    assert [h for h, body in sent[0]] == [0x10, 0x32, 0x32, 0xc0, 0xe0]
    assert [body for h, body in sent[0][1:3]] == [b'\x00\x11home/temp\xc3\xa9rature\xff\xff21.5',
                                                 b'\x00\x0bhome/\xe6\xb8\xa9\xe5\xba\xa6\x00\x01[1]']
    assert [h for h, body in sent[3]] == [0x10, 0x32]  # nothing after the PUBLISH cut short
