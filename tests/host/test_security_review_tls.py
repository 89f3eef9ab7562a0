"""Security review of the MQTT path over TLS, on CPython and on MicroPython,
against a real Mosquitto whose certificate comes from a throwaway CA:

- an SSLContext with the CA loaded and verify_mode = CERT_REQUIRED checks
  the broker's certificate and its host name: a certificate for another
  host, or one signed by another CA, is refused before the CONNECT (and the
  password in it) is sent, with an OSError naming the host on both runtimes
  (MicroPython's mbedtls raised a ValueError without the host: not the
  documented OSError of the network, and `except OSError` missed it);
- ssl=True checks nothing, as the README says (the same broker is accepted);
- the host name goes out as SNI;
- a log line never shows the password, also when a message holds a repr of
  it that is repr'd again (either quote at either level)."""
import socket
import ssl
import threading

import pytest

from test_mqtt import RUNTIMES, run_script
from thingflow_mpy.broker import Broker, free_port, make_certificates

PW = 'Tls-Pw-4711'

CLIENT = r'''
import sys
try:
    import ssl
except ImportError:
    import tls as ssl
from mqtt_client import MQTTClient
port, ca, host = int(sys.argv[1]), sys.argv[2], sys.argv[3]
if ca == 'none':
    s = True
else:
    s = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    with open(ca, 'rb') as f:
        s.load_verify_locations(cadata=f.read())
    s.verify_mode = ssl.CERT_REQUIRED
c = MQTTClient('rev', host, port, user='dev', password=sys.argv[4], ssl=s, timeout=3)
try:
    c.connect()
    print('connected')
    c.disconnect()
except OSError as e:
    print('OSError', e)
except Exception as e:
    print('other', type(e).__name__, e)
print('sock', c.sock)
'''


def make_certs(folder, cn, dns=(), ips=()):
    """The Broker's files (ca.pem, server.pem, server.key) in folder, from a
    throwaway CA (named as the test broker's) and a certificate for cn with
    the given subjectAltNames, without key identifiers (a CA of the same
    name and another key is then tried by signature); returns the CA as DER."""
    ca = make_certificates(folder, cn=cn, dns=dns, ips=ips, key_ids=False)[0]
    return ssl.PEM_cert_to_DER_cert(ca.read_text())


@pytest.fixture
def tls_broker():
    """make(cn, dns, ips): a Mosquitto with a password and TLS only, whose
    certificate is for cn/dns/ips; .ca_der its CA."""
    made = []

    def make(cn, dns=(), ips=()):
        b = Broker(users={'dev': PW}, tls=True, start=False)
        made.append(b)
        b.ca_der = make_certs(b.dir, cn, dns, ips)
        return b.start()
    yield make
    for b in made:
        b.close()


def connect(runtime, mpy_lib, tmp_path, b, host, ca_der=None):
    app = tmp_path / 'tls_client.py'
    app.write_text(CLIENT)
    ca = 'none'
    if ca_der is not None:
        ca = tmp_path / 'ca.der'
        ca.write_bytes(ca_der)
    res = run_script(runtime, mpy_lib, app, b.port, ca, host, PW)
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout.splitlines()


def connected_as_rev(b):
    # Mosquitto logs a client once its CONNECT came: 'New client connected from ... as rev'
    return ' as rev ' in b.log()


# CPython's message for each refusal (up to "(_ssl.c:NNN)", which varies by version), MicroPython's
CPYTHON_WRONG_HOST = ("OSError [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: IP address mismatch, "
                      "certificate is not valid for '127.0.0.1'. (_ssl.c:")
