# A small MQTT 3.1.1 publisher with umqtt's API, for MicroPython and CPython.
# Every call (connect, publish, ping, disconnect) returns or raises within
# `timeout` seconds in total: each socket operation gets the time left.
#
#   from mqtt_client import MQTTClient
#   c = MQTTClient('board1', '192.168.1.10', user='dev', password='...', keepalive=60)
#   c.set_last_will('home/status', 'offline', True, 1)
#   c.connect()                                  # MQTTError naming a refusal
#   c.publish('home/t', '[1, 2]', False, 1)      # returns after the PUBACK
#   c.disconnect()
#
# Errors: OSError for the network (a timeout included), MQTTError when the
# broker refuses the connection (its CONNACK code, named) or breaks the
# protocol, ValueError for bad arguments. No message ever holds the password.
# A call that fails on the network or the protocol closes the connection
# (it may have stopped in the middle of a packet): connect() again.
#
# RAM: the texts of the errors live in mqtt_errors.py and TLS setup in
# mqtt_tls.py, both imported only when needed (see README.md (MQTT) for
# figures). On the Unix port imported bytecode lives in the heap, in 32-byte
# blocks: few functions, no tuples of defaults where the API allows, no
# bytes/tuple constants (each a heap object), few names in the class's
# table (user, pswd, ssl exist only when given). MQTTWriter is an
# MQTTClient too.
import socket


class MQTTError(Exception):
    """The broker refused the connection (args: message, CONNACK code) or
    sent something MQTT 3.1.1 does not allow."""


def _err(x, v, *t):
    # The texts live in mqtt_errors, imported only now: raise the error
    # about value v (x an argument name, or the kind of packet the broker
    # sent instead of a CONNACK, 0: a bad length), or, for an MQTTWriter t,
    # log the warning x about v when a logger is in use (imported and
    # initialised; else nothing). (*t rather than t=None: no tuple of
    # defaults held in RAM.)
    import sys
    m = sys.modules.get('logger')
    if not t or m and m.max_len:
        import mqtt_errors
        mqtt_errors.error(x, v, *t)


def pack(x, s):
    # the packet: fixed header x, the remaining length (a varint), body s
    b = [x]
    n = len(s)
    while n > 127:
        b.append(n & 127 | 128)
        n >>= 7
    return bytes(b + [n]) + s


def connect_packet(client_id, keepalive=0, user=None, password=None, will=None, clean=True):
    """CONNECT (MQTT 3.1.1) as bytes. will: (topic, msg, retain, qos) or None."""
    f = 2 if clean else 0
    t = m = None
    if will:
        t, m, r, q = will
        f |= 4 | (q << 3) | (32 if r else 0)
    if user is None:
        password = None
    else:
        f |= 128 if password is None else 192
    p = bytes((0, 4, 77, 81, 84, 84, 4, f, keepalive >> 8, keepalive & 255))  # 'MQTT', level 4
    for s in (client_id, t, m, user, password):
        if s is not None:  # a string: 2-byte length, then UTF-8 bytes
            if isinstance(s, str):
                s = s.encode()
            p += bytes((len(s) >> 8, len(s) & 255)) + s
    return pack(0x10, p)


def publish_packet(topic, msg, qos=0, retain=False, pid=0, dup=False):
    """PUBLISH as bytes; pid (1-65535) only with qos 1."""
    if isinstance(topic, str):
        topic = topic.encode()
    if isinstance(msg, str):
        msg = msg.encode()
    return pack(0x30 | (8 if dup else 0) | (qos << 1) | (1 if retain else 0),
                bytes((len(topic) >> 8, len(topic) & 255)) + topic
                + bytes((pid >> 8, pid & 255) if qos else ()) + msg)


def check_topic(topic, *q):
    """ValueError unless topic is a valid topic to publish to: a non-empty
    str of at most 65535 bytes without + # or a control character
    (U+0000-U+001F, U+007F-U+009F), a surrogate or a noncharacter (U+FDD0-
    U+FDEF, U+xFFFE, U+xFFFF): a broker drops the connection (MQTT 3.1.1
    1.5.3). Returns topic. (With q, as the writer checks each event's
    topic: returns None instead of raising.)"""
    try:
        b = topic.encode()
    except:  # noqa: E722 (not a str, or on CPython a lone surrogate; bare: less RAM)
        b = ''
    p = x = 0
    for c in b:  # the UTF-8 bytes (a str's characters would each become a qstr)
        if c < 32 or c | 8 == 43 or c == 127 or p == 194 and c < 160 or p == 237 and c > 159:
            b = 0  # (c | 8 == 43: + or #; U+0080-U+009F: 0xc2 0x80-0x9f; a surrogate: 0xed 0xa0-0xbf)
        if p == 191 and c | 1 == 191 or p == 239 and c == 183:
            x = 1  # maybe a noncharacter (U+xFFFE/F end in 0xbf 0xbe/f: c | 1 == 191; U+FDD0-U+FDEF: 0xef 0xb7 ..)
        p = c
    # (the characters are decoded in mqtt_init, imported only then: not for
    # other text, e.g. an emoji or Hangul in each event's sensor id)
    if b and len(b) < 65536 and not (x and __import__('mqtt_init').check_topic(b)):
        return topic
    if not q:
        _err('topic', topic)


