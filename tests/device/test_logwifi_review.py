# Device tests from the review of logger.py, logwriter.py, lograre.py,
# wifi.py, wifirare.py and sim/network.py: each pins a defect that was
# found and fixed (the test failed before the fix). Plain asserts, real
# files, virtual time; they run on CPython (pytest) and on the MicroPython
# Unix port (mprun.py).
import os

import logger
import network
import wifi
from logger import initialize_logging, close_logging
from logwriter import LogWriter
from vclock import VirtualClock
from tcheck import raises, msg

from test_logger import T, STAMP, FixedTime  # the fixed time of the logger's own tests
from test_wifi import _logdir

_real_open = open


def _path():
    return _logdir() + '/app.log'


def _done(p):
    close_logging()
    logger.time = __import__('time')
    d = p[:p.rfind('/')]
    for f in os.listdir(d):
        os.remove(d + '/' + f)
    os.rmdir(d)


def _read(p):
    with _real_open(p, 'rb') as f:
        return f.read().decode()


# ---- logger ----

def test_log_writer_error_lines_are_the_same_on_both_runtimes():
    # MicroPython's repr of an exception with one argument ends in ",)":
    # the log line must read as on CPython (and as the README shows it)
    cases = [
        (ValueError('bad'), "error ValueError('bad')"),
        (OSError(28), 'error OSError(28)'),
        (KeyError('k'), "error KeyError('k')"),
        (ValueError(), 'error ValueError()'),
        (ValueError((1,)), 'error ValueError((1,))'),  # the argument's own comma stays
        (ValueError('a', 2), "error ValueError('a', 2)"),
        (RuntimeError('x,)'), "error RuntimeError('x,)')"),
    ]
    p = _path()
    try:
        close_logging()
        logger.time = FixedTime
        initialize_logging(p)
        w = LogWriter()
        for e, _ in cases:
            w.on_error(e)
        w.on_error((1,))  # not an exception: logged as given
        want = ''.join('%s [ERR] %s\n' % (STAMP, t) for _, t in cases) + STAMP + ' [ERR] error (1,)\n'
        assert _read(p) == want, _read(p)
    finally:
        _done(p)


# ---- wifi and the fake network ----

PW = 'Secr3t-pass'
IFC = ('192.168.1.23', '255.255.255.0', '192.168.1.1', '192.168.1.1')


def _setup(port):
    clk = VirtualClock()
    network.reset(port, clk)
    out = []
    wifi.print = out.append
    return clk, out


def test_fake_esp32_refuses_a_connect_while_it_still_connects():
    # ESP-IDF: "sta is connecting, return error" -> OSError('Wifi Internal
    # Error') (micropython#17661, #7139); the ESP8266 and the Pico W take it
    for port, refused in (('esp32', True), ('esp8266', False), ('rp2', False)):
        clk, out = _setup(port)
        network.add_ap('home', PW, delay_ms=1500)
        w = network.WLAN(network.STA_IF)
        w.active(True)
        w.connect('home', 'wrong')
        clk.advance(3000)  # a wrong password: the port goes on trying
        if refused:
            e = raises(OSError, w.connect, 'home', PW)
            assert msg(e) == 'Wifi Internal Error', msg(e)
            w.disconnect()  # the workaround: stop its own attempt first
        w.connect('home', PW)
        clk.advance(1500)
        assert w.isconnected(), port
        w.connect('home', PW)  # connected: taken again (ESP32 too)


def test_wifi_connect_on_an_esp32_still_trying_on_its_own_connects():
    # after a soft reset (Ctrl-D, a deploy) the ESP32's station is still
    # active and retrying the last network: connect() raised 'Wifi Internal
    # Error' out of wifi_connect, naming no essid, the radio left on
    clk, out = _setup('esp32')
    network.add_ap('home', PW, delay_ms=1500)
    w = network.WLAN(network.STA_IF)
    w.active(True)
    w.connect('home', 'an-old-one')
    clk.advance(10000)
    del network.calls[:]
    t0 = clk.now
    assert wifi.wifi_connect('home', PW, 20, clk) == IFC
    assert network.calls == [('active', 0, True), ('disconnect', 0), ('connect', 'home')], network.calls
    assert clk.now - t0 == 1500
    assert PW not in repr(out), out


