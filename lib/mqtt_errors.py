# The texts of mqtt_client's and mqtt_writer's errors and log lines, kept
# apart so that they cost no RAM until one is needed (a bad argument, a
# refused connection, or a warning while a logger is in use):
#
#   MQTTWriter('b1', host, 1883, 'home/#')
#   -> ValueError("topic 'home/#': + and # are for subscribing, not publishing")
#
# No text made here holds a password: log lines have it replaced by ***, in
# every form a repr can give it (escaped, in str or bytes).
# The texts are a few long strings (one object each) rather than tables of
# many (an object each): 'name:text' lines for the arguments; the CONNACK
# refusals by code (1-5); why an event was refused (codes 0-4).
_WANT = """qos:want 0 or 1
outbox:want a number of messages > 0
drop:want 'oldest' or 'newest'
maxsize:want a finite number > 0
timeout:want a finite number > 0
maxwait:want a finite number > 0
every:want a finite number >= 0 (0: off)
batch:want a finite number >= 0 (0: off), at most outbox
port:want 1-65535
keepalive:want 0-65535 s
ssl:want True or an SSLContext (an object with wrap_socket)
host:want a host name or address
radio:want a callable: radio(True), radio(False)
client_id:want a str or UTF-8 bytes without control characters, surrogates or noncharacters, at most 65535 bytes
user:want a str or UTF-8 bytes without control characters, surrogates or noncharacters, at most 65535 bytes
pw:want one with a password (MQTT 3.1.1: no password without a user name)
topic:want a non-empty string
+:+ and # are for subscribing, not publishing
\x00:no control character (U+0000-U+001F, U+007F-U+009F), surrogate or noncharacter, at most 65535 bytes"""

_REFUSED = """unacceptable protocol version
client identifier rejected
server unavailable
bad user name or password
not authorised (wrong user name or password, or no access)"""

_WHY = """no sensor_id for the topic
its sensor_id puts + # or a control character or noncharacter into the topic, or leaves it empty or longer than 65535 bytes
JSON cannot encode it
bigger than maxsize
writer closed"""


def error(k, v, w=None):
    """Without w: raise the error about value v. ValueError when k is an
    argument name; MQTTError when k is the kind of packet the broker sent
    instead of a CONNACK (v its body, bytes; a CONNACK with a return code:
    the refusal, named; v 0: a packet length that MQTT does not allow).
    With w (an MQTTWriter): log a warning about v through
    logger.get_logger() (nothing when no logger is initialised); k: 0-4 the
    event v was refused (why: line k of _WHY), 5 network failure v, 6 spool
    failure v, 7 error v from upstream."""
    if w is not None:
        return _note(w, k, v)
    if isinstance(k, str):
        n = k
        if k == 'topic' and isinstance(v, str) and v:  # which rule it breaks
            n = '+' if '+' in v or '#' in v else '\x00'
        if k == 'user' and v is None:  # a password given without it
            n = 'pw'
        for ln in _WANT.split('\n'):
            ln = ln.split(':', 1)
            if ln[0] == n:
                raise ValueError('%s %r: %s' % (k, v, ln[1]))
    from mqtt_client import MQTTError
    if v == 0:  # (v: the packet's body, bytes, when k is its kind, 0 too)
        raise MQTTError('bad packet length from the broker')
    if k != 0x20 or len(v) != 2:
        raise MQTTError('no CONNACK from the broker (packet 0x%02x)' % k)
    k = v[1]
    raise MQTTError('connection refused: %s' % (_REFUSED.split('\n')[k - 1] if k <= 5 else 'code %d' % k), k)


def _note(w, k, x):
    try:
        if k < 5:
            m = 'event %r refused: %s' % (x, _WHY.split('\n')[k])
        elif k == 5:
            m = 'network: %r (retry in %d ms; %d waiting, %d dropped)' % (x, -w.state, len(w.outbox), w.dropped)
        elif k == 6:
            m = 'spool %s: %r' % (w.spool, x)
        else:
            m = 'upstream error %r' % (x,)
        m = _mask(m, getattr(w, 'pswd', None))
    except Exception:  # (a repr that fails): the kind of error only
        m = 'error %d: %s' % (k, type(x).__name__)
    try:
        from logger import get_logger
        get_logger().warning('mqtt %s: %s', w.name, m)
    except Exception:
        pass


def _mask(m, p):
    # m with every form of the password p (str or bytes) replaced by ***:
    # as it is, and as a repr shows it in a str or in bytes, between either
    # quote (escaped \\ ' " and control characters), also repr'd twice (a
    # message that holds a repr of it; either quote at each level)
    if not p:
        return m
    x = [p, p.encode()] if isinstance(p, str) else [bytes(p)]
    try:
        x.append(x[0].decode())
    except Exception:  # (a str, or bytes that are not UTF-8: no str form)
        pass
    f = []
    for y in x:
        if isinstance(y, str):
            f.append(y)
        g = [y]
        for i in (1, 2):  # a repr of it, and a repr of that
            h = []
            for r in g:
                r = repr((b'"' if isinstance(r, bytes) else '"') + r)
                r = r[r.index('"') + 1:-1]  # within ' quotes (after b' or '; " never escaped there)
                h += [r, r.replace("\\'", "'")]  # and within " quotes (' not escaped)
            f += h
            g = h
    f.sort(key=len, reverse=True)
    for y in f:
        if y:
            m = m.replace(y, '***')
    return m
