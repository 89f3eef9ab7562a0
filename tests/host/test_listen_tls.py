"""listen reaches a broker that speaks TLS only (mqtts://, --ca for the CA
that signed its certificate), with a password; run refuses mqtts:// (the
board app speaks plain MQTT there); a password in a bad broker URL never
shows in the message."""
import json
import threading
import time

import pytest

from test_cli import call
from test_examples import publish


def _publish_later(b, user, pw, msgs):
    # a plain paho publisher over TLS, once listen has subscribed
    def go():
        time.sleep(1.0)
        publish(b, msgs, user, pw, b.cafile)
    th = threading.Thread(target=go, daemon=True)
    th.start()
    return th


def test_listen_over_tls_with_a_password(make_broker, capsys):
    b = make_broker(users={'dev': 'pw-tls-9'}, tls=True)
    th = _publish_later(b, 'dev', 'pw-tls-9', [('home/t', json.dumps(['t', 1.5, 21.25])),
                                               ('home/h', json.dumps(['h', 2.5, 40]))])
    rc, out, err = call(capsys, 'listen', '--broker', 'mqtts://dev:pw-tls-9@%s:%d' % (b.host, b.port),
                        '--ca', b.cafile, '--count', 2, '--for', 20)
    th.join(10)
    assert rc == 0, err
    assert out.splitlines() == ['t, 1.5, 21.25', 'h, 2.5, 40']
    assert err == 'listen: 2 events, 0 other messages\n' and 'pw-tls-9' not in out + err


def test_listen_over_tls_refuses_a_broker_its_ca_did_not_sign(make_broker, tmp_path, capsys):
    b = make_broker(tls=True)
    other = make_broker(tls=True)  # another throwaway CA
    rc, out, err = call(capsys, 'listen', '--broker', 'mqtts://%s:%d' % (b.host, b.port),
                        '--ca', other.cafile, '--for', 3)
    assert rc == 1 and out == ''
    assert err.startswith('thingflow-mpy listen: cannot connect to the broker at mqtts://%s:%d: ' % (b.host, b.port))
    assert 'CERTIFICATE_VERIFY_FAILED' in err or 'certificate verify failed' in err, err


def test_plain_listen_to_a_tls_broker_gets_no_answer(make_broker, capsys):
    b = make_broker(tls=True)
    rc, out, err = call(capsys, 'listen', '--broker', 'mqtt://%s:%d' % (b.host, b.port), '--for', 15)
    assert rc == 1 and err.startswith('thingflow-mpy listen: cannot '), err


@pytest.mark.parametrize('argv,msg', [
    (['listen', '--broker', 'mqtt://h', '--ca', 'x.pem'], '--ca x.pem: for a TLS broker (mqtts://) only'),
    (['listen', '--broker', 'mqtts://h', '--ca', 'nope.pem'], '--ca nope.pem: no such file'),
    (['listen', '--broker', 'mqtt://dev:s3cret@h:0'], "bad broker URL 'mqtt://dev:***@h:0': port 0"),
    (['listen', '--broker', 'ftp://dev:s3cret@h'],
     "bad broker URL 'ftp://dev:***@h': want mqtt://HOST[:PORT] (or mqtts:// for TLS)"),
    # the password showed when the user name held a raw '@' or '/', or the
    # URL lacked its //: the mask is from the first ':' after the scheme to
    # the last '@'
    (['listen', '--broker', 'mqtt://me@example.com:s3cret@broker.local:99999'],
     "bad broker URL 'mqtt://me@example.com:***@broker.local:99999': want a port 1-65535 "
     "(in a password, / # ? @ % go percent-encoded: %2F %23 %3F %40 %25)"),
    (['listen', '--broker', 'mqtt:dev:s3cret@broker.local'], "bad broker URL 'mqtt:dev:***@broker.local': no host"),
    (['listen', '--broker', 'mqtt://dev/x:s3cret@broker.local'],
     "bad broker URL 'mqtt://dev/x:***@broker.local': want mqtt://HOST[:PORT] and nothing after it"),
    (['listen', '--broker', 'dev:s3cret@h'],
     "bad broker URL 'dev:***@h': want mqtt://HOST[:PORT] (or mqtts:// for TLS)"),
])
def test_tls_options_and_urls_named_without_the_password(argv, msg, capsys):
    rc, out, err = call(capsys, *argv)
    assert (rc, err) == (2, 'thingflow-mpy listen: %s\n' % msg)


def test_run_refuses_mqtts(capsys, tmp_path):
    app = tmp_path / 'a.py'
    app.write_text('print(1)\n')
    rc, out, err = call(capsys, 'run', app, '--broker', 'mqtts://dev:s3cret@h')
    assert (rc, err) == (2, 'thingflow-mpy run: --broker: run speaks plain MQTT (mqtt://) to the broker, not '
                            'mqtts:// (listen takes mqtts://)\n')
