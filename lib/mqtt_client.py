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
import socket

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

from thingflow import ticks_ms, ticks_diff

_ETIMEDOUT = const(110)
_PUBACK = const(0x40)

_REFUSED = ('unacceptable protocol version', 'client identifier rejected',
            'server unavailable', 'bad user name or password',
            'not authorised (wrong user name or password, or no access)')


class MQTTError(Exception):
    """The broker refused the connection (args: message, CONNACK code) or
    sent something MQTT 3.1.1 does not allow."""


def _str(s):  # 2-byte length, then UTF-8 bytes
    if isinstance(s, str):
        s = s.encode()
    return bytes((len(s) >> 8, len(s) & 255)) + s


def _fixed(kind, n):
    # fixed header: packet type and flags, then the remaining length (varint)
    b = bytearray((kind,))
    while True:
        d = n & 127
        n >>= 7
        b.append(d | 128 if n else d)
        if not n:
            return b


def connect_packet(client_id, keepalive=0, user=None, password=None, will=None, clean=True):
    """CONNECT (MQTT 3.1.1) as bytes. will: (topic, msg, retain, qos) or None."""
    f = 2 if clean else 0
    p = _str(client_id)
    if will:
        f |= 4 | (will[3] << 3) | (32 if will[2] else 0)
        p += _str(will[0]) + _str(will[1])
    if user is not None:
        f |= 128
        p += _str(user)
        if password is not None:
            f |= 64
            p += _str(password)
    v = b'\x00\x04MQTT\x04' + bytes((f, keepalive >> 8, keepalive & 255))
    return bytes(_fixed(0x10, len(v) + len(p))) + v + p


def publish_packet(topic, msg, qos=0, retain=False, pid=0, dup=False):
    """PUBLISH as bytes; pid (1-65535) only with qos 1."""
    if isinstance(msg, str):
        msg = msg.encode()
    t = _str(topic)
    n = len(t) + len(msg) + (2 if qos else 0)
    h = _fixed(0x30 | (8 if dup else 0) | (qos << 1) | (1 if retain else 0), n)
    h += t
    if qos:
        h.append(pid >> 8)
        h.append(pid & 255)
    return bytes(h) + msg


def check_topic(topic):
    """ValueError unless topic is a valid topic to publish to (no wildcard)."""
    if not isinstance(topic, str) or not topic:
        raise ValueError('topic %r: want a non-empty string' % (topic,))
    if '+' in topic or '#' in topic:
        raise ValueError('topic %r: + and # are for subscribing, not publishing' % (topic,))
    if '\x00' in topic or '\n' in topic or len(topic.encode()) > 65535:
        raise ValueError('topic %r: no NUL or newline, at most 65535 bytes' % (topic,))
    return topic


def _tls_context():
    # ssl=True: encryption without a certificate check (pass an SSLContext
    # with the CA loaded to check the broker)
    try:
        import ssl
    except ImportError:
        import tls as ssl
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if hasattr(c, 'check_hostname'):
        c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


