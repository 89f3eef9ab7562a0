# Device tests of wifi.py against the fake network module (sim/network.py,
# the real module's API) on each port's status codes, in virtual time: a
# 30 s timeout takes no real time.
import os

import network
import wifi
import logger
from wifi import wifi_connect, wifi_disconnect, disable_wifi_ap, status_text
from vclock import VirtualClock
from tcheck import raises, msg

PW = 'Secr3t-pass'
IFC = ('192.168.1.23', '255.255.255.0', '192.168.1.1', '192.168.1.1')
OFF = ('0.0.0.0', '0.0.0.0', '0.0.0.0', '0.0.0.0')


def setup(port='esp8266', clk=None):
    """A fresh fake network on port, a virtual clock, wifi's console output
    collected in the returned list."""
    clk = clk or VirtualClock()
    network.reset(port, clk)
    out = []
    wifi.print = out.append
    return clk, out


def sta():
    return network.WLAN(network.STA_IF)


# port -> the message ending for: wrong password, no AP, fail, still connecting
ENDINGS = {
    'esp8266': ('wrong password (STAT_WRONG_PASSWORD=2)', 'no ap found (STAT_NO_AP_FOUND=3)',
                'connect fail (STAT_CONNECT_FAIL=4)', 'timeout, connecting (STAT_CONNECTING=1)'),
    # the ESP32 retries a failed association for ever and says connecting meanwhile
    'esp32': ('wrong password (STAT_WRONG_PASSWORD=202)', 'no ap found (STAT_NO_AP_FOUND=201)',
              'timeout, connecting (STAT_CONNECTING=1001)', 'timeout, connecting (STAT_CONNECTING=1001)'),
    'rp2': ('wrong password (STAT_WRONG_PASSWORD=-3)', 'no ap found (STAT_NO_AP_FOUND=-2)',
            'connect fail (STAT_CONNECT_FAIL=-1)', 'timeout, connecting (STAT_CONNECTING=1)'),
}


def test_connect_succeeds_after_the_access_point_answers():
    for port in ('esp8266', 'esp32', 'rp2'):
        clk, out = setup(port)
        network.add_ap('home', PW, delay_ms=1500)
        assert wifi_connect('home', PW, clock=clk) == IFC
        assert clk.now == 1500, (port, clk.now)
        assert sta().isconnected() and sta().status() == network.STAT_GOT_IP
        assert network.calls == [('active', 0, True), ('connect', 'home')]
        assert network.key == PW
        assert out == ["wifi: connecting to 'home'", "wifi: connected to 'home': %r" % (IFC,)]


def test_each_failure_raises_oserror_naming_essid_and_status_at_the_timeout():
    for port in ('esp8266', 'esp32', 'rp2'):
        wrong, noap, fail, slow = ENDINGS[port]
        # (access point, password given, timeout s) -> message ending
        cases = [
            (('home', PW, 'ok'), 'wrong-one', 30, wrong),
            (None, PW, 30, noap),
            (('home', PW, 'fail'), PW, 30, fail),
            (('home', PW, 'never'), PW, 30, slow),
            (('home', PW, 'never'), PW, 0.25, slow),
            (('home', PW, 'ok'), 'wrong-one', 2.5, wrong),
        ]
        for ap, pw, tmo, end in cases:
            clk, out = setup(port)
            if ap:
                network.add_ap(ap[0], ap[1], delay_ms=1200, result=ap[2])
            e = raises(OSError, wifi_connect, 'home', pw, tmo, clk)
            assert msg(e) == "wifi 'home': not connected after %s s: %s" % (tmo, end), (port, msg(e))
            assert clk.now == int(tmo * 1000), (port, tmo, clk.now)  # exactly the timeout
            # polls 100 ms apart, the last sleep cut to the deadline, none after it
            assert clk.sleeps == (int(tmo * 1000) + 99) // 100, (port, tmo, clk.sleeps)
            assert not sta().active()  # the radio is switched off
            assert network.calls[-1] == ('active', 0, False)


