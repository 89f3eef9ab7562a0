# Device tests of mqtt_client: packet bytes, topic checks, argument checks,
# and the reading of the broker's answers through a fake socket (no broker).
import errno
import sys

import mqtt_client
from mqtt_client import (MQTTClient, MQTTError, connect_packet, publish_packet,
                         check_topic)
from thingflow import ticks_ms
from mqtt_writer import MQTTWriter
from vclock import VirtualClock
from tcheck import raises, msg


class FakeSock:
    """A socket that plays back the broker's bytes and records what is sent.
    A chunk that is an exception is raised by recv (e.g. a timeout)."""

    def __init__(self, chunks=()):
        self.chunks = list(chunks)
        self.out = b''
        self.timeouts = []
        self.closed = False

    def settimeout(self, t):
        self.timeouts.append(t)

    def send(self, b):
        b = bytes(b[:3])  # a short write: the client must loop
        self.out += b
        return len(b)

    def recv(self, n):
        if not self.chunks:
            return b''  # the broker closed the connection
        c = self.chunks[0]
        if isinstance(c, Exception):
            self.chunks.pop(0)
            raise c
        self.chunks[0] = c[n:]
        if not self.chunks[0]:
            self.chunks.pop(0)
        return c[:n]

    def close(self):
        self.closed = True

    def connect(self, addr):
        self.addr = addr


class FakeSocketModule:
    """Stands in for the socket module inside mqtt_client.connect(): the
    next socket made plays back `chunks`."""
    SOCK_STREAM = 1

    def __init__(self, chunks):
        self.sock = FakeSock(chunks)

    def getaddrinfo(self, host, port, af=0, kind=0):
        return [(2, kind, 0, '', (host, port))]

    def socket(self, af, kind, proto):
        return self.sock


def connect_with(chunks, clean=True, **kw):
    """connect() against a played-back broker: (client, its socket, the
    returned session flag or the exception raised)."""
    c = MQTTClient('dev1', '127.0.0.1', **kw)
    real = mqtt_client.socket
    mqtt_client.socket = fake = FakeSocketModule(chunks)
    try:
        r = c.connect(clean)
    except Exception as e:
        r = e
    finally:
        mqtt_client.socket = real
    return c, fake.sock, r


def client_with(chunks, **kw):
    c = MQTTClient('dev1', '127.0.0.1', **kw)
    c.sock = FakeSock(chunks)
    c.start = ticks_ms()  # connect() starts the clock of the call before _hello
    return c


def test_connect_packet_bytes():
    cases = [
        (('c', 0), b'\x10\x0d\x00\x04MQTT\x04\x02\x00\x00\x00\x01c'),
        (('c', 60), b'\x10\x0d\x00\x04MQTT\x04\x02\x00\x3c\x00\x01c'),
        (('ab', 300, 'u', 'pw'), b'\x10\x15\x00\x04MQTT\x04\xc2\x01\x2c\x00\x02ab\x00\x01u\x00\x02pw'),
        (('c', 10, None, None, ('s', 'off', True, 1)),
         b'\x10\x15\x00\x04MQTT\x04\x2e\x00\x0a\x00\x01c\x00\x01s\x00\x03off'),
        (('c', 0, 'u', None, ('s', 'x', False, 0), False),
         b'\x10\x16\x00\x04MQTT\x04\x84\x00\x00\x00\x01c\x00\x01s\x00\x01x\x00\x01u'),
    ]
    for args, want in cases:
        assert connect_packet(*args) == want, (args, connect_packet(*args))


def test_publish_packet_bytes():
    cases = [
        (('a/b', '[1]'), b'\x30\x08\x00\x03a/b[1]'),
        (('a/b', b'[1]', 1, False, 7), b'\x32\x0a\x00\x03a/b\x00\x07[1]'),
        (('t', 'on', 1, True, 0x1234), b'\x33\x07\x00\x01t\x12\x34on'),
        (('t', 'x', 0, True), b'\x31\x04\x00\x01tx'),
        (('t', 'x', 1, False, 1, True), b'\x3a\x06\x00\x01t\x00\x01x'),
        (('t', '\u00b0C'), b'\x30\x06\x00\x01t\xc2\xb0C'),
    ]
    for args, want in cases:
        assert publish_packet(*args) == want, (args, publish_packet(*args))


