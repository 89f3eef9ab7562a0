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
#   result='fail'    STAT_CONNECT_FAIL (ESP32: STAT_ASSOC_FAIL)
#   result='never'   STAT_CONNECTING for ever
#   an essid with no access point: STAT_NO_AP_FOUND
#   steps=[(ms, 'WRONG_PASSWORD'), (ms, 'CONNECTING'), (ms, 'GOT_IP'), ...]:
#                    the status from ms after connect() on, to play a port
#                    that retries on its own (ESP32) or recovers
# Calls are recorded in `calls` (never a password); `key` is the last
# password given to connect().
import sys

from thingflow import default_clock

STA_IF = 0
AP_IF = 1

# the STAT_* constants of each port, as its modnetwork defines them
_PORTS = {
    'esp8266': {'STAT_IDLE': 0, 'STAT_CONNECTING': 1, 'STAT_WRONG_PASSWORD': 2,
                'STAT_NO_AP_FOUND': 3, 'STAT_CONNECT_FAIL': 4, 'STAT_GOT_IP': 5},
    'esp32': {'STAT_IDLE': 1000, 'STAT_CONNECTING': 1001, 'STAT_GOT_IP': 1010,
              'STAT_BEACON_TIMEOUT': 200, 'STAT_NO_AP_FOUND': 201,
              'STAT_WRONG_PASSWORD': 202, 'STAT_ASSOC_FAIL': 203,
              'STAT_HANDSHAKE_TIMEOUT': 204},
    'rp2': {'STAT_IDLE': 0, 'STAT_CONNECTING': 1, 'STAT_WRONG_PASSWORD': -3,
            'STAT_NO_AP_FOUND': -2, 'STAT_CONNECT_FAIL': -1, 'STAT_GOT_IP': 3},
}
_ALL = ('STAT_IDLE', 'STAT_CONNECTING', 'STAT_WRONG_PASSWORD', 'STAT_NO_AP_FOUND',
        'STAT_CONNECT_FAIL', 'STAT_GOT_IP', 'STAT_BEACON_TIMEOUT', 'STAT_ASSOC_FAIL',
        'STAT_HANDSHAKE_TIMEOUT')

calls = []  # ('active', itf, bool), ('connect', essid), ('disconnect',), ...
key = None  # the password of the last connect()
_st = {}


def reset(port='esp8266', clock=None):
    """Forget every access point and interface state; use port's STAT_*
    constants ('esp8266', 'esp32' or 'rp2') and clock (ticks_ms, ticks_diff;
    default: real time). Both interfaces start inactive, not connected."""
    global key
    if port not in _PORTS:
        raise ValueError('port %r: want one of %r' % (port, sorted(_PORTS)))
    g = globals()
    for n in _ALL:
        if n in g:
            del g[n]
    m = sys.modules[__name__]
    for n, v in _PORTS[port].items():
        setattr(m, n, v)  # as an interned name, so that dir() lists it on MicroPython
    _st.clear()
    _st.update(port=port, clock=clock or default_clock, aps={},
               act=[False, False], essid=None, t0=None, ap_essid='MicroPython-1a2b3c',
               static=None)
    del calls[:]
    key = None


def add_ap(essid, password='', delay_ms=1000, result='ok', steps=None):
    """An access point that a connect() reaches delay_ms after the call."""
    if result not in ('ok', 'fail', 'never'):
        raise ValueError('result %r: want ok, fail or never' % (result,))
    _st['aps'][essid] = (password, delay_ms, result, steps)


def autoconnect(essid):
    """The station is active and already connected to essid, as an ESP8266
    is at boot when it remembers the network."""
    _st['act'][STA_IF] = True
    _st['essid'] = essid
    _st['t0'] = _st['clock'].ticks_ms()
    _st['aps'].setdefault(essid, ('', 0, 'ok', None))
    _st['auto'] = True


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
    if res == 'fail':
        return globals().get('STAT_CONNECT_FAIL', globals().get('STAT_ASSOC_FAIL'))
    return STAT_GOT_IP if key == pw else STAT_WRONG_PASSWORD


class WLAN:
    """A network interface: WLAN(STA_IF) the station, WLAN(AP_IF) the
    access point. All instances of one interface share its state."""

    def __init__(self, itf=STA_IF):
        if itf not in (STA_IF, AP_IF):
            raise ValueError('invalid WLAN interface identifier')
        if not _st:
            reset()
        self.itf = itf

    def active(self, *args):
        if not args:
            return _st['act'][self.itf]
        on = bool(args[0])
        calls.append(('active', self.itf, on))
        _st['act'][self.itf] = on
        if not on and self.itf == STA_IF:
            _st['essid'] = None
            _st.pop('auto', None)

    def _sta(self):
        if self.itf != STA_IF:
            raise OSError('STA required')
        if not _st['act'][STA_IF]:
            raise OSError('Wifi Not Started')

    def connect(self, ssid=None, key=None, *, bssid=None):
        self._sta()
        calls.append(('connect', ssid))
        globals()['key'] = key
        _st['essid'] = ssid
        _st['t0'] = _st['clock'].ticks_ms()
        _st.pop('auto', None)

    def disconnect(self):
        calls.append(('disconnect', self.itf))
        if self.itf == STA_IF:
            _st['essid'] = None
            _st.pop('auto', None)

    def isconnected(self):
        if self.itf == AP_IF:
            return False  # no station ever joins the fake access point
        return _status() == STAT_GOT_IP

    def status(self, *args):
        if args:
            if args[0] == 'rssi' and self.isconnected():
                return -60
            raise ValueError('unknown status param')
        if self.itf == AP_IF:
            return None if _st['port'] == 'esp32' else -1
        return _status()

    def ifconfig(self, *args):
        if args:
            _st['static'] = tuple(args[0])
            return
        if self.itf == AP_IF:
            return ('192.168.4.1', '255.255.255.0', '192.168.4.1', '208.67.222.222')
        if not self.isconnected():
            return ('0.0.0.0', '0.0.0.0', '0.0.0.0', '0.0.0.0')
        return _st['static'] or ('192.168.1.23', '255.255.255.0', '192.168.1.1', '192.168.1.1')

    def config(self, *args, **kw):
        if args:
            p = args[0]
            if p in ('essid', 'ssid'):
                if self.itf == AP_IF:
                    return _st['ap_essid']
                return _st['essid'] or ''
            if p == 'mac':
                return b'\x5c\xcf\x7f\x01\x02' + bytes([self.itf])
            raise ValueError('unknown config param')
        for k in kw:
            if k in ('essid', 'ssid') and self.itf == AP_IF:
                _st['ap_essid'] = kw[k]
            elif k not in ('password', 'key', 'channel', 'hostname', 'authmode'):
                raise ValueError('unknown config param')
        calls.append(('config', self.itf, sorted(kw)))

    def scan(self):
        self._sta()
        return [(e.encode(), b'\x00\x11\x22\x33\x44\x55', 6, -60, 3, False) for e in _st['aps']]


reset()