def test_a_timeout_shorter_than_the_connection_fails_and_a_longer_one_succeeds():
    for tmo, ok in ((1.4, False), (1.5, True), (1.6, True)):
        clk, out = setup()
        network.add_ap('home', PW, delay_ms=1500)
        if ok:
            assert wifi_connect('home', PW, tmo, clk) == IFC
            assert clk.now == 1500
        else:
            e = raises(OSError, wifi_connect, 'home', PW, tmo, clk)
            assert msg(e) == "wifi 'home': not connected after 1.4 s: timeout, connecting (STAT_CONNECTING=1)"
            assert clk.now == 1400


def test_the_last_failure_is_named_when_the_port_retries_on_its_own():
    # ESP32 style: the status goes to a failure and back to connecting
    clk, out = setup('esp32')
    network.add_ap('home', PW, steps=[(500, 'WRONG_PASSWORD'), (800, 'CONNECTING'),
                                      (3000, 'NO_AP_FOUND'), (3300, 'CONNECTING')])
    e = raises(OSError, wifi_connect, 'home', PW, 10, clk)
    assert msg(e) == "wifi 'home': not connected after 10 s: no ap found (STAT_NO_AP_FOUND=201)"
    assert clk.now == 10000


def test_pico_w_waiting_for_its_ip_address_is_named_as_such():
    # the CYW43 chip's status 2 (joined, DHCP pending) has no STAT_* name on
    # rp2: it was named 'status 2' at a timeout. The fake network plays it
    # with its status from 500 ms after connect() on, while it says connecting
    real = network._status

    def joined_no_ip():
        st = real()
        s = network._st
        if st == network.STAT_CONNECTING and s['clock'].ticks_diff(s['clock'].ticks_ms(), s['t0']) >= 500:
            return 2
        return st
    network._status = joined_no_ip
    try:
        clk, out = setup('rp2')
        network.add_ap('home', PW, steps=[(200, 'CONNECTING')])
        e = raises(OSError, wifi_connect, 'home', PW, 3, clk)
        assert msg(e) == "wifi 'home': not connected after 3 s: timeout, joined, no IP address yet (status 2)"
        clk, out = setup('rp2')
        network.add_ap('home', PW, steps=[(200, 'CONNECTING'), (2050, 'GOT_IP')])
        assert wifi_connect('home', PW, 5, clk) == IFC and clk.now == 2100
    finally:
        network._status = real


def test_a_transient_failure_then_success_connects():
    clk, out = setup('esp8266')
    network.add_ap('home', PW, steps=[(500, 'WRONG_PASSWORD'), (800, 'CONNECTING'), (2050, 'GOT_IP')])
    assert wifi_connect('home', PW, 5, clk) == IFC
    assert clk.now == 2100  # the first poll at or after 2050 ms


def test_already_connected_to_that_essid_returns_at_once():
    clk, out = setup()
    network.autoconnect('home')
    assert wifi_connect('home', PW, clock=clk) == IFC
    assert clk.now == 0 and clk.sleeps == 0
    assert network.calls == [('active', 0, True)]
    assert out == []


def test_connected_to_another_essid_disconnects_first():
    clk, out = setup()
    network.autoconnect('office')
    network.add_ap('home', PW, delay_ms=300)
    assert wifi_connect('home', PW, clock=clk) == IFC
    assert network.calls == [('active', 0, True), ('disconnect', 0), ('connect', 'home')]
    assert sta().config('essid') == 'home'
    assert clk.now == 300


def test_timeout_is_exact_across_a_clock_wrap():
    clk, out = setup(clk=VirtualClock(start=(1 << 16) - 700, period=1 << 16))
    network.add_ap('home', PW, result='never')
    t0 = clk.now
    raises(OSError, wifi_connect, 'home', PW, 2, clk)
    assert clk.now - t0 == 2000


class StuckClock:
    """A broken clock: time never moves, sleeping returns at once."""

    def __init__(self):
        self.sleeps = 0

    def ticks_ms(self):
        return 5

    def ticks_diff(self, a, b):
        return a - b

    def sleep_ms(self, ms):
        self.sleeps += 1


