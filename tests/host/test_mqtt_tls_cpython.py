"""The time bound of a TLS connect on CPython: the TCP connect and the TLS
handshake share one `timeout` (the handshake gets what the TCP connect left;
it got a whole timeout of its own, so a connect could take twice the bound).
CPython only: the slow network is a socket.connect that waits first (the
MicroPython side is tested with a handshake trickling in, test_mqtt.py)."""
import os
import socket
import subprocess
import sys
import threading

import pytest

from thingflow_mpy import mpy

APP = r'''
import socket, sys, time
real = socket.socket.connect
def slow(self, a):  # a slow network: the TCP connect takes 0.7 s
    time.sleep(0.7)
    return real(self, a)
socket.socket.connect = slow
from mqtt_client import MQTTClient
c = MQTTClient('slow', '127.0.0.1', int(sys.argv[1]), ssl=True, timeout=1)
t = time.monotonic()
try:
    c.connect()
    print('connected')
except OSError as e:
    print('error', type(e).__name__, c.sock)
print('took', round((time.monotonic() - t) * 1000))
'''


@pytest.fixture
def silent_server():
    # accepts TCP connections and never says a word: no TLS handshake comes
    srv = socket.socket()
    srv.bind(('127.0.0.1', 0))
    srv.listen(4)
    held = []

    def serve():
        while True:
            try:
                held.append(srv.accept()[0])
            except OSError:
                return
    threading.Thread(target=serve, daemon=True).start()
    yield srv.getsockname()[1]
    srv.close()
    for c in held:
        c.close()


def test_tcp_connect_and_tls_handshake_share_the_timeout(silent_server, tmp_path):
    app = tmp_path / 'slow_connect.py'
    app.write_text(APP)
    res = subprocess.run([sys.executable, str(app), str(silent_server)], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(mpy.LIB)), timeout=30)
    lines = res.stdout.splitlines()
    assert lines[0] == 'error TimeoutError None', res.stdout + res.stderr  # and the socket closed
    # 0.7 s for the TCP connect, 0.3 s for the handshake: 1 s in all (it was 1.7 s)
    assert 950 <= int(lines[1].split()[1]) <= 1400, res.stdout
