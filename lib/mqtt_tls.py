# TLS for mqtt_client, imported only for ssl= (no RAM otherwise):
#
#   MQTTClient('board1', host, ssl=True)    # encrypted, broker not checked
#
# To check the broker, pass an SSLContext instead, with the CA loaded
# (on MicroPython as DER bytes: ctx.load_verify_locations(cadata=der)) and
# verify_mode = CERT_REQUIRED.


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
    SSLContext); the handshake runs under the plain socket's timeout."""
    x = c.ssl
    if x is True:
        x = context()
    s = c.sock
    t = x.wrap_socket(s, server_hostname=c.server)
    c.sock = t if hasattr(t, 'settimeout') else _Sock(t, s)


class _Sock:
    # MicroPython's TLS socket has no settimeout, recv or send: the TLS
    # socket's read/write/close under those names, the timeouts going to the
    # plain socket under it (bound methods: no code of their own here)
    def __init__(self, t, s):
        self.send = t.write
        self.recv = t.read
        self.close = t.close
        self.settimeout = s.settimeout