def test_never_loops_forever_even_when_the_clock_stands_still():
    c = StuckClock()
    network.reset('esp8266', c)
    wifi.print = [].append
    network.add_ap('home', PW, result='never')
    e = raises(OSError, wifi_connect, 'home', PW, 3, c)
    assert msg(e) == "wifi 'home': not connected after 3 s: timeout, connecting (STAT_CONNECTING=1)"
    assert c.sleeps == 32  # at most timeout / 100 ms + 2 polls


WIDE = '\u5bb6' * 11  # 11 characters, 33 bytes in UTF-8: longer than any SSID


def test_bad_arguments_are_refused_before_the_radio_is_touched():
    long_pw = 'p' * 65
    cases = [
        (('', PW), "essid '': want a str of 1 to 32 UTF-8 bytes"),
        (('x' * 33, PW), "essid %r: want a str of 1 to 32 UTF-8 bytes" % ('x' * 33,)),
        ((None, PW), "essid None: want a str of 1 to 32 UTF-8 bytes"),
        ((b'home', PW), "essid b'home': want a str of 1 to 32 UTF-8 bytes"),
        (('home', None), "password for 'home': want a str of at most 64 UTF-8 bytes"),
        (('home', long_pw), "password for 'home': want a str of at most 64 UTF-8 bytes"),
        # the limits are bytes (the ports cut the rest off), not characters
        ((WIDE, PW), "essid %r: want a str of 1 to 32 UTF-8 bytes" % (WIDE,)),
        (('home', 'p' * 63 + '\u00e9'), "password for 'home': want a str of at most 64 UTF-8 bytes"),
        (('home', PW, 0), "timeout 0: want 0.001 to 86400 s"),
        (('home', PW, -5), "timeout -5: want 0.001 to 86400 s"),
        (('home', PW, '30'), "timeout '30': want 0.001 to 86400 s"),
        (('home', PW, None), "timeout None: want 0.001 to 86400 s"),
        (('home', PW, 0.0001), "timeout 0.0001: want 0.001 to 86400 s"),
        (('home', PW, float('inf')), "timeout inf: want 0.001 to 86400 s"),
        (('home', PW, float('nan')), "timeout nan: want 0.001 to 86400 s"),
        (('home', PW, 1e306), "timeout 1e+306: want 0.001 to 86400 s"),  # (OverflowError in ms)
        (('home', PW, 86401), "timeout 86401: want 0.001 to 86400 s"),
        (('home', PW, True), "timeout True: want 0.001 to 86400 s"),
        (('home', PW, [30]), "timeout [30]: want 0.001 to 86400 s"),
    ]
    for args, want in cases:
        clk, out = setup()
        e = raises(ValueError, wifi_connect, *args, clock=clk)
        assert msg(e) == want, (args, msg(e))
        assert network.calls == []
        assert long_pw not in msg(e)


def test_essid_and_password_of_at_most_32_and_64_bytes_are_taken():
    # 32 bytes of 3-byte characters and 64 bytes of 2-byte ones: taken whole
    essid, pw = '\u5bb6' * 10 + 'ab', '\u00e9' * 32
    clk, out = setup()
    network.add_ap(essid, pw, delay_ms=200)
    assert wifi_connect(essid, pw, 1, clk) == IFC and network.key == pw
    assert network.calls == [('active', 0, True), ('connect', essid)]


def _logdir():
    for d in ('/dev/shm', '/tmp', '.'):
        try:
            os.stat(d)
            break
        except OSError:
            pass
    d = '%s/tfwifi-%s' % (d, ''.join('%02x' % b for b in os.urandom(4)))
    os.mkdir(d)
    return d


