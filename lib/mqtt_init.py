# The construction of an MQTTClient or an MQTTWriter: the checks of the
# arguments (ValueError naming the bad one) and the settings, in functions
# named after the classes (names already interned: no new qstrs). It is needed
# once per object, so it is not kept: the constructors import this module
# and it leaves sys.modules when it is done, so its RAM (1,664 bytes on the
# 64-bit Unix port) goes back to the heap. The next construction imports
# it again.
import sys

import mqtt_client
from mqtt_client import _err


def MQTTClient(self, client_id, server, port=0, user=None, password=None, keepalive=0, ssl=None, timeout=3):
    """MQTTClient.__init__'s work (see there)."""
    try:
        if not port:
            port = 8883 if ssl else 1883
        if type(port) is not int or port >> 16:  # (not 1..65535: a port 0 became the default above)
            _err('port', port)
        if type(keepalive) is not int or keepalive >> 16:  # (not 0..65535)
            _err('keepalive', keepalive)
        if type(timeout) not in (int, float) or not timeout > 0 or timeout - timeout:  # (also nan, inf; a bool is no number here)
            _err('timeout', timeout)
        for x, v in (('client_id', client_id), ('user', user)):  # (user: optional)
            try:  # a str or UTF-8 bytes, by a topic's rule (+ # allowed, may be empty): else the
                # broker drops the connection, or the CONNECT cannot be made (over 65535 bytes)
                b = (v if isinstance(v, str) else v.decode()).encode()
                ok = not b or mqtt_client.check_topic(bytes(47 if c | 8 == 43 else c for c in b).decode(), 1)
            except Exception:  # (None, not str or bytes, or bytes that are not UTF-8)
                ok = v is None and x == 'user' and password is None  # (MQTT: no password without it)
            if not ok:
                _err(x, v)
        self.name = client_id
        self.server = server
        self.port = port
        if user is not None:
            self.user = user
        if password is not None:
            self.pswd = password
        self.keepalive = keepalive
        if ssl is not None and ssl != False:  # True or an SSLContext (1, 'yes', '', {} or umqtt's old ssl_params dict: named now; 0 is False)
            if ssl is not True and not hasattr(ssl, 'wrap_socket'):
                _err('ssl', ssl)
            self.ssl = ssl
        self.timeout = timeout
    finally:
        sys.modules.pop(__name__, None)


def MQTTWriter(self, name, host, port, topic, user=None, password=None, keepalive=60, ssl=None, qos=1,
               retain=False, outbox=50, drop='oldest', spool=None, maxsize=1024, timeout=3, maxwait=64,
               every=0, batch=0, radio=None, status=True, client=None, clock=None):
    """MQTTWriter.__init__'s work (see there)."""
    try:
        mqtt_client.check_topic(topic)
        if type(qos) is not int or qos >> 1:  # (a bool is no int here)
            _err('qos', qos)
        if type(outbox) is not int or outbox < 1:
            _err('outbox', outbox)
        if drop != 'oldest' and drop != 'newest':
            _err('drop', drop)
        for x, v, n in (('maxsize', maxsize, 0), ('timeout', timeout, 0), ('maxwait', maxwait, 0),
                        ('every', every, 1), ('batch', batch, 1)):
            if type(v) not in (int, float) or not v >= 0 or not (v or n) or v - v:  # (a bool: refused on both runtimes)
                _err(x, v)  # a finite number > 0 (>= 0 when n; not nan, not inf: v - v is nan)
            if v != getattr(self, x, None):  # the class attribute: the default
                setattr(self, x, v)
        if batch > outbox:  # never that many waiting: it would never connect
            _err('batch', batch)
        if client is None:
            if not port:  # 0 would be the client's default port
                _err('port', port)
            if not host or not isinstance(host, str):
                _err('host', host)
        else:
            self.client = client
        if radio and not callable(radio):
            _err('radio', radio)
        # the connection's settings (checked there: port, keepalive)
        MQTTClient(self, name, host, port, user, password, keepalive, ssl, timeout)
        self.topic = topic
        if status:  # the topic's root: up to {sensor_id}, without a trailing /
            status = topic.split('{sensor_id')[0].rstrip('/')  # (10 characters: no string object)
            self.status = mqtt_client.check_topic((status and status + '/') + 'status')  # (past 65535 bytes: named now)
        if qos != 1:
            self.qos = qos
        if retain:
            self.retain = retain
        if clock:
            self.clock = clock
        self.outbox = []  # (topic, payload bytes), oldest first
        if outbox != 50:
            self._cap = outbox
        if drop != 'oldest':
            self.drop = drop
        # set later: start when this wake-up began, _last when the broker
        # last heard from us (and in mqtt_rare: _fail_t, _cyc)
        if radio:
            self.radio = radio
        if spool:
            self.spool = spool + ''  # a TypeError now for what is no file name (True was stdout on CPython)
            self._fn = self._fd = 0  # (mqtt_spool's: the file is empty)
            try:  # a spool left by an earlier run: replay it (else mqtt_spool is
                try:  # not imported now: no RAM, no holes in the heap)
                    open(spool).close()
                except OSError:  # FAT's rename over a file is a remove, then a rename: a
                    # reset between left <spool>.new (whole). ('.new' interns a
                    # name for good: 16 bytes; as b'.new'.decode() it would not,
                    # but the bytes object raised the construction's peak: the
                    # fast sampler then needed 28 KB, not 27)
                    __import__('os').rename(spool + '.new', spool)
            except OSError:
                pass
            else:
                import mqtt_spool
                mqtt_spool.load(self)
    finally:
        sys.modules.pop(__name__, None)


def check_topic(b):  # (this name is interned already: no new qstr)
    """True when the UTF-8 bytes b hold a surrogate (U+D800-U+DFFF, which
    MicroPython's str can hold) or a noncharacter (U+FDD0-U+FDEF, U+xFFFE,
    U+xFFFF): Mosquitto drops a client that publishes to such a topic.
    (mqtt_client.check_topic's, where a noncharacter may be; unloaded again
    when done.)"""
    try:
        n = o = 0
        for c in b:
            if n:  # a continuation byte
                o = o << 6 | c & 63
                n -= 1
            else:  # a character begins: n continuation bytes follow
                n = (c > 191) + (c > 223) + (c > 239)
                o = c & 127 >> n
            if not n and (55295 < o < 57344 or 64975 < o < 65008 or o & 65534 == 65534):
                return True
        return False
    finally:
        sys.modules.pop(__name__, None)
