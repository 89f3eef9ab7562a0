"""MQTT figures (issue 4): heap of a connected writer, events/s through one
MicroPython process, and a fleet of MicroPython devices on one Mosquitto.
Everything runs on 127.0.0.1 against a Mosquitto on a free port; every
process has a time limit, so the benchmark bounds its own runtime."""
import json
import os
import re
import subprocess
import threading
import time

from common import DEVICE, ROOT, metric, values
from thingflow_mpy import mpy
from thingflow_mpy.broker import Broker

SCRIPT = DEVICE / 'mqtt_bench.py'
FLEET = 20  # devices
FLEET_S = 30  # seconds of 10 Hz events each


class Counter:
    """A paho subscriber that counts messages and notes first/last arrival."""

    def __init__(self, broker, topic, timeout=10):
        import paho.mqtt.client as mqtt
        self.n = 0
        self.keys = set()
        self.first = self.last = None
        self.lock = threading.Lock()
        ready = threading.Event()
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id='bench-%d' % id(self))
        c.on_connect = lambda c, u, f, rc, p=None: c.subscribe(topic, 1)
        c.on_subscribe = lambda *a: ready.set()
        c.on_message = self._msg
        c.connect(broker.host, broker.port)
        c.loop_start()
        self.c = c
        if not ready.wait(timeout):  # no figure counted by a subscriber that never subscribed
            self.close()
            raise RuntimeError('subscriber to %r on %s:%d: no SUBACK within %s s'
                               % (topic, broker.host, broker.port, timeout))

    def _msg(self, c, u, m):
        if m.topic.endswith('/status'):
            return
        t = time.monotonic()
        with self.lock:
            self.n += 1
            self.keys.add((m.topic, json.loads(m.payload)[2]))
            if self.first is None:
                self.first = t
            self.last = t

    def wait(self, n, timeout):
        end = time.monotonic() + timeout
        while self.n < n and time.monotonic() < end:
            time.sleep(0.05)

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()


def run(ctx):
    with Broker() as b:
        out = ctx.micropython(SCRIPT, 'mem', b.port, timeout=60)
        v = values(out)
        q = [int(n) for n in re.findall(r'n_qstr=(\d+)', out)]
        pools = [int(n) for n in re.findall(r'n_pool=(\d+)', out)]
        yield metric('mqtt_writer_bytes', 'micropython', v['mqtt_writer_bytes'], 'bytes', target_max=6000,
                     import_bytes=v['mqtt_import_bytes'], client_import_bytes=v['mqtt_client_import_bytes'],
                     writer_import_bytes=v['mqtt_writer_import_bytes'],
                     instance_bytes=v['mqtt_writer_instance_bytes'],
                     qstrs_added=q[2] - q[0] if len(q) == 3 else None, qstrs_after=q[2] if len(q) == 3 else None,
                     qstr_pools_added=pools[2] - pools[0] if len(pools) == 3 else None,
                     modules=v.get('modules'),
                     note='import mqtt_client + mqtt_writer (.mpy) and one connected writer '
                          '(outbox=50, defaults), after thingflow; qstrs_added: new interned names; '
                          'qstr_pools_added: new qstr pools allocated inside the measurement (the pools '
                          'hold 20, 40, 80, 160... names; a new one of 160 costs ~1.8 KB at once)')
        # the modules imported only for an option, each after the core ones
        mods = ctx.import_bytes('thingflow', 'mqtt_client', 'mqtt_writer', 'mqtt_errors', 'mqtt_rare',
                                'mqtt_spool', 'mqtt_tls')
        for m, why in (('mqtt_errors', 'on a bad argument, a refused connection, or a warning with a logger'),
                       ('mqtt_rare', 'after a network failure, with every=/batch=, or at on_completed/on_error'),
                       ('mqtt_spool', 'with spool='), ('mqtt_tls', 'with ssl=True')):
            yield metric('mqtt_optional_bytes', 'micropython', mods[m], 'bytes', module=m,
                         note='imported only ' + why)
        for qos, n in ((0, 5000), (1, 2000)):
            sub = Counter(b, 'r/#')
            try:
                out = values(ctx.micropython(SCRIPT, 'rate', b.port, qos, n, timeout=120))
                sub.wait(n, 30)
                span = (sub.last - sub.first) if sub.n > 1 else None
                if not span or out['errors'] or out['published'] != n:
                    raise RuntimeError('mqtt_events_per_s qos %d: no rate from this run: %d of %d events '
                                       'received, the writer published %d with %d errors'
                                       % (qos, sub.n, n, out['published'], out['errors']))
                rate = round((sub.n - 1) / span)
                yield metric('mqtt_events_per_s', 'micropython', rate, 'events/s', qos=qos, events=n,
                             received=sub.n, lost=n - len(sub.keys),
                             sender_events_per_s=round(n * 1000 / max(out['sent_ms'], 1)),
                             note='one MicroPython process, counted at a subscriber')
            finally:
                sub.close()
    yield from fleet(ctx)


def fleet(ctx, devices=FLEET, seconds=FLEET_S):
    n = seconds * 10
    with Broker() as b:
        sub = Counter(b, 'fleet/#')
        env = dict(os.environ)
        env['MICROPYPATH'] = mpy.micropython_path(ctx.mpy_lib, mpy.SIM)
        cpu0 = b.cpu_seconds()
        t0 = time.monotonic()
        procs = [subprocess.Popen([mpy.micropython_binary(), str(SCRIPT), 'fleet', str(b.port), str(i), str(n)],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for i in range(devices)]
        outs = []
        try:
            for p in procs:
                left = max(1, seconds * 3 - (time.monotonic() - t0))  # bounded: 3x the nominal run
                try:
                    outs.append(values(p.communicate(timeout=left)[0]))
                except subprocess.TimeoutExpired:
                    p.kill()
                    outs.append({})
            sub.wait(devices * n, 10)
            wall = time.monotonic() - t0
            cpu = b.cpu_seconds() - cpu0
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
            sub.close()
        want = devices * n
        got = len(sub.keys)
        yield metric('fleet', 'micropython', got, 'events received', devices=devices, hz=10, seconds=seconds,
                     expected=want, lost=want - got, duplicates=sub.n - got,
                     published=sum(o.get('published', 0) for o in outs),
                     errors=sum(o.get('errors', 0) for o in outs),
                     broker_cpu_percent=round(100 * cpu / wall, 2), wall_s=round(wall, 1),
                     target_lost=0)
