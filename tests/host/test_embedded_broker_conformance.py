"""The embedded broker (`thingflow-mpy run` without --broker: amqtt with the
mends of thingflow_mpy/embedded_broker.py) against MQTT 3.1.1 and against a
real Mosquitto: the same scenario on both, what a paho subscriber sees
compared. Packets are written by hand (lib/mqtt_client's packet builders)
where a client library would refuse or hide them."""
import socket
import struct
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip('amqtt')
paho = pytest.importorskip('paho.mqtt.client')

LIB = str(Path(__file__).resolve().parents[2] / 'lib')
if LIB not in sys.path:
    sys.path.insert(0, LIB)
from mqtt_client import MQTTClient, connect_packet, pack, publish_packet  # noqa: E402

from thingflow_mpy.embedded_broker import EmbeddedBroker  # noqa: E402


@pytest.fixture(params=['embedded', 'mosquitto'])
def port(request, make_broker):
    if request.param == 'mosquitto':
        yield make_broker().port
    else:
        with EmbeddedBroker() as b:
            yield b.port


@pytest.fixture
def embedded():
    with EmbeddedBroker() as b:
        yield b.port


def raw(port, cid, ka=0, will=None):
    """A client as bytes on a socket: CONNECT sent, the CONNACK checked."""
    s = socket.create_connection(('127.0.0.1', port), 3)
    s.settimeout(3)
    s.sendall(connect_packet(cid, ka, will=will))
    assert s.recv(4) == b'\x20\x02\x00\x00'
    return s


def closed_after(s, limit):
    """Seconds until the broker closed s (reading, at most limit s)."""
    t0 = time.monotonic()
    s.settimeout(limit)
    try:
        while s.recv(100):
            pass
    except socket.timeout:
        return None
    return time.monotonic() - t0


class Sub:
    """paho on `topics` (qos 1): records (topic, payload, retain)."""

    def __init__(self, port, *topics, cid='sub'):
        self.msgs = []
        done = threading.Event()
        c = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=cid)
        c.on_connect = lambda c, u, f, rc, p=None: c.subscribe([(t, 1) for t in topics])
        c.on_subscribe = lambda *a: done.set()
        c.on_message = lambda c, u, m: self.msgs.append((m.topic, m.payload, m.retain))
        c.connect('127.0.0.1', port, 30)
        c.loop_start()
        assert done.wait(5)
        self.c = c

    def wait(self, n, timeout=3.0):
        end = time.monotonic() + timeout
        while len(self.msgs) < n and time.monotonic() < end:
            time.sleep(0.01)
        time.sleep(0.1)  # (and nothing more comes)
        return self.msgs

    def close(self):
        self.c.disconnect()  # (first: it wakes paho's loop)
        self.c.loop_stop()


def test_publish_to_a_dollar_topic_does_not_stop_the_clients_later_messages(port):
    # amqtt 0.12.1 left the client's message loop at a PUBLISH to '$x/y'
    # but kept the connection and its PUBACKs: every later event of that
    # client was acknowledged and lost. Mosquitto routes '$x/y' to a filter
    # that names it ('#' does not match it, MQTT-4.7.2-1) and drops a
    # client's '$SYS' message
    sub = Sub(port, '#', '$x/y', '$SYS/q')
    c = MQTTClient('dollar', '127.0.0.1', port, timeout=3)
    c.connect()
    for t in ('$x/y', '$SYS/q', 'a/b', 'a/c'):
        c.publish(t, t, False, 1)  # (each returns after its PUBACK)
    c.disconnect()
    assert sub.wait(3) == [('$x/y', b'$x/y', False), ('a/b', b'a/b', False), ('a/c', b'a/c', False)]
    sub.close()


def test_a_publish_with_an_empty_topic_closes_the_connection_with_the_will(port):
    # MQTT-4.7.3-1; amqtt 0.12.1 kept the connection, stopped routing its
    # messages, and published no will
    sub = Sub(port, '#')
    s = raw(port, 'empty', will=('w/empty', 'gone', False, 0))
    s.sendall(pack(0x32, b'\x00\x00\x00\x07x'))  # qos 1, topic '', packet id 7
    assert closed_after(s, 2) is not None
    s.close()
    assert sub.wait(1) == [('w/empty', b'gone', False)]
    sub.close()


def _closed_at_one_and_a_half_with_the_will(s, sub, topic):
    # keepalive 1: the broker closes the connection 1.5 s after the last
    # packet (not before), and the subscriber gets the will
    gone = closed_after(s, 4)
    assert gone is not None and 1.4 < gone < 2.0, gone
    s.close()
    assert sub.wait(1) == [(topic, b'gone', False)]
    sub.close()


def test_keepalive_silent_client_is_closed_after_one_and_a_half_and_its_will_sent(embedded):
    # MQTT-3.1.2-24; amqtt 0.12.1 never closed a silent connection (10 s
    # with keepalive 1: still open, no will). Pings at 1.25 keepalives (what
    # MQTTWriter does) keep it open. (Mosquitto closes later than 1.5 s:
    # 5.2 s with keepalive 1 here, so this test is the embedded broker's)
    sub = Sub(embedded, 'w/#')
    s = raw(embedded, 'ka', ka=1, will=('w/ka', 'gone', False, 0))
    for i in range(3):
        time.sleep(1.25)
        s.sendall(b'\xc0\x00')
        assert s.recv(2) == b'\xd0\x00'
    assert sub.msgs == []
    _closed_at_one_and_a_half_with_the_will(s, sub, 'w/ka')


