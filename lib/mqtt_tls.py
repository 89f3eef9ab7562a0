# TLS for mqtt_client, imported only for ssl=True (no RAM otherwise):
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