def test_remaining_length_varint_at_each_boundary():
    # remaining length = 2 + 1 (topic) + payload
    for n, head in ((127, b'\x30\x7f'), (128, b'\x30\x80\x01'), (16383, b'\x30\xff\x7f'),
                    (16384, b'\x30\x80\x80\x01')):
        p = publish_packet('t', b'x' * (n - 3))
        assert p[:len(head)] == head, (n, p[:5])
        assert len(p) == len(head) + n


def test_check_topic_table():
    for t in ('a', 'home/kitchen/temp', '/lead', 'a//b', '\u00e9t\u00e9', 'a b~', 'x\u00a0\u00b0C', 'x' * 65535):
        assert check_topic(t) == t
    for t, part in (('', 'non-empty'), (None, 'non-empty'), (5, 'non-empty'),
                    ('a/+/b', '+ and #'), ('a/#', '+ and #'), ('#', '+ and #'),
                    ('a\x00b', 'control'), ('a\nb', 'control')):
        e = raises(ValueError, check_topic, t)
        assert part in msg(e) and repr(t) in msg(e), (t, msg(e))


def test_check_topic_refuses_control_characters():
    # MQTT 3.1.1 1.5.3: Mosquitto drops the connection at a topic with
    # U+0000-U+001F or U+007F-U+009F; so do empty and too long topics
    want = ': no control character (U+0000-U+001F, U+007F-U+009F), surrogate or noncharacter, at most 65535 bytes'
    for t in ('temp\r', 'a\tb', '\x01', 'a\x1f', 'a\x7f', 'a\x80', 'a\x85b', 'a\x9f', '\r\n', 'x' * 65536,
              '\u00e9\x9f'):
        e = raises(ValueError, check_topic, t)
        assert msg(e) == 'topic %r' % (t,) + want, (t, msg(e))
        assert check_topic(t, 1) is None  # the writer's check of each event: no exception
    e = raises(ValueError, check_topic, '')
    assert msg(e) == "topic '': want a non-empty string"
    assert check_topic('', 1) is None and check_topic(None, 1) is None
    assert check_topic('a+b', 1) is None and check_topic('#', 1) is None
    assert check_topic('a/b', 1) == 'a/b' and check_topic('\u00a0', 1) == '\u00a0'
    c = MQTTClient('c', 'h')
    e = raises(ValueError, c.set_last_will, 'st\r', 'x')
    assert msg(e) == "topic 'st\\r'" + want


def test_a_password_in_a_log_line_is_masked_whole_in_every_form():
    # the longer (escaped) forms are replaced first: no stray backslash of
    # an escape is left beside the *** (it would tell a character)
    from mqtt_errors import _mask
    for p, rr in (('\'p"w', "'token \\'***\\' and ***'"), ('p\\', '"token \'***\' and ***"')):
        m = 'token %r and %s' % (p, p)
        assert _mask(m, p) == "token '***' and ***", (p, _mask(m, p))
        assert _mask(repr(m), p) == rr, (p, _mask(repr(m), p))  # a repr of the line: escaped twice


def test_a_writer_host_that_is_no_str_is_refused_naming_it():
    for bad in (5, b'broker', ['h']):
        e = raises(ValueError, MQTTWriter, 'b', bad, 1883, 'g/t')
        assert msg(e) == 'host %r: want a host name or address' % (bad,), msg(e)


def test_a_spool_warning_names_the_spool_file():
    import sys
    import mqtt_errors

    class L:  # the logger module, as mqtt_errors uses it
        lines = []

        def get_logger():
            return L

        def warning(f, *a):
            L.lines.append(f % a)

    class W:
        name = 'b1'
        spool = '/sp.txt'
    old = sys.modules.get('logger')
    sys.modules['logger'] = L
    try:
        mqtt_errors.error(6, OSError(28), W())
    finally:
        if old is None:
            del sys.modules['logger']
        else:
            sys.modules['logger'] = old
    assert len(L.lines) == 1 and L.lines[0].startswith('mqtt b1: spool /sp.txt: OSError(28'), L.lines


