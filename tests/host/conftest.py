"""Host-side fixtures: a real Mosquitto on a free 127.0.0.1 port, and a
paho-mqtt subscriber that records what arrives.

    def test_x(broker, subscriber):          # broker: a plain Broker, started
        sub = subscriber(broker, 'home/#')   # waits until subscribed
        ...
        sub.wait(lambda msgs: len(msgs) >= 3, timeout=10)

    def test_y(make_broker):                 # any kind: users=, tls=, persist=
        b = make_broker(users={'dev': 'pw'}, tls=True)

Every broker and subscriber made by these fixtures is stopped at the end of
the test. mpy_lib: lib/ compiled to .mpy once for the whole run (a folder
no test writes into)."""
import threading
import time

import pytest

from thingflow_mpy import mpy
from thingflow_mpy.broker import Broker


@pytest.fixture(scope='session')
def mpy_lib(tmp_path_factory):
    out = tmp_path_factory.mktemp('mpylib')
    mpy.compile_tree(out)
    return out


@pytest.fixture
def make_broker():
    made = []

    def make(**kw):
        b = Broker(**kw)
        made.append(b)
        return b
    yield make
    for b in made:
        b.close()


@pytest.fixture
def broker(make_broker):
    return make_broker()


class Subscriber:
    """A paho-mqtt client on a Broker that records (topic, payload bytes,
    retain) of every message on `topic`, in arrival order. With
    session=True (clean_session=False, qos 1) it misses nothing across a
    restart of a broker made with persist=True."""

    def __init__(self, broker, topic='#', user=None, password=None, session=False, qos=1):
        import paho.mqtt.client as mqtt
        self.msgs = []
        self.lock = threading.Lock()
        self.subscribed = threading.Event()
        self.topic, self.qos = topic, qos
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id='tf-sub-%d' % id(self),
                        clean_session=not session)
        if user:
            c.username_pw_set(user, password)
        if broker.tls:
            c.tls_set(ca_certs=str(broker.cafile))
        c.reconnect_delay_set(0.05, 0.2)
        c.on_connect = self._on_connect
        c.on_subscribe = lambda *a: self.subscribed.set()
        c.on_message = self._on_message
        self.client = c
        c.connect(broker.host, broker.port, keepalive=30)
        c.loop_start()
        if not self.subscribed.wait(10):
            self.close()
            raise RuntimeError('subscriber could not subscribe to %s on %r' % (topic, broker))

    def _on_connect(self, c, userdata, flags, rc, props=None):
        c.subscribe(self.topic, self.qos)

    def _on_message(self, c, userdata, m):
        with self.lock:
            self.msgs.append((m.topic, m.payload, m.retain))

    def messages(self, topic=None):
        with self.lock:
            return [(t, p) for t, p, r in self.msgs if topic is None or t == topic]

    def wait(self, pred, timeout=10.0, topic=None):
        """Wait until pred(messages(topic)) is true; returns the messages."""
        end = time.monotonic() + timeout
        while True:
            m = self.messages(topic)
            if pred(m) or time.monotonic() > end:
                return m
            time.sleep(0.02)

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def subscriber():
    made = []

    def make(broker, topic='#', **kw):
        s = Subscriber(broker, topic, **kw)
        made.append(s)
        return s
    yield make
    for s in made:
        s.close()
