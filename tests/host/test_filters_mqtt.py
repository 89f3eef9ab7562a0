"""End-to-end: a simulated temperature sensor -> delta -> buffer_with_count ->
MQTTWriter against a real Mosquitto broker (127.0.0.1, a free port), in
virtual time; a paho-mqtt subscriber counts and checks what arrives."""
import json
import math
import sys
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'bench' / 'device'))
from filters_trace import TraceSensor, trace  # noqa: E402
from thingflow import Scheduler, SensorAsOutputThing  # noqa: E402
from vclock import VirtualClock, run_for  # noqa: E402
import filters  # noqa: E402,F401
import filters_value  # noqa: E402,F401
from mqtt_writer import MQTTWriter  # noqa: E402
from thingflow_mpy.broker import Broker  # noqa: E402

N = 1080  # three hours at 10 s


@pytest.fixture(scope='module')
def broker():
    with Broker() as b:
        yield b


class Sub:
    """A paho subscriber collecting (topic, payload) of one topic filter."""

    def __init__(self, b, topic):
        self.msgs = []
        self.ready = threading.Event()
        self.c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        self.c.on_connect = lambda c, u, f, rc, p=None: c.subscribe(topic, qos=1)
        self.c.on_subscribe = lambda *a: self.ready.set()
        self.c.on_message = lambda c, u, m: self.msgs.append((m.topic, json.loads(m.payload)))
        self.c.connect(b.host, b.port)
        self.c.loop_start()
        assert self.ready.wait(10)

    def wait(self, n, timeout=10):
        end = time.monotonic() + timeout
        while len(self.msgs) < n and time.monotonic() < end:
            time.sleep(0.02)
        time.sleep(0.2)  # anything beyond n would arrive now
        return self.msgs

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()


def reference(values, amount):
    """delta by hand: the indices of the values that pass."""
    out, last = [], None
    for i, v in enumerate(values):
        if last is None or abs(v - last) >= amount and v != last:
            out.append(i)
            last = v
    return out


def run_chain(b, topic, chain):
    # a fixed topic: the writer's {sensor_id} takes the first item of an
    # event, which for a buffer_with_count list is a whole event
    clk = VirtualClock()
    s = Scheduler(clk)
    w = MQTTWriter('tf-e2e-' + topic.replace('/', '-'), b.host, b.port, topic + '/temp',
                   clock=clk, outbox=100)
    src = SensorAsOutputThing(TraceSensor('temp', n=N), clk)
    chain(src).connect(w)
    s.schedule_periodic(src, 10)
    run_for(s, N * 10 + 60)  # the sensor completes after N samples
    return w


@pytest.mark.parametrize('amount,count', [(0.25, 5), (0.125, 4)])
def test_delta_and_buffer_cut_the_messages_sent_to_the_broker(broker, amount, count):
    values = list(trace(n=N))
    passed = reference(values, amount)
    want = [[['temp', i * 10.0, values[i]] for i in passed[j:j + count]]
            for j in range(0, len(passed), count)]
    assert len(want) == math.ceil(len(passed) / count) < N / 4  # a real cut
    topic = 'e2e/f%d' % count
    sub = Sub(broker, topic + '/temp')
    try:
        w = run_chain(broker, topic, lambda src: src.delta(amount).buffer_with_count(count))
        got = sub.wait(len(want))
    finally:
        sub.close()
    assert w.published == len(want) and w.dropped == 0 and w.refused == 0
    assert [m[1] for m in got] == want  # every reading that passed, in order, batched


def test_without_filters_every_reading_is_a_message(broker):
    sub = Sub(broker, 'e2e/raw/temp')
    try:
        w = run_chain(broker, 'e2e/raw', lambda src: src)
        got = sub.wait(N)
    finally:
        sub.close()
    values = list(trace(n=N))
    assert w.published == N
    assert [m[1] for m in got] == [['temp', i * 10.0, v] for i, v in enumerate(values)]