def test_check_topic_refuses_surrogates_and_noncharacters():
    # Mosquitto drops the connection at a topic with a surrogate or a
    # noncharacter too (checked against it in tests/host/test_mqtt.py)
    import sys
    want = ': no control character (U+0000-U+001F, U+007F-U+009F), surrogate or noncharacter, at most 65535 bytes'
    for t in ('x/\ufffe', 'x/\uffff', '\ufdd0', 'a\ufdefb', 'x\U0001fffe', 'x\U0001ffff', '\U0010ffff',
              '\U0010fffe', 'x\U0002fffe', 's\ud800', '\udfff/x', '\ud83c'):
        e = raises(ValueError, check_topic, t)
        assert msg(e) == 'topic %r' % (t,) + want, (t, msg(e))
        assert check_topic(t, 1) is None
        assert 'mqtt_init' not in sys.modules  # the decoder is unloaded again
    # their neighbours are fine, also where the same bytes follow each other
    for t in ('\ufdcf', '\ufdf0', '\ufffd', '\ud7ff', '\ue000', '\ud55c/\uc628\ub3c4', '\U0001f321',
              '\U0001fffd', '\U00010ffe', '\U0001f3ff\u00c3', '\u0ffe', '\u0fff\u00e9', '\U0010fffd', 'x\uefbf'):
        assert check_topic(t) == t, t
        assert 'mqtt_init' not in sys.modules


def test_check_topic_decodes_characters_only_where_a_noncharacter_may_be():
    # the writer checks each event's sensor id: an emoji or Hangul must not
    # import mqtt_init every time; only bytes that may end a noncharacter do
    import sys
    calls = []

    class Decoder:
        def check_topic(b):
            calls.append(b)
            return False
    sys.modules['mqtt_init'] = Decoder
    try:
        for t in ('temp', '\ud55c\uae00', '\U0001f321', '\u00e9t\u00e9', '\ud7a3', '\U0001f3ff\u00c3'):
            assert check_topic(t) == t and calls == [], (t, calls)
        for t in ('x\ufffe', '\ufdd0', '\U0001ffff', '\u0ffe', '\ufdf0', '\ufdcf'):
            assert check_topic(t) == t and calls == [t.encode()], (t, calls)  # (the fake says: fine)
            calls.pop()
        assert check_topic('s\ud800', 1) is None and calls == []  # a surrogate: refused without decoding
    finally:
        del sys.modules['mqtt_init']


NAN = float('nan')


def test_client_arguments_are_checked():
    # (a str, e.g. read from a config file, gave a TypeError that named no
    # value; nan got through, then connect failed with an AttributeError)
    assert MQTTClient('c', 'h').port == 1883
    assert MQTTClient('c', 'h', ssl=True).port == 8883
    for x in (None, False, 0):  # no TLS
        c = MQTTClient('c', 'h', ssl=x)
        assert c.port == 1883 and getattr(c, 'ssl', None) is None
    for p, k in ((1, 0), (65535, 65535)):  # the edges of the ranges are taken
        c = MQTTClient('c', 'h', p, keepalive=k)
        assert (c.port, c.keepalive) == (p, k)
    for kw, part in (({'port': 70000}, 'port 70000'), ({'port': -1}, 'port -1'),
                     ({'port': 65536}, 'port 65536'), ({'port': -65536}, 'port -65536'),
                     ({'port': True}, 'port True'), ({'keepalive': True}, 'keepalive True'),
                     ({'keepalive': -70000}, 'keepalive -70000'), ({'keepalive': 1.5}, 'keepalive 1.5'),
                     ({'port': '1883'}, "port '1883'"), ({'keepalive': -1}, 'keepalive -1'),
                     ({'keepalive': 65536}, 'keepalive 65536'), ({'timeout': -2}, 'timeout -2'),
                     ({'timeout': '3'}, "timeout '3'"), ({'timeout': NAN}, 'timeout nan'),
                     ({'timeout': None}, 'timeout None'), ({'timeout': True}, 'timeout True'),
                     ({'timeout': float('inf')}, 'timeout inf'), ({'ssl': {}}, 'ssl {}'),
                     ({'ssl': ''}, "ssl ''")):
        e = raises(ValueError, MQTTClient, 'c', 'h', **kw)
        assert part in msg(e), (kw, msg(e))
    e = raises(ValueError, MQTTClient('c', 'h').publish, 't', 'x', False, 2)
    assert msg(e) == 'qos 2: want 0 or 1'
    for q in (1.0, 0.0, True, False, -1, '1', None):
        e = raises(ValueError, client_with([b'\x40\x02\x00\x01']).publish, 't', 'x', False, q)
        assert msg(e) == 'qos %r: want 0 or 1' % (q,), (q, msg(e))
    for q in (0, 1):
        c = client_with([b'\x40\x02\x00\x01'])
        c.publish('t', 'x', False, q)
        assert c.sock.out == publish_packet('t', 'x', q, False, q)
    e = raises(OSError, MQTTClient('c', 'h').publish, 't', 'x')
    assert 'not connected' in str(e)
    c = MQTTClient('c', 'h')
    for q in (2, 1.0, True, -1, '1', None):  # the will's qos: refused at once, not at connect
        e = raises(ValueError, c.set_last_will, 'a/status', 'offline', True, q)
        assert msg(e) == 'qos %r: want 0 or 1' % (q,), (q, msg(e))
        assert c.lw is None
    c.set_last_will('a/status', 'offline', True, 1)
    assert c.lw == ('a/status', 'offline', True, 1)