def test_the_password_never_appears_in_a_message_log_line_or_exception():
    d = _logdir()
    p = d + '/app.log'
    printed = []
    logger.close_logging()
    logger.print = printed.append
    try:
        logger.initialize_logging(p, level=logger.DEBUG, echo=True)
        texts = []
        for port in ('esp8266', 'esp32', 'rp2'):
            for ap, pw in ((None, PW), (('ok', 100), 'wrong' + PW), (('fail', 100), PW),
                           (('never', 0), PW), (('ok', 100), PW)):
                clk, out = setup(port)
                if ap:
                    network.add_ap('home', PW, delay_ms=ap[1], result=ap[0])
                try:
                    wifi_connect('home', pw, 1, clk)
                except OSError as e:
                    texts += [msg(e), repr(e), str(e)]
                assert out == []  # went to the log instead
                wifi_disconnect()
                disable_wifi_ap()
        for bad in ((None, PW), ('home', 5), ('home', PW * 7)):
            try:
                wifi_connect(bad[0], bad[1], clock=clk)
            except ValueError as e:
                texts += [msg(e), repr(e)]
        logger.close_logging()
        with open(p) as f:
            log = f.read()
        assert "[INF] wifi: connected to 'home'" in log
        assert "wifi: connecting to 'home'" in log
        assert len(texts) == 3 * 3 * 4 + 6
        for t in texts + printed + [log]:
            assert PW not in t and 'Secr3t' not in t, t
    finally:
        logger.close_logging()
        logger.print = print
        for f in os.listdir(d):
            os.remove(d + '/' + f)
        os.rmdir(d)


def test_disconnect_when_connected_and_when_not():
    clk, out = setup()
    network.add_ap('home', PW, delay_ms=100)
    wifi_connect('home', PW, clock=clk)
    del out[:]
    assert wifi_disconnect() is True
    assert not sta().isconnected() and sta().ifconfig() == OFF
    assert network.calls[-1] == ('disconnect', 0)
    assert wifi_disconnect() is False
    assert out == ['wifi: disconnected', 'wifi: not connected']


def test_disconnect_stops_a_station_that_is_still_trying():
    # ESP32: connect() makes the port retry at each disconnection event, for
    # ever by default, until disconnect() (ports/esp32/network_wlan.c:
    # wifi_sta_connect_requested); isconnected() is False meanwhile, and
    # wifi_disconnect() left the station trying (and the radio on). A station
    # that is off is not asked (the ESP32 raises 'Wifi Not Started')
    for port in ('esp32', 'esp8266', 'rp2'):
        clk, out = setup(port)
        network.add_ap('home', PW, result='never')
        w = sta()
        w.active(True)
        w.connect('home', PW)
        clk.advance(5000)
        assert w.status() == network.STAT_CONNECTING, port
        assert wifi_disconnect() is False
        assert network.calls[-1] == ('disconnect', 0) and w.status() == network.STAT_IDLE, port
        assert out == ['wifi: not connected']
        w.active(False)
        n = len(network.calls)
        assert wifi_disconnect() is False and network.calls[n:] == [], network.calls[n:]


def test_disable_wifi_ap_switches_the_access_point_off():
    # the access point's status() as each port gives it: the ESP8266 -1, the
    # ESP32 None, the Pico W its link status, CYW43_LINK_DOWN = 0 (the fake gave -1)
    for port, st in (('esp8266', -1), ('esp32', None), ('rp2', 0)):
        clk, out = setup(port)
        ap = network.WLAN(network.AP_IF)
        ap.active(True)
        disable_wifi_ap()
        assert not ap.active()
        assert network.calls == [('active', 1, True), ('active', 1, False)]
        assert out == ['wifi: access point off, status %r' % (st,)]
        assert not sta().active()  # the station is untouched


