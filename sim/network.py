# A fake `network` module for the desktop, with the real module's API, so
# that wifi code runs unchanged on CPython and on the MicroPython Unix port
# (which has no `network`). It imitates the ESP8266 port by default; the
# ESP32 and RP2 (Pico W) ports' status codes are one reset() away.
#
#   import network                      # this file, on the path
#   from vclock import VirtualClock
#   clk = VirtualClock()
#   network.reset(clock=clk)            # port='esp8266'
#   network.add_ap('home', 'secret123', delay_ms=1500)
#   w = network.WLAN(network.STA_IF)
#   w.active(True)
#   w.connect('home', 'secret123')
#   w.status() == network.STAT_CONNECTING; clk.advance(1500)
#   w.isconnected(), w.status() == network.STAT_GOT_IP, w.ifconfig()
#
# The world: access points added with add_ap(); a connect() reaches its
# outcome delay_ms later on the clock given to reset():
#   result='ok'      STAT_GOT_IP, when the password matches (else STAT_WRONG_PASSWORD)
#   result='fail'    STAT_CONNECT_FAIL (ESP32: STAT_CONNECTING, as its status()
#                    says while it retries; it names only no AP and auth fail)
#   result='never'   STAT_CONNECTING for ever
#   an essid with no access point: STAT_NO_AP_FOUND
#   steps=[(ms, 'WRONG_PASSWORD'), (ms, 'CONNECTING'), (ms, 'GOT_IP'), ...]:
#                    the status from ms after connect() on, to play a port
#                    that retries on its own (ESP32) or recovers
# Calls are recorded in `calls` (never a password); `key` is the last
# password given to connect(). As on the ESP32 (ESP-IDF: "sta is connecting,
# return error"), its connect() while a connect is still going on (not yet
# connected, not disconnected) raises OSError('Wifi Internal Error').
#
# RAM: on a board `network` is built in and costs no heap; here it is the
# simulator's, which `thingflow-mpy run --heap` adds on top of the app's
# heap. So this file holds what wifi_connect() uses at a start-up (the
# ESP8266's STAT_* codes, add_ap, WLAN's active, connect, isconnected,
# status and ifconfig, disable_wifi_ap: active and status of the access
# point); the rest (the other ports' codes, autoconnect, WLAN.disconnect,
# config, scan, status('rssi'), ifconfig of the access point or with
# arguments) is in network_rare.py, imported at its first use.
from thingflow import default_clock

STA_IF = 0
AP_IF = 1
# the ESP8266 port's status codes (its modnetwork); reset(port) puts another
# port's in their place (network_rare.py)
STAT_IDLE = 0
STAT_CONNECTING = 1
STAT_WRONG_PASSWORD = 2
STAT_NO_AP_FOUND = 3
STAT_CONNECT_FAIL = 4
STAT_GOT_IP = 5

calls = []  # ('active', itf, bool), ('connect', essid), ('disconnect',), ...
key = None  # the password of the last connect()
_st = {}


def _rare():
    return __import__('network_rare')


def reset(port='esp8266', clock=None):
    """Forget every access point and interface state; use port's STAT_*
    constants ('esp8266', 'esp32' or 'rp2') and clock (ticks_ms, ticks_diff;
    default: real time). Both interfaces start inactive, not connected."""
    global key
    if port != _st.get('port', 'esp8266'):
        _rare().port(port)  # ValueError for a port it does not know
    _st.clear()
    _st.update(port=port, clock=clock or default_clock, aps={}, act=[False, False], essid=None)
    del calls[:]
    key = None


def add_ap(essid, password='', delay_ms=1000, result='ok', steps=None):
    """An access point that a connect() reaches delay_ms after the call."""
    if result not in ('ok', 'fail', 'never'):
        raise ValueError('result %r: want ok, fail or never' % (result,))
    _st['aps'][essid] = (password, delay_ms, result, steps)


def __getattr__(a):
    # autoconnect(essid): network_rare.py
    if a != 'autoconnect':
        raise AttributeError(a)
    return _rare().autoconnect


def _status():
    # The station's status now, from the time since connect() and the AP.
    s = _st
    if not s['act'][STA_IF] or s['essid'] is None:
        return STAT_IDLE
    if s.get('auto'):
        return STAT_GOT_IP
    clk = s['clock']
    t = clk.ticks_diff(clk.ticks_ms(), s['t0'])
    ap = s['aps'].get(s['essid'])
    if ap is None:
        return STAT_CONNECTING if t < 1000 else STAT_NO_AP_FOUND
    pw, delay, res, steps = ap
    if steps:
        st = STAT_CONNECTING
        for ms, name in steps:
            if t >= ms:
                st = globals()['STAT_' + name]
        return st
    if t < delay or res == 'never':
        return STAT_CONNECTING
    if res == 'fail':  # the ESP32 retries for ever (reconnects=0) and says connecting
        return globals().get('STAT_CONNECT_FAIL', STAT_CONNECTING)
    return STAT_GOT_IP if key == pw else STAT_WRONG_PASSWORD


class WLAN:
    """A network interface: WLAN(STA_IF) the station, WLAN(AP_IF) the
    access point. All instances of one interface share its state.
    disconnect, config, scan: network_rare.py. WLAN.IF_STA and WLAN.IF_AP
    are STA_IF and AP_IF, as the ports' WLAN class has them."""
    IF_STA = STA_IF
    IF_AP = AP_IF

    def __init__(self, itf=STA_IF):
        if itf not in (STA_IF, AP_IF):
            raise ValueError('invalid WLAN interface identifier')
        if not _st:
            reset()
        self.itf = itf

    def __getattr__(self, a):
        f = getattr(_rare().WLAN, a)  # AttributeError if none
        return lambda *p, **k: f(self, *p, **k)

    def active(self, *args):
        if not args:
            return _st['act'][self.itf]
        on = bool(args[0])
        calls.append(('active', self.itf, on))
        _st['act'][self.itf] = on
        if not on and self.itf == STA_IF:
            _st['essid'] = None
            _st.pop('auto', None)

    def connect(self, ssid=None, key=None, *, bssid=None):
        if self.itf != STA_IF:
            raise OSError('STA required')
        if not _st['act'][STA_IF]:
            raise OSError('Wifi Not Started')
        if _st['port'] == 'esp32' and _st['essid'] is not None and _status() != STAT_GOT_IP:
            raise OSError('Wifi Internal Error')  # ESP-IDF: "sta is connecting, return error"
        calls.append(('connect', ssid))
        globals()['key'] = key
        _st['essid'] = ssid
        _st['t0'] = _st['clock'].ticks_ms()
        _st.pop('auto', None)

    def isconnected(self):
        # no station ever joins the fake access point
        return self.itf == STA_IF and _status() == STAT_GOT_IP

    def status(self, *args):
        if args:
            return _rare().WLAN.status(self, *args)
        if self.itf == AP_IF:  # the ports' own: ESP32 None, Pico W CYW43_LINK_DOWN
            p = _st['port']
            return None if p == 'esp32' else 0 if p == 'rp2' else -1
        return _status()

    def ifconfig(self, *args):
        if args or self.itf == AP_IF:
            return _rare().WLAN.ifconfig(self, *args)
        if not self.isconnected():
            return ('0.0.0.0', '0.0.0.0', '0.0.0.0', '0.0.0.0')
        return _st.get('static') or ('192.168.1.23', '255.255.255.0', '192.168.1.1', '192.168.1.1')


reset()
