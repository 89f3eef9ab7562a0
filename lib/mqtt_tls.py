# TLS for mqtt_client, imported only for ssl= (no RAM otherwise):
#
#   MQTTClient('board1', host, ssl=True)    # encrypted, broker not checked
#
# ssl=True accepts any certificate: a man in the middle gets the password
# and the data. To check the broker, pass an SSLContext instead, with the
# CA loaded (on MicroPython as DER bytes: ctx.load_verify_locations(cadata=der))
# and verify_mode = CERT_REQUIRED set: MicroPython's ssl.SSLContext(
# PROTOCOL_TLS_CLIENT) starts with CERT_NONE (CPython's with CERT_REQUIRED)
# and then checks nothing, CA or not. The certificate must be for the host
# name or address given as server (sent as SNI too). The ESP8266's axTLS
# cannot check one: CERT_NONE only, no load_verify_locations.


def context():
    """An SSLContext for encryption without a certificate check, from the
    runtime's ssl module (MicroPython's tls module when ssl is missing)."""
    try:
        import ssl
    except ImportError:
        import tls as ssl
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if hasattr(c, 'check_hostname'):
        c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


def wrap(c):
    """TLS over the connected socket of client c (c.ssl: True or an
    SSLContext). CPython's handshake runs under the socket's timeout (a
    deadline for all of it), set to the time the TCP connect left;
    MicroPython's goes on in _Sock's reads and writes, each bounded by the
    time left of the call."""
    x = c.ssl  # (checked at construction: mqtt_init)
    c.send(0, 0, None)  # the socket's timeout: the time left of the call (CPython's handshake)
    if x is True:
        x = context()
    s = c.sock
    if hasattr(x, 'check_hostname'):  # CPython's SSLContext
        c.sock = x.wrap_socket(s, server_hostname=c.server)
    else:
        s.setblocking(False)
        c.sock = _Sock(x.wrap_socket(s, server_hostname=c.server, do_handshake_on_connect=False), c.server)


class _Sock:
    # MicroPython's TLS socket has no settimeout, recv or send, and one read
    # or write of it may wait on the plain socket many times (the handshake),
    # each time for the plain socket's whole timeout: no bound. So the plain
    # socket is non-blocking, and recv/send first wait with poll, at most the
    # time given to settimeout, until the TLS socket can go on (its poll knows
    # whether the TLS engine waits to read or to write); read/write then
    # return None when the engine still waits (MQTTClient.send loops).
    # A broker's certificate refused (mbedtls: a ValueError, without the
    # host) is an OSError naming the host, as on CPython (an SSLError).
    def __init__(self, t, h):
        import select
        self.t = t
        self.h = h
        self.close = t.close
        self.p = select.poll()
        self.p.register(t)

    def settimeout(self, v):
        self.v = v

    def recv(self, n, *w):
        # (w: to send bytes n instead)
        self.p.modify(self.t, 4 if w else 1)  # POLLOUT or POLLIN
        self.p.poll(int(self.v * 1000))
        try:
            return self.t.write(n) if w else self.t.read(n)
        except ValueError as e:
            raise OSError('TLS %s: %s' % (self.h, ' '.join(str(e).split())))

    def send(self, b):
        return self.recv(b, 1)