def test_status_text_for_each_port():
    cases = [
        ('esp8266', 0, 'timeout, idle (STAT_IDLE=0)'),
        ('esp8266', 5, 'got ip (STAT_GOT_IP=5)'),
        ('esp8266', 99, 'status 99'),
        ('esp8266', None, 'status None'),
        ('esp32', 204, 'handshake timeout (STAT_HANDSHAKE_TIMEOUT=204)'),
        ('esp32', 200, 'beacon timeout (STAT_BEACON_TIMEOUT=200)'),
        ('esp32', 1000, 'timeout, idle (STAT_IDLE=1000)'),
        ('esp32', 4, 'status 4'),
        ('rp2', -1, 'connect fail (STAT_CONNECT_FAIL=-1)'),
        ('rp2', 0, 'timeout, idle (STAT_IDLE=0)'),
        ('rp2', 2, 'timeout, joined, no IP address yet (status 2)'),
        ('esp32', 2, 'status 2'),
    ]
    for port, st, want in cases:
        setup(port)
        assert status_text(st) == want, (port, st, status_text(st))
        assert status_text(st, network) == want


def test_an_injected_network_module_is_used():
    class Net:
        STA_IF = 0
        AP_IF = 1
        STAT_CONNECTING = 7

        class WLAN:
            log = []

            def __init__(self, itf):
                self.itf = itf

            def active(self, on=None):
                Net.WLAN.log.append(('active', self.itf, on))

            def isconnected(self):
                return False

            def connect(self, essid, pw):
                Net.WLAN.log.append(('connect', essid))

            def status(self):
                return 7

    clk, out = setup()
    e = raises(OSError, wifi_connect, 'lab', PW, 1, clk, Net)
    assert msg(e) == "wifi 'lab': not connected after 1 s: timeout, connecting (STAT_CONNECTING=7)"
    assert Net.WLAN.log == [('active', 0, True), ('connect', 'lab'), ('active', 0, False)]
    assert network.calls == []  # the fake module was not touched


def test_the_timeout_covers_the_radio_start_and_the_connect_call():
    # a radio that takes 1.2 s to start (a Pico W's chip loads its firmware)
    # and a connect() that takes 0.5 s: a 3 s timeout ends 3 s after the
    # call, not 1.7 s later
    clk, out = setup()

    class Slow:
        STA_IF = 0
        STAT_CONNECTING = 1

        class WLAN:
            def __init__(self, itf):
                self.w = network.WLAN(itf)

            def active(self, on=None):
                if on:
                    clk.advance(1200)
                return self.w.active(on)

            def connect(self, essid, pw):
                clk.advance(500)
                self.w.connect(essid, pw)

            def __getattr__(self, a):
                return getattr(self.w, a)

    network.add_ap('lab', PW, result='never')
    e = raises(OSError, wifi_connect, 'lab', PW, 3, clk, Slow)
    assert msg(e) == "wifi 'lab': not connected after 3 s: timeout, connecting (STAT_CONNECTING=1)"
    assert clk.now == 3000, clk.now
    network.add_ap('lab', PW, delay_ms=1000)  # connects 1 s after connect(): within the 3 s
    assert wifi_connect('lab', PW, 3, clk, Slow) == IFC
    assert clk.now == 3000 + 1200 + 500 + 1000, clk.now


def test_fake_network_follows_the_real_api():
    clk, out = setup('esp8266')
    w = sta()
    assert w.active() is False
    e = raises(OSError, w.connect, 'home', PW)
    assert msg(e) == 'Wifi Not Started'
    e = raises(OSError, network.WLAN(network.AP_IF).connect, 'home', PW)
    assert msg(e) == 'STA required'
    raises(ValueError, network.WLAN, 7)
    w.active(True)
    assert w.status() == network.STAT_IDLE and w.ifconfig() == OFF
    network.add_ap('home', PW, delay_ms=50)
    w.connect('home', PW)
    assert w.status() == network.STAT_CONNECTING and not w.isconnected()
    clk.advance(50)
    assert w.isconnected() and w.status('rssi') == -60 and w.ifconfig() == IFC
    assert w.config('essid') == 'home' and len(w.config('mac')) == 6
    raises(ValueError, w.config, 'nonsense')
    assert [s[0] for s in w.scan()] == [b'home']
    w.active(False)
    assert not w.isconnected() and w.status() == network.STAT_IDLE
    clk, out = setup('esp32')
    assert (network.STAT_IDLE, network.STAT_GOT_IP, network.STAT_NO_AP_FOUND) == (1000, 1010, 201)
    assert not hasattr(network, 'STAT_CONNECT_FAIL')
    # a failed association: the ESP32 retries for ever (reconnects=0) and its
    # status() says connecting; only no AP and a wrong password are named
    network.add_ap('lab', PW, delay_ms=50, result='fail')
    w = sta()
    w.active(True)
    w.connect('lab', PW)
    clk.advance(60000)
    assert w.status() == network.STAT_CONNECTING == 1001 and not w.isconnected()
    setup('rp2')
    assert (network.STAT_WRONG_PASSWORD, network.STAT_GOT_IP) == (-3, 3)
    e = raises(ValueError, network.reset, 'esp99')
    setup()