def test_wifi_connect_names_the_network_when_the_esp32_refuses_twice():
    # the retry refused too (the port still busy): the bare
    # OSError('Wifi Internal Error') came out, naming no network, the radio
    # left on; now named, radio off, no password shown
    clk, out = _setup('esp32')
    network.add_ap('home', PW)
    real = network.WLAN.connect

    def refuse(self, *a, **k):
        network.calls.append(('refused',))
        raise OSError('Wifi Internal Error')
    network.WLAN.connect = refuse
    try:
        e = raises(OSError, wifi.wifi_connect, 'home', PW, 20, clk)
    finally:
        network.WLAN.connect = real
    assert msg(e) == "wifi 'home': connect refused: Wifi Internal Error", msg(e)
    assert network.calls[-4:] == [('refused',), ('disconnect', 0), ('refused',), ('active', 0, False)], network.calls
    assert PW not in repr(out) + msg(e)
    assert clk.now == 0  # at once, no polling until the timeout


def test_fake_rssi_when_not_connected_is_each_ports():
    # ports/esp8266/network_wlan.c returns wifi_station_get_rssi() (31, the
    # SDK's invalid value, when not connected); ports/esp32 raises the
    # OSError of esp_wifi_sta_get_ap_info (and 'STA required' for the access
    # point); extmod/network_cyw43.c returns the driver's RSSI, 0 before a
    # connection, and 'STA required' for the access point (a ValueError);
    # the fake said ValueError('unknown status param') for all
    for port, want in (('esp8266', 31), ('esp32', 'Wifi Not Connected'), ('rp2', 0)):
        clk, out = _setup(port)
        network.add_ap('home', PW, delay_ms=100)
        w = network.WLAN(network.STA_IF)
        w.active(True)
        if type(want) is int:
            assert w.status('rssi') == want, port
        else:
            e = raises(OSError if port == 'esp32' else ValueError, w.status, 'rssi')
            assert msg(e) == want, (port, msg(e))
        w.connect('home', PW)
        clk.advance(100)
        assert w.status('rssi') == -60, port
        ap = network.WLAN(network.AP_IF)
        e = raises(OSError if port == 'esp32' else ValueError, ap.status, 'rssi')
        assert msg(e) == ('unknown status param' if port == 'esp8266' else 'STA required'), (port, msg(e))
        raises(ValueError, w.status, 'nonsense')


def test_esp32_no_ap_found_variants_are_named():
    # MicroPython's ESP32 port on ESP-IDF 5.2+ returns these reasons from
    # status() as they are (no STAT_* name): they were 'status 211'
    clk, out = _setup('esp32')
    cases = [
        (210, 'no ap found (status 210)'),  # ..._W_COMPATIBLE_SECURITY
        (211, 'no ap found (status 211)'),  # ..._IN_AUTHMODE_THRESHOLD
        (212, 'no ap found (status 212)'),  # ..._IN_RSSI_THRESHOLD
        (201, 'no ap found (STAT_NO_AP_FOUND=201)'),
        (213, 'status 213'),
        (None, 'status None'),
    ]
    for st, want in cases:
        assert wifi.status_text(st) == want, (st, wifi.status_text(st))
    for port in ('esp8266', 'rp2'):  # the same numbers are not these on other ports
        _setup(port)
        assert wifi.status_text(211) == 'status 211'
    # and at the end of a connect that timed out
    real = network._status
    network._status = lambda: 211 if real() == network.STAT_CONNECTING else real()
    try:
        clk, out = _setup('esp32')
        network.add_ap('home', PW, result='never')
        e = raises(OSError, wifi.wifi_connect, 'home', PW, 2, clk)
        assert msg(e) == "wifi 'home': not connected after 2 s: no ap found (status 211)"
        assert clk.now == 2000
    finally:
        network._status = real
    _setup('esp8266')