def test_connack_codes_become_named_errors():
    c, s, r = connect_with([b'\x20\x02\x00\x00'], user='u', password='s3cret', keepalive=30)
    assert r == 0 and c.sock is s and not s.closed and s.addr == ('127.0.0.1', 1883)
    assert s.out == connect_packet('dev1', 30, 'u', 's3cret')
    c, s, r = connect_with([b'\x20\x02\x00\x00'], user='', password='')  # empty: MQTT allows it, still sent
    assert r == 0 and s.out[9] == 0xC2 and s.out == connect_packet('dev1', 0, '', '')
    c, s, r = connect_with([b'\x20\x02\x01\x00'], clean=False)
    assert r == 1 and s.out == connect_packet('dev1', 0, None, None, None, False)  # session present
    for code, text in ((1, 'unacceptable protocol version'), (2, 'client identifier rejected'),
                       (3, 'server unavailable'), (4, 'bad user name or password'),
                       (5, 'not authorised (wrong user name or password, or no access)'),
                       (9, 'code 9')):
        c, s, e = connect_with([b'\x20\x02\x00' + bytes((code,))], user='u', password='s3cret')
        assert isinstance(e, MQTTError), e
        assert msg(e) == 'connection refused: ' + text, msg(e)
        assert e.args[1] == code and 's3cret' not in repr(e)
        assert s.closed and c.sock is None
    for chunks, text in (([b'\x30\x02ab'], 'no CONNACK from the broker (packet 0x30)'),
                         ([b'\x20\x03\x00\x00\x00'], 'no CONNACK from the broker (packet 0x20)'),
                         ([b'\x20\xff\xff\xff\xff\x01'], 'bad packet length from the broker')):
        c, s, e = connect_with(chunks)
        assert isinstance(e, MQTTError) and msg(e) == text, (chunks, e)
        assert s.closed and c.sock is None
    c, s, e = connect_with([])  # the broker closes the connection at once
    assert isinstance(e, OSError) and 'closed' in str(e) and c.sock is None


def test_a_packet_of_kind_0_is_no_connack_not_a_bad_length():
    # (kind 0 was taken for the bad-length marker: 'bad packet length')
    c, s, e = connect_with([b'\x00\x02\x00\x00'])
    assert isinstance(e, MQTTError) and msg(e) == 'no CONNACK from the broker (packet 0x00)', e
    assert s.closed and c.sock is None


def test_client_id_and_user_name_are_checked_naming_the_value():
    # Mosquitto drops a CONNECT whose client id or user name holds a control
    # character, surrogate or noncharacter (seen as 'closed by the broker',
    # a network failure retried for ever); None sent no client id at all (a
    # malformed CONNECT); over 65535 bytes the CONNECT could not be made
    # (a ValueError from bytes() that named nothing)
    want = ': want a str or UTF-8 bytes without control characters, surrogates or noncharacters, at most 65535 bytes'
    for bad in ('dev\r', 'd\x00v', 'a\x85', 'a\ufffe', 's\ud800', None, 5, b'\xff1', b'a\nb', 'x' * 65536,
                '\u00e9' * 32768):
        e = raises(ValueError, MQTTClient, bad, '127.0.0.1')
        assert msg(e) == 'client_id %r' % (bad,) + want, (bad, msg(e)[:80])
        e = raises(ValueError, MQTTClient, 'dev1', '127.0.0.1', user=bad if bad is not None else 7)
        assert msg(e) == 'user %r' % (bad if bad is not None else 7,) + want, (bad, msg(e)[:80])
    e = raises(ValueError, MQTTWriter, 'kitchen\r', '127.0.0.1', 1883, 'k/t')
    assert msg(e) == "client_id 'kitchen\\r'" + want, msg(e)
    # MQTT allows these (+ and # too: a client id is no topic); empty: the
    # broker assigns one (clean session only: else it answers CONNACK 2,
    # 'identifier rejected')
    for ok in ('', 'a+#/', b'a1b2', bytearray(b'c3'), '\u00e9t\u00e9', '\U0001f321', 'x' * 65535):
        assert MQTTClient(ok, '127.0.0.1').name == ok
        assert MQTTClient('dev1', '127.0.0.1', user=ok).user == ok
    assert getattr(MQTTClient('dev1', '127.0.0.1'), 'user', None) is None
    c, s, r = connect_with([CONNACK], user=b'dev', password=b'\xff\xfe')  # a password is binary data
    assert r == 0 and s.out == connect_packet('dev1', 0, b'dev', b'\xff\xfe')