def test_keepalive_client_stopped_in_the_middle_of_a_packet_is_closed(embedded):
    # a device that lost power after the first bytes of a PUBLISH: the
    # connection (and the will) must not wait for the rest for ever
    sub = Sub(embedded, 'w/#')
    s = raw(embedded, 'half', ka=1, will=('w/half', 'gone', True, 1))
    s.sendall(publish_packet('t/x', b'abcdef', 1, False, 3)[:6])
    _closed_at_one_and_a_half_with_the_will(s, sub, 'w/half')
    later = Sub(embedded, 'w/half', cid='later')  # the will was retained
    assert later.wait(1) == [('w/half', b'gone', True)]
    later.close()


def _scenario(port):
    """What paho subscribers see; the same on Mosquitto and embedded."""
    got = {}
    p = raw(port, 'pub')
    # retained: stored, replaced, cleared by an empty retained payload
    p.sendall(publish_packet('r/1', b'a', 0, True) + publish_packet('r/1', b'b', 0, True)
              + publish_packet('r/2', b'x', 0, True) + publish_packet('r/2', b'', 0, True))
    p.sendall(b'\xc0\x00')
    assert p.recv(2) == b'\xd0\x00'  # PINGRESP (and the above handled)
    s = Sub(port, 'r/#', cid='r')
    got['retained'] = s.wait(1)
    s.close()
    # wildcards (no overlapping filters: MQTT 3.1.1 lets a broker send one
    # copy per matching filter, amqtt does, Mosquitto does not)
    s = Sub(port, 'a/#', '+/b', 'c/+', cid='w')
    for t in ('a', 'a/x/y', '/b', 'c/', 'c', 'q/b', 'x/b/c', 'b'):
        p.sendall(publish_packet(t, t.encode()))
    got['wildcards'] = s.wait(5)
    s.close()
    s = Sub(port, '#', cid='h')
    p.sendall(publish_packet('$h/x', b'1') + publish_packet('h', b'2'))
    got['hash'] = s.wait(2)
    s.close()
    # QoS 1: the PUBACK carries the packet id; 0 bytes and 20000 bytes
    s = Sub(port, 'q/#', cid='q')
    p.sendall(publish_packet('q/1', b'', 1, False, 0x1234))
    got['puback'] = p.recv(4)
    p.sendall(publish_packet('q/big', b'z' * 20000, 1, False, 0xabcd))
    got['puback_big'] = p.recv(4)
    p.sendall(publish_packet('q/0', b''))
    got['q'] = [(t, len(m), r) for t, m, r in s.wait(3)]
    s.close()
    # wills: a closed socket and a half packet publish it, DISCONNECT not
    s = Sub(port, 'w/#', cid='ws')
    c = raw(port, 'c1', will=('w/1', 'gone1', False, 0))
    c.close()
    c = raw(port, 'c2', will=('w/2', 'gone2', False, 0))
    c.sendall(b'\xe0\x00')
    time.sleep(0.1)
    c.close()
    c = raw(port, 'c3', will=('w/3', 'gone3', True, 1))
    c.sendall(publish_packet('w/x', b'abcdef')[:5])
    c.close()
    got['wills'] = sorted(s.wait(2))
    s.close()
    s = Sub(port, 'w/#', cid='ws2')
    got['retained_will'] = s.wait(1)
    s.close()
    # many clients at once
    s = Sub(port, 'm/#', cid='ms')
    many = [raw(port, 'm%d' % i) for i in range(40)]
    for i, c in enumerate(many):
        c.sendall(publish_packet('m/%d' % i, b'1', 1, False, i + 1))
    assert [c.recv(4) for c in many] == [b'\x40\x02' + struct.pack('!H', i + 1) for i in range(40)]
    got['many'] = len(s.wait(40))
    s.close()
    for c in many:
        c.close()
    p.sendall(b'\xe0\x00')
    p.close()
    return got


def test_embedded_broker_sees_what_mosquitto_sees(embedded, broker):
    # (before the mends the embedded broker lost everything after the
    # publisher's $h/x: from "hash" on)
    want = {
        'retained': [('r/1', b'b', True)],
        'wildcards': [('a', b'a', False), ('a/x/y', b'a/x/y', False), ('/b', b'/b', False),
                      ('c/', b'c/', False), ('q/b', b'q/b', False)],
        'hash': [('r/1', b'b', True), ('h', b'2', False)],
        'puback': b'\x40\x02\x12\x34',
        'puback_big': b'\x40\x02\xab\xcd',
        'q': [('q/1', 0, False), ('q/big', 20000, False), ('q/0', 0, False)],
        'wills': [('w/1', b'gone1', False), ('w/3', b'gone3', False)],
        'retained_will': [('w/3', b'gone3', True)],
        'many': 40,
    }
    assert _scenario(broker.port) == want
    assert _scenario(embedded) == want