MPY_WRONG_HOST = 'OSError TLS 127.0.0.1: The certificate Common Name (CN) does not match with the expected CN'
CPYTHON_WRONG_CA = 'OSError [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate signature failure'
MPY_WRONG_CA = 'OSError TLS 127.0.0.1: The certificate is not correctly signed by the trusted CA'


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_a_certificate_for_another_host_is_refused_before_the_connect(runtime, mpy_lib, tmp_path, tls_broker):
    b = tls_broker('wrong.example', dns=['wrong.example'])
    lines = connect(runtime, mpy_lib, tmp_path, b, '127.0.0.1', b.ca_der)
    if runtime == 'cpython':
        assert lines[0].startswith(CPYTHON_WRONG_HOST), lines
    else:
        assert lines[0] == MPY_WRONG_HOST, lines
    assert lines[1] == 'sock None' and PW not in '\n'.join(lines)
    assert not connected_as_rev(b)  # no CONNECT (and no password) went to that broker
    # ssl=True checks nothing (as the README says): the same broker is taken
    lines = connect(runtime, mpy_lib, tmp_path, b, '127.0.0.1')
    assert lines == ['connected', 'sock None'] and connected_as_rev(b)


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_a_certificate_from_another_ca_is_refused_before_the_connect(runtime, mpy_lib, tmp_path, tls_broker):
    b = tls_broker('127.0.0.1', dns=['localhost'], ips=['127.0.0.1'])
    other = make_certs(tmp_path, '127.0.0.1', dns=['localhost'], ips=['127.0.0.1'])  # same CA name, other key
    lines = connect(runtime, mpy_lib, tmp_path, b, '127.0.0.1', other)
    assert lines[0].startswith(CPYTHON_WRONG_CA if runtime == 'cpython' else MPY_WRONG_CA), lines
    assert lines[1] == 'sock None' and not connected_as_rev(b)


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_the_right_broker_is_accepted_by_address_and_by_name(runtime, mpy_lib, tmp_path, tls_broker):
    b = tls_broker('127.0.0.1', dns=['localhost'], ips=['127.0.0.1'])
    for host in ('127.0.0.1', 'localhost'):
        assert connect(runtime, mpy_lib, tmp_path, b, host, b.ca_der) == ['connected', 'sock None'], host


@pytest.fixture
def sni_server(tmp_path):
    """A TLS server on 127.0.0.1 that records the server name (SNI) each
    client sends, then closes: (port, names)."""
    make_certs(tmp_path, '127.0.0.1', dns=['localhost'], ips=['127.0.0.1'])
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(tmp_path / 'server.pem'), str(tmp_path / 'server.key'))
    names = []
    ctx.sni_callback = lambda s, name, c: names.append(name)
    srv = socket.socket()
    srv.bind(('127.0.0.1', 0))
    srv.listen(4)

    def serve():
        while True:
            try:
                c = srv.accept()[0]
            except OSError:
                return
            try:
                c.settimeout(5)
                ctx.wrap_socket(c, server_side=True).close()
            except OSError:
                c.close()
    threading.Thread(target=serve, daemon=True).start()
    yield srv.getsockname()[1], names
    srv.close()


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_the_host_name_goes_out_as_sni(runtime, mpy_lib, tmp_path, sni_server):
    port, names = sni_server

    class B:
        pass
    b = B()
    b.port = port
    lines = connect(runtime, mpy_lib, tmp_path, b, 'localhost')
    assert lines[0].startswith('OSError') and names == ['localhost'], (lines, names)


LOG_APP = r'''
import sys
import logger
from mqtt_writer import MQTTWriter
pw = sys.argv[3]
logger.initialize_logging(sys.argv[2])
w = MQTTWriter('b1', '127.0.0.1', int(sys.argv[1]), 't/{sensor_id}', user='dev', password=pw, timeout=1)
w.on_next(('t', 1, 2))                          # nothing listens: a network failure, logged
w.on_error(ValueError('login %r refused' % pw))  # the repr of the password in a message, repr'd
logger.close()
print('errors', w.errors)
'''


@pytest.mark.parametrize('pw', ["Zq9\\'Xw7", 'Zq9"\\Xw7', "Zq9'\"Xw7"])
@pytest.mark.parametrize('runtime', RUNTIMES)
def test_a_password_repr_d_twice_is_masked_in_the_log(runtime, mpy_lib, tmp_path, pw):
    app = tmp_path / 'log_app.py'
    app.write_text(LOG_APP)
    log = tmp_path / 'app.log'
    res = run_script(runtime, mpy_lib, app, free_port(), log, pw)
    assert res.returncode == 0 and res.stdout.startswith('errors '), res.stdout + res.stderr
    text = log.read_text()
    assert 'upstream error ValueError(' in text and 'refused' in text and '***' in text, text
    assert 'Zq9' not in text and 'Xw7' not in text, text