def test_a_password_needs_a_user_name():
    # MQTT 3.1.1 3.1.2-22: no password without a user name (the CONNECT
    # left the password out, and the broker said 'not authorised'); the
    # message does not show the password
    for pw in ('hunter2', b'hunter2'):
        e = raises(ValueError, MQTTClient, 'dev1', '127.0.0.1', password=pw)
        assert msg(e) == 'user None: want one with a password (MQTT 3.1.1: no password without a user name)', \
            msg(e)
        e = raises(ValueError, MQTTWriter, 'dev1', '127.0.0.1', 1883, 'a/b', password=pw)
        assert msg(e).startswith('user None: want') and 'hunter2' not in msg(e), msg(e)
    assert MQTTClient('dev1', '127.0.0.1', user='', password='pw').pswd == 'pw'  # an empty name is one


def test_connect_sends_the_last_will():
    c = MQTTClient('dev1', '127.0.0.1')
    c.set_last_will('a/status', 'offline', True, 1)
    real = mqtt_client.socket
    mqtt_client.socket = fake = FakeSocketModule([b'\x20\x02\x00\x00'])
    try:
        assert c.connect() == 0
    finally:
        mqtt_client.socket = real
    assert fake.sock.out == connect_packet('dev1', 0, None, None, ('a/status', 'offline', True, 1))


def test_publish_qos1_waits_for_its_own_puback():
    # a late PUBACK of an earlier packet and a PINGRESP come first: both ignored
    c = client_with([b'\x40\x02\x00\x09', b'\xd0\x00', b'\x40\x02\x00\x01'])
    c.publish('t', 'x', False, 1)
    assert c.sock.out == publish_packet('t', 'x', 1, False, 1)
    assert c.sock.chunks == []
    c.sock.chunks = [b'\x40\x02\x00\x02']
    c.publish('t', 'y', True, 1)
    assert c.pid == 2


def test_packet_ids_wrap_from_65535_to_1():
    c = client_with([b'\x40\x02\xff\xff', b'\x40\x02\x00\x01'])
    c.pid = 65534
    c.publish('t', 'x', False, 1)
    c.publish('t', 'x', False, 1)
    assert c.pid == 1


def test_publish_qos0_reads_nothing():
    c = client_with([b'\x40\x02\x00\x01'])
    c.publish('t', 'x')
    assert c.sock.chunks == [b'\x40\x02\x00\x01']


def test_a_packet_longer_than_a_broker_sends_a_publisher_is_an_mqtterror():
    # CONNACK, PUBACK, PINGRESP: 2 bytes of body at most; a remaining length
    # of 128 or more (two bytes of varint) breaks the protocol
    c = client_with([b'\x30\x80\x01' + b'x' * 128, b'\x40\x02\x00\x01'])
    e = raises(MQTTError, c.publish, 't', 'x', False, 1)
    assert msg(e) == 'bad packet length from the broker'