class MQTTClient:
    """umqtt.simple's API with timeouts. port 0: 1883, or 8883 with ssl.
    keepalive: seconds (0 = none; the caller sends ping()). ssl: False/None,
    True (TLS, no certificate check) or an SSLContext (e.g. with the CA
    loaded). timeout: seconds each call may take in all (default 3).
    Attributes: sock (None when not connected), timeout (may be changed
    between calls), pid (the last packet id), lw (the last will), name (the
    client id)."""
    sock = lw = None
    pid = state = 0  # state (MQTTWriter's): 1 connected, 0 not, < 0 lost (-ms: backing off)
    from thingflow import default_clock as clock  # ticks_ms/ticks_diff (MQTTWriter's clock= too)
    client = None  # MQTTWriter's client= (None: itself)
    # (user, pswd and ssl: set only when given; the class has no default
    # for them, as each name in its table costs RAM)

    def __init__(self, *a, **k):
        # (client_id, server, port=0, user=None, password=None, keepalive=0,
        # ssl=None, timeout=3): the signature, checks and settings are
        # mqtt_init's, unloaded again when done
        import mqtt_init
        mqtt_init.MQTTClient(self, *a, **k)

    def set_last_will(self, topic, msg, retain=False, qos=0):
        """The message the broker publishes when the connection is lost
        (qos: the int 0 or 1, as for publish)."""
        if type(qos) is not int or qos >> 1:
            _err('qos', qos)
        self.lw = (check_topic(topic), msg, retain, qos)

    def send(self, x, n, v):
        # The I/O with the broker, each socket operation with the time left
        # of the call (start: when it began) as its timeout. x bytes: send
        # them all; x an int: read x bytes and return them. Then with n, read
        # the broker's packets up to the first of kind n (with the body v, if
        # given), or with n < 0 the next one: returns (kind, body). Bytes
        # with n >= 0 begin a call of the API (connect starts its own), which
        # starts the clock, except in an MQTTWriter's wake-up: its run makes
        # timeout negative for the call (-timeout s from its start).
        s = self.sock
        if s is None:
            raise OSError('not connected')
        try:
            r = type(x) is int
            t = self.timeout
            if not r and n >= 0 and t > 0:
                self.start = self.clock.ticks_ms()
            f = s.recv if r else s.send  # (mqtt_tls gives MicroPython's TLS socket both)
            b = bytes() if r else memoryview(x)
            while True:
                c = self.clock
                m = abs(t) * 1000 - c.ticks_diff(c.ticks_ms(), self.start)
                if m <= 0:
                    raise OSError(__import__('errno').ETIMEDOUT)  # the port's number
                s.settimeout(m / 1000)
                if not r:
                    if not b:
                        break
                    m = f(b)
                    if m:
                        b = b[m:]
                elif len(b) < x:
                    m = f(x - len(b))
                    if m is not None:  # None: no data yet (a non-blocking TLS read)
                        if not m:
                            raise OSError('closed by the broker')
                        b += m
                else:
                    break
            while n:
                # a broker sends a client that does not subscribe only CONNACK,
                # PUBACK and PINGRESP: a remaining length of 2 bytes at most
                # (one byte of the varint); anything longer breaks the protocol
                k, x = self.send(2, 0, None)
                if x > 127:
                    _err(0, 0)
                x = self.send(x, 0, None)
                if n < 0 or k == n and (v is None or x == v):
                    return k, x
            return b
        except:  # noqa: E722 (bare: less RAM) a call cut short leaves the stream
            self.close()  # mid-packet (what comes next would be misread): closed
            raise

    def connect(self, clean=True):
        """Open the connection; returns the session-present flag.
        MQTTError names a refusal (e.g. 'bad user name or password')."""
        self.close()
        if self.timeout > 0:  # (see send)
            self.start = self.clock.ticks_ms()
        a = socket.getaddrinfo(self.server, self.port, 0, 1)[0]  # 1: SOCK_STREAM
        s = self.sock = socket.socket(*a[:3])
        try:
            self.send(0, 0, None)  # the timeout of the connect
            s.connect(a[-1])
            if getattr(self, 'ssl', None):
                import mqtt_tls
                mqtt_tls.wrap(self)
            a, s = self.send(connect_packet(self.name, self.keepalive, getattr(self, 'user', None),
                                            getattr(self, 'pswd', None), self.lw, clean), -1, None)
            if a != 0x20 or len(s) != 2 or s[1]:  # not a CONNACK that accepts
                _err(a, s)
            return s[0] & 1
        except Exception:
            self.close()
            raise

    def publish(self, topic, msg, retain=False, qos=0):
        """Send msg (str or bytes) to topic; with qos 1, returns after the
        broker's PUBACK for this packet id (OSError when it does not come)."""
        if type(qos) is not int or qos >> 1:  # (a bool is no int here)
            _err('qos', qos)
        p = qos and self.pid % 65535 + 1  # the packet id (qos 1)
        if p:
            self.pid = p
        self.send(publish_packet(topic, msg, qos, retain, p), qos << 6, qos and p.to_bytes(2, 'big'))

    def ping(self):
        """PINGREQ, then wait for the PINGRESP."""
        self.send(bytes((0xc0, 0)), 0xd0, None)

    def disconnect(self):
        """DISCONNECT (the broker then drops the last will) and close."""
        try:
            if self.sock:
                self.send(bytes((0xe0, 0)), 0, None)
        finally:
            self.close()

    def close(self):
        """Close the socket without DISCONNECT (the last will is published)."""
        s = self.sock
        self.sock = None
        if s is not None:
            try:
                s.close()
            except OSError:
                pass