def test_fake_config_reads_and_sets_as_the_ports():
    # ports/esp8266 and ports/esp32 network_wlan.c: the docs' example
    # ap.config(essid=..., channel=11); ap.config('channel') works; the
    # access point's parameters on the station are OSError('AP required')
    # (ESP8266: channel too), the station's hostname on the access point
    # 'STA required'; pos and kw together, or no parameter, a TypeError
    for port in ('esp8266', 'esp32'):
        setup(port)
        ap, w = network.WLAN(network.WLAN.IF_AP), network.WLAN(network.WLAN.IF_STA)
        assert (ap.itf, w.itf) == (network.AP_IF, network.STA_IF) == (1, 0)
        ap.config(essid='My AP', channel=11, hidden=True, security=3, password='pw')
        assert (ap.config('essid'), ap.config('channel'), ap.config('hidden'), ap.config('authmode')) == \
            ('My AP', 11, True, 3)
        w.config(hostname='node1', mac=b'\x02\x00\x00\x00\x00\x01')
        assert w.config('dhcp_hostname') == 'node1' and w.config('mac') == b'\x02\x00\x00\x00\x00\x01'
        assert len(ap.config('mac')) == 6 and ap.config('mac') != w.config('mac')
        assert msg(raises(ValueError, w.config, mac=b'\x02')) == 'invalid buffer length'
        assert msg(raises(TypeError, ap.config, 'essid', channel=1)) == 'either pos or kw args are allowed'
        assert msg(raises(TypeError, ap.config)) == 'can query only one param'
        assert msg(raises(ValueError, ap.config, 'nonsense')) == 'unknown config param'
        for kw in ({'essid': 'x'}, {'password': 'x'}, {'hidden': True}, {'authmode': 3}):
            assert msg(raises(OSError, w.config, **kw)) == 'AP required', kw
        for p in ('hidden', 'security', 'authmode'):
            assert msg(raises(OSError, w.config, p)) == 'AP required', p
        assert msg(raises(OSError, ap.config, 'hostname')) == 'STA required'
        w.config(reconnects=2)  # the station's, on either ESP port
        assert msg(raises(OSError, ap.config, reconnects=2)) == 'STA required'
        assert w.config('protocol') == 3
        if port == 'esp8266':
            assert msg(raises(OSError, w.config, 'channel')) == 'AP required'
            assert msg(raises(ValueError, w.config, 'reconnects')) == 'unknown config param'  # set only
            w.config(auto_connect=False)
            assert w.config('auto_connect') is False
        else:
            assert w.config('channel') == 11
            assert w.config('reconnects') == 2
            assert msg(raises(ValueError, w.config, auto_connect=False)) == 'unknown config param'
            assert msg(raises(ValueError, w.config, 'auto_connect')) == 'unknown config param'
    setup()


def test_fake_scan_of_an_inactive_station_names_it_as_the_esp8266_does():
    # ports/esp8266/network_wlan.c esp_scan: OSError('STA must be active')
    setup('esp8266')
    assert msg(raises(OSError, sta().scan)) == 'STA must be active'
    setup('esp32')
    assert msg(raises(OSError, sta().scan)) == 'Wifi Not Started'
    setup()