def test_tls_wrapper_bounds_each_wait_by_the_time_left():
    # MicroPython's TLS socket has no settimeout, recv or send, and one of
    # its reads may wait on the plain socket many times (the handshake): the
    # wrapper makes the plain socket non-blocking and waits with poll, at
    # most the time left, for the TLS socket to go on; None: not yet
    import sys
    import mqtt_tls

    class Tls:
        def __init__(self):
            self.out = b''
            self.closed = False
            self.reads = [None, b'\x20\x02', None, b'\x00\x00']  # None: the engine waits

        def write(self, b):
            if not self.out and b == b'ab':
                self.out = b'-'  # first call: the handshake waits (None)
                return None
            self.out += bytes(b[:1])  # a short write
            return 1

        def read(self, n):
            return self.reads.pop(0)

        def close(self):
            self.closed = True

    class Ctx:  # MicroPython's SSLContext (no check_hostname)
        def wrap_socket(self, s, server_hostname=None, do_handshake_on_connect=True):
            self.args = (server_hostname, do_handshake_on_connect)
            self.tls = Tls()
            return self.tls

    class Poll:
        def __init__(self):
            self.calls = []

        def register(self, o):
            self.calls.append(('register', o))

        def modify(self, o, e):
            self.calls.append(('modify', e))

        def poll(self, ms):
            self.calls.append(('poll', ms))

    class Select:
        def poll():
            Select.p = Poll()
            return Select.p

    ctx = Ctx()
    clk = VirtualClock()
    c = client_with([], ssl=ctx, timeout=2)
    c.clock = clk
    c.start = clk.ticks_ms()  # the call began now, in virtual time
    plain = c.sock
    plain.setblocking = lambda b: plain.timeouts.append(('blocking', b))
    real = sys.modules.get('select')
    sys.modules['select'] = Select
    try:
        mqtt_tls.wrap(c)
    finally:
        if real is None:
            del sys.modules['select']
        else:
            sys.modules['select'] = real
    p = Select.p
    # first the plain socket's timeout, the time left of the call (what
    # CPython's handshake runs under), then non-blocking for MicroPython's
    assert ctx.args == ('127.0.0.1', False) and plain.timeouts == [2.0, ('blocking', False)], plain.timeouts
    assert p.calls == [('register', ctx.tls)]
    c.send(b'ab', 0, None)
    clk.advance(500)
    assert c.send(4, 0, None) == b'\x20\x02\x00\x00'
    assert ctx.tls.out == b'-ab' and plain.out == b''
    # POLLOUT (4) before each write, POLLIN (1) before each read, each wait
    # the time left of the call in ms (2 s from its start)
    assert p.calls[1:] == [('modify', 4), ('poll', 2000)] * 3 + [('modify', 1), ('poll', 1500)] * 4, p.calls
    c.close()
    assert ctx.tls.closed and c.sock is None


def test_missing_puback_is_an_oserror():
    c = client_with([OSError(110)], timeout=0.5)
    e = raises(OSError, c.publish, 't', 'x', False, 1)
    assert e.args[0] == 110
    c = client_with([b'\x40\x02'])  # closed halfway through a packet
    e = raises(OSError, c.publish, 't', 'x', False, 1)
    assert 'closed' in str(e)


def test_a_call_cut_short_mid_packet_closes_the_connection():
    # A timeout after the first 2 bytes of a PUBACK leaves its last 2 in the
    # stream: read by the next call they would be taken for a packet of
    # their own (kind 0, length 1: the next PUBACK misread, a spurious
    # timeout or 'bad packet length'); a PUBLISH cut short would take the
    # next packets' bytes as its payload at the broker. So the call closes
    # the socket, and the next one says 'not connected'.
    c = client_with([b'\x40\x02', OSError(11), b'\x00\x01\x40\x02\x00\x02'], timeout=0.5)
    s = c.sock
    e = raises(OSError, c.publish, 't', 'x', False, 1)
    assert e.args[0] == 11 and s.closed and c.sock is None
    e = raises(OSError, c.publish, 't', 'y', False, 1)
    assert msg(e) == 'not connected' and s.out == publish_packet('t', 'x', 1, False, 1)
    assert s.chunks == [b'\x00\x01\x40\x02\x00\x02']  # nothing more was read
    # a packet longer than MQTT allows here, a connection closed by the
    # broker, a write that fails half-way: the same
    c = client_with([b'\x30\x80\x01' + b'x' * 128])
    s = c.sock
    raises(MQTTError, c.publish, 't', 'x', False, 1)
    assert s.closed and c.sock is None
    c = client_with([b'\x40'])
    s = c.sock
    raises(OSError, c.ping)
    assert s.closed and c.sock is None

    class Half(FakeSock):
        def send(self, b):
            if self.out:
                raise OSError(32)  # EPIPE
            return FakeSock.send(self, b)
    c = client_with([])
    s = c.sock = Half()
    raises(OSError, c.publish, 't', 'a longer message', False, 0)
    assert s.out == publish_packet('t', 'a longer message')[:3] and s.closed and c.sock is None
    # a call that succeeds leaves it open
    c = client_with([b'\x40\x02\x00\x01', b'\xd0\x00'])
    c.publish('t', 'x', False, 1)
    c.ping()
    assert c.sock is not None and not c.sock.closed


