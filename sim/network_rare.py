# The rarely used part of the fake `network` (network.py), imported at its
# first use: the other ports' STAT_* codes, autoconnect(), and the WLAN
# methods below (through network.WLAN's __getattr__, or called by
# network.py for status(param) and ifconfig() with arguments or of the
# access point).
import network

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


def port(p):
    # network's STAT_* constants become port p's
    if p not in _PORTS:
        raise ValueError('port %r: want one of %r' % (p, sorted(_PORTS)))
    for d in _PORTS.values():
        for n in d:
            if hasattr(network, n):
                delattr(network, n)
    for n, v in _PORTS[p].items():
        setattr(network, n, v)  # as an interned name, so that dir() lists it on MicroPython


def autoconnect(essid):
    """The station is active and already connected to essid, as an ESP8266
    is at boot when it remembers the network."""
    s = network._st
    s['act'][network.STA_IF] = True
    s['essid'] = essid
    s['t0'] = s['clock'].ticks_ms()
    s['aps'].setdefault(essid, ('', 0, 'ok', None))
    s['auto'] = True


class WLAN:
    # network.WLAN's rarely used methods (w: a network.WLAN)
    def disconnect(w):
        network.calls.append(('disconnect', w.itf))
        if w.itf == network.STA_IF:
            network._st['essid'] = None
            network._st.pop('auto', None)

    def status(w, p):
        # status('rssi') as each port's network_wlan.c answers it: connected,
        # -60 dBm; not connected, the ESP8266 SDK's "invalid value" 31 and
        # the ESP32's OSError; the access point has none (the ESP32: 'STA
        # required'); the Pico W's 'unknown status param' when not connected
        if p == 'rssi':
            port = network._st['port']
            if w.itf != network.STA_IF:
                if port == 'esp32':
                    raise OSError('STA required')
            elif w.isconnected():
                return -60
            elif port == 'esp32':
                raise OSError('Wifi Not Connected')
            elif port == 'esp8266':
                return 31
        raise ValueError('unknown status param')

    def ifconfig(w, *args):
        if args:
            network._st['static'] = tuple(args[0])
            return
        return ('192.168.4.1', '255.255.255.0', '192.168.4.1', '208.67.222.222')  # the access point's

    def config(w, *args, **kw):
        s = network._st
        if args:
            p = args[0]
            if p in ('essid', 'ssid'):
                if w.itf == network.AP_IF:
                    return s.get('ap_essid', 'MicroPython-1a2b3c')
                return s['essid'] or ''
            if p == 'mac':
                return b'\x5c\xcf\x7f\x01\x02' + bytes([w.itf])
            raise ValueError('unknown config param')
        for k in kw:
            if k in ('essid', 'ssid') and w.itf == network.AP_IF:
                s['ap_essid'] = kw[k]
            elif k not in ('password', 'key', 'channel', 'hostname', 'authmode'):
                raise ValueError('unknown config param')
        network.calls.append(('config', w.itf, sorted(kw)))

    def scan(w):
        if w.itf != network.STA_IF:
            raise OSError('STA required')
        if not network._st['act'][network.STA_IF]:
            raise OSError('Wifi Not Started')
        return [(e.encode(), b'\x00\x11\x22\x33\x44\x55', 6, -60, 3, False) for e in network._st['aps']]