class MQTTClient:
    """umqtt.simple's API with timeouts. port 0: 1883, or 8883 with ssl.
    keepalive: seconds (0 = none; the caller sends ping()). ssl: False/None,
    True (TLS, no certificate check) or an SSLContext (e.g. with the CA
    loaded). timeout: seconds each call may take in all (default 3).
    Attributes: sock (None when not connected), timeout (may be changed
    between calls)."""

    def __init__(self, client_id, server, port=0, user=None, password=None, keepalive=0,
                 ssl=None, timeout=3):
        if not port:
            port = 8883 if ssl else 1883
        if not (isinstance(port, int) and 0 < port < 65536):
            raise ValueError('port %r: want 1-65535' % (port,))
        if not (isinstance(keepalive, int) and 0 <= keepalive < 65536):
            raise ValueError('keepalive %r: want 0-65535 s' % (keepalive,))
        if not timeout or timeout <= 0:
            raise ValueError('timeout %r: want seconds > 0' % (timeout,))
        self.client_id = client_id
        self.server = server
        self.port = port
        self.user = user
        self.pswd = password
        self.keepalive = keepalive
        self.ssl = ssl
        self.timeout = timeout
        self.sock = None
        self.pid = 0
        self.lw = None
        self._t0 = 0

    def set_last_will(self, topic, msg, retain=False, qos=0):
        """The message the broker publishes when the connection is lost."""
        check_topic(topic)
        self.lw = (topic, msg, retain, qos)

    def _left(self):
        # start of each socket operation: the time left for this call
        ms = int(self.timeout * 1000) - ticks_diff(ticks_ms(), self._t0)
        if ms <= 0:
            raise OSError(_ETIMEDOUT)
        self._raw.settimeout(ms / 1000)

    def _send(self, b):
        s = self.sock
        w = getattr(s, 'send', None) or s.write
        b = memoryview(b)
        while b:
            self._left()
            n = w(b)
            if n:
                b = b[n:]

    def _recv(self, n):
        s = self.sock
        r = getattr(s, 'recv', None) or s.read
        b = b''
        while len(b) < n:
            self._left()
            d = r(n - len(b))
            if d is None:  # no data yet (a non-blocking TLS read)
                continue
            if not d:
                raise OSError('connection closed by the broker')
            b += d
        return b

    def _packet(self):
        # the next packet from the broker: (first byte, body)
        k = self._recv(1)[0]
        n = sh = 0
        while True:
            d = self._recv(1)[0]
            n |= (d & 127) << sh
            if not d & 128:
                break
            sh += 7
            if sh > 21:
                raise MQTTError('bad packet length from the broker')
        return k, self._recv(n) if n else b''

    def connect(self, clean=True):
        """Open the connection; returns the session-present flag.
        MQTTError names a refusal (e.g. 'bad user name or password')."""
        self.close()
        self._t0 = ticks_ms()
        a = socket.getaddrinfo(self.server, self.port, 0, socket.SOCK_STREAM)[0]
        s = socket.socket(a[0], a[1], a[2])
        self.sock = self._raw = s
        try:
            self._left()
            s.connect(a[-1])
            if self.ssl:
                c = _tls_context() if self.ssl is True else self.ssl
                s = c.wrap_socket(s, server_hostname=self.server)
                self.sock = s
                if hasattr(s, 'settimeout'):
                    self._raw = s
            return self._hello(clean)
        except Exception:
            self.close()
            raise

    def _hello(self, clean):
        # CONNECT, then the broker's CONNACK
        self._send(connect_packet(self.client_id, self.keepalive, self.user, self.pswd,
                                  self.lw, clean))
        k, b = self._packet()
        if k != 0x20 or len(b) != 2:
            self.close()
            raise MQTTError('no CONNACK from the broker (packet 0x%02x)' % k)
        if b[1]:
            self.close()
            c = b[1]
            raise MQTTError('connection refused: %s' % (_REFUSED[c - 1] if c <= 5 else 'code %d' % c), c)
        return b[0] & 1

    def publish(self, topic, msg, retain=False, qos=0):
        """Send msg (str or bytes) to topic; with qos 1, returns after the
        broker's PUBACK for this packet id (OSError when it does not come)."""
        if qos not in (0, 1):
            raise ValueError('qos %r: want 0 or 1' % (qos,))
        if self.sock is None:
            raise OSError('not connected')
        self._t0 = ticks_ms()
        pid = 0
        if qos:
            self.pid = pid = self.pid % 65535 + 1
        self._send(publish_packet(topic, msg, qos, retain, pid))
        while qos:
            k, b = self._packet()
            if k == _PUBACK and len(b) == 2 and (b[0] << 8 | b[1]) == pid:
                return

    def ping(self):
        """PINGREQ, then wait for the PINGRESP."""
        self._t0 = ticks_ms()
        self._send(b'\xc0\x00')
        while self._packet()[0] != 0xd0:
            pass

    def disconnect(self):
        """DISCONNECT (the broker then drops the last will) and close."""
        try:
            if self.sock is not None:
                self._t0 = ticks_ms()
                self._send(b'\xe0\x00')
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