MASK_FUZZ = r'''
from mqtt_errors import _mask
CH = ('a', "'", '"', '\\', '\n', '\x7f', '\u00e9', '\t')
CTX = ('%s', "it's %s", 'say "%s"', "x'\"%s", '%s\'"')
mids = list(CH) + [a + b for a in CH for b in CH]
n = leaks = 0
for i in range(len(mids)):
    p = 'Zq9' + mids[i] + 'Xw7'
    c1 = CTX[i % 5] % p
    c2 = CTX[i // 5 % 5] % repr(c1)  # a message that holds a repr of one that holds the password
    for m in ('e %r' % (c1,), 'e %r' % (c2,), 'e %r' % ((c1,),), 'e %r' % (c1.encode(),),
              'e %r' % (repr(c1.encode()),)):
        n += 1
        r = _mask(m, p)
        if 'Zq9' in r or 'Xw7' in r:
            leaks += 1
print('cases', n, 'leaks', leaks)
'''


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_no_part_of_a_password_is_left_in_reprs_of_reprs(runtime, mpy_lib, tmp_path):
    # every password of 'Zq9' + one or two of ' " \\ newline DEL é tab + 'Xw7',
    # in a message, repr'd once or twice (with either quote at each level, as
    # the text around it makes the repr choose), in str and bytes: all masked
    # (the masking knew only one quote for both levels: 8 of these leaked)
    app = tmp_path / 'mask_fuzz.py'
    app.write_text(MASK_FUZZ)
    res = run_script(runtime, mpy_lib, app)
    assert res.stdout.split() == ['cases', '360', 'leaks', '0'], res.stdout + res.stderr


@pytest.mark.parametrize('url', [
    'mqtt://dev:Zq9\nXw7@h:x',     # a line break (from a file read into the argument)
    'mqtt://dev:Zq9\r\nXw7@h:0',
    'mqtt://dev:Zq9\tXw7/a@h:0',   # a tab, and a raw '/' after it
])
def test_a_bad_broker_url_with_a_line_break_in_its_password_never_shows_it(url):
    # urlsplit drops tabs and line breaks, the message shows the URL as
    # given: the mask (up to the last '@') stopped at the line break
    from thingflow_mpy.listen import UsageError, parse_broker
    with pytest.raises(UsageError) as e:
        parse_broker(url)
    m = str(e.value)
    assert m.startswith("bad broker URL 'mqtt://dev:***@h:"), m
    assert 'Zq9' not in m and 'Xw7' not in m, m


BAD_SSL = r'''
import sys
from mqtt_client import MQTTClient
from mqtt_writer import MQTTWriter
port = int(sys.argv[1])
for v in (1, 'yes', {'cadata': b'x'}, {}, '', True, False, None, 0):
    try:
        c = MQTTClient('rev', '127.0.0.1', port, ssl=v, timeout=2)
        print('made', getattr(c, 'ssl', None), c.port, c.sock)
    except Exception as e:
        print(type(e).__name__, e)
try:
    MQTTWriter('rev', '127.0.0.1', port, 't', ssl='yes', timeout=2)
except Exception as e:
    print('writer', type(e).__name__, e)
'''


@pytest.mark.parametrize('runtime', RUNTIMES)
def test_a_bad_ssl_value_is_named_at_construction(runtime, mpy_lib, tmp_path):
    # ssl=1, 'yes' or umqtt's old ssl_params dict failed at every connect
    # with AttributeError("'int' object has no attribute 'wrap_socket'"),
    # which named neither the argument nor the value; then at the connect,
    # a wake-up later than the mistake: now at construction, before any
    # socket (True, or no TLS: False, None, 0, are taken; {} and '' are not); nothing
    # connects, so the port needs no listener
    app = tmp_path / 'bad_ssl.py'
    app.write_text(BAD_SSL)
    port = 1883
    res = run_script(runtime, mpy_lib, app, port)
    want = ' '.join(('want True or an SSLContext', '(an object with wrap_socket)'))
    assert res.stdout.splitlines() == [
        'ValueError ssl 1: %s' % want,
        "ValueError ssl 'yes': %s" % want,
        "ValueError ssl {'cadata': b'x'}: %s" % want,
        'ValueError ssl {}: %s' % want,  # (false, but no "no TLS": it was taken as one,
        "ValueError ssl '': %s" % want,  # and the password went in plain text)
        'made True %d None' % port,
        'made None %d None' % port,
        'made None %d None' % port,
        'made None %d None' % port,
        "writer ValueError ssl 'yes': %s" % want], res.stdout + res.stderr