def test_every_socket_operation_gets_the_time_left():
    # in virtual time, each recv taking 300 ms: the 8 bytes of PUBLISH go
    # in three short writes (2 s each, and once more before the loop ends),
    # then each wait for the PUBACK gets what the call has left
    clk = VirtualClock()
    c = client_with([b'\x40\x02\x00\x01'], timeout=2)
    c.clock = clk
    s = c.sock

    def recv(n, r=s.recv):
        clk.advance(300)
        return r(n)
    s.recv = recv
    c.publish('t', 'x', False, 1)
    assert s.timeouts == [2.0] * 5 + [1.7, 1.7, 1.4], s.timeouts


def test_connect_has_one_timeout_in_all_the_tcp_connect_included():
    # connect() returns or raises within timeout s in total: the CONNECT
    # packet and the CONNACK get only what the TCP connect left
    clk = VirtualClock()

    def slow_net(ms):
        net = FakeNet(clk, [CONNACK])
        make = net.socket

        def socket(af, kind, proto):
            s = make(af, kind, proto)
            s.connect = lambda a: clk.advance(ms)
            return s
        net.socket = socket
        return net
    c = MQTTClient('dev1', '127.0.0.1', timeout=2)
    c.clock = clk
    net = slow_net(1500)
    assert on_net(net, c.connect) == 0
    ts = net.socks[0].timeouts
    assert ts[0] == 2.0 and len(ts) > 2 and ts[1:] == [0.5] * (len(ts) - 1), ts
    net = slow_net(2000)  # nothing left for the CONNECT: a timeout, closed
    e = raises(OSError, on_net, net, c.connect)
    assert e.args[0] == errno.ETIMEDOUT == 110 and c.sock is None and net.socks[0].closed
    assert net.socks[0].out == b''
    # the port's number: 116 on the ESP32 (newlib's numbers), where 110 is
    # ESHUTDOWN (a stand-in errno module for the call)
    real = sys.modules.get('errno')

    class Errno:
        ETIMEDOUT = 116
    sys.modules['errno'] = Errno
    try:
        e = raises(OSError, on_net, slow_net(2000), c.connect)
    finally:  # (MicroPython keeps its built-in modules out of sys.modules)
        if real is None:
            del sys.modules['errno']
        else:
            sys.modules['errno'] = real
    assert e.args[0] == 116 and c.sock is None


def test_ping_waits_for_pingresp_and_disconnect_closes():
    c = client_with([b'\x40\x02\x00\x05', b'\xd0\x00'])
    c.ping()
    assert c.sock.out == b'\xc0\x00'
    s = c.sock
    c.disconnect()
    assert s.out == b'\xc0\x00\xe0\x00' and s.closed and c.sock is None
    c.disconnect()  # twice is fine


def test_last_will_topic_is_checked():
    c = MQTTClient('c', 'h')
    raises(ValueError, c.set_last_will, 'a/#', 'x')
    c.set_last_will('a/status', 'offline', True, 1)
    assert c.lw == ('a/status', 'offline', True, 1)


class FakeNet:
    """Stands in for the socket module: the n-th socket made plays back the
    n-th list of chunks in conns. Each recv lets `cost` ms pass on clk."""
    SOCK_STREAM = 1

    def __init__(self, clk, *conns):
        self.clk = clk
        self.conns = list(conns)
        self.socks = []
        self.cost = 0

    def getaddrinfo(self, host, port, af=0, kind=0):
        return [(2, kind, 0, '', (host, port))]

    def socket(self, af, kind, proto):
        s = FakeSock(self.conns.pop(0))
        net = self

        def recv(n, r=s.recv):
            net.clk.advance(net.cost)
            return r(n)
        s.recv = recv
        self.socks.append(s)
        return s


CONNACK = b'\x20\x02\x00\x00'


def puback(p):
    return b'\x40\x02\x00' + bytes((p,))


def on_net(net, f, *a):
    real = mqtt_client.socket
    mqtt_client.socket = net
    try:
        return f(*a)
    finally:
        mqtt_client.socket = real


def test_writer_connect_quiet_returns_true_or_false_and_never_raises():
    # the writer as its own client, at start (no wake-up yet) and later
    clk = VirtualClock()
    w = MQTTWriter('dev1', '127.0.0.1', 1883, 'home/t', clock=clk)
    net = FakeNet(clk, [CONNACK, puback(1)], [CONNACK, puback(2)], [b'\x20\x02\x00\x05'])
    assert on_net(net, w.connect, True) is True
    assert (w.connects, w.errors, w.last_error, w.state) == (1, 0, None, 1)
    assert net.socks[0].out == connect_packet('dev1', 60, None, None, ('home/t/status', 'offline', True, 1)) + \
        publish_packet('home/t/status', 'online', 1, True, 1)
    w.close()
    w.state = 0
    clk.advance(10000)  # much longer than timeout (3 s)
    assert on_net(net, w.connect, True) is True
    assert (w.connects, w.errors) == (2, 0)
    w.close()
    w.state = 0
    assert on_net(net, w.connect, True) is False  # refused: False, counted, not raised
    assert w.errors == 1 and msg(w.last_error) == 'connection refused: not authorised (wrong user name or ' \
        'password, or no access)'
    # with client=MQTTClient(...): the same, and connect() raises
    c = MQTTClient('dev2', '127.0.0.1')
    w = MQTTWriter('dev2', None, None, 'home/t', client=c, clock=clk, status=False)
    assert on_net(FakeNet(clk, [CONNACK]), w.connect, True) is True
    assert (w.connects, w.errors, c.sock is not None) == (1, 0, True)
    w.state = 0
    c.close()
    assert on_net(FakeNet(clk, [b'\x20\x02\x00\x04']), w.connect, True) is False
    assert w.errors == 1 and w.last_error.args[1] == 4
    w.state = 0
    e = raises(MQTTError, on_net, FakeNet(clk, [b'\x20\x02\x00\x04']), w.connect)
    assert msg(e) == 'connection refused: bad user name or password' and w.errors == 2


def test_writer_own_calls_made_directly_get_a_whole_timeout():
    # the README offers the writer's publish/ping/disconnect to a user:
    # each call has `timeout` s of its own, however long ago the writer's
    # last wake-up was
    clk = VirtualClock()
    w = MQTTWriter('dev1', '127.0.0.1', 1883, 'home/t', clock=clk, timeout=1, status=False)
    net = FakeNet(clk, [CONNACK, puback(1), puback(2), b'\xd0\x00'])
    on_net(net, w.connect)
    s = net.socks[0]
    w.publish('home/x', 'first', False, 1)
    clk.advance(1500)  # more than timeout since the connect
    s.timeouts = []
    w.publish('home/x', 'later', False, 1)
    assert s.timeouts[0] == 1.0, s.timeouts
    w.ping()
    w.disconnect()
    assert s.out.endswith(publish_packet('home/x', 'later', 1, False, 2) + b'\xc0\x00\xe0\x00')
    assert s.closed and w.sock is None and s.chunks == []
    assert w.timeout == 1  # (the writer's setting, unchanged by its calls)


def test_writer_wake_up_budget_is_shared_by_the_calls_of_the_wake_up():
    # own client, timeout=3: each PUBACK takes 2 s to come (1 s per recv);
    # the first publish ends at 2 s; the second gets the 1 s left and fails
    # after it (OSError 110), not after a whole timeout of its own
    clk = VirtualClock()
    w = MQTTWriter('dev1', '127.0.0.1', 1883, 'home/{sensor_id}', clock=clk, status=False)
    net = FakeNet(clk, [CONNACK, puback(1), puback(2)])
    on_net(net, w.connect)
    net.cost = 1000
    w.outbox.append(('home/a', b'[1]'))
    t0 = clk.now
    w.on_next(('a', 2, 2))
    assert (w.published, w.queued, w.errors) == (1, 1, 1), (w.published, w.queued, w.errors)
    assert w.last_error.args[0] == errno.ETIMEDOUT and clk.now - t0 == 3000, (w.last_error, clk.now - t0)
    assert w.timeout == 3 and w.start == t0
