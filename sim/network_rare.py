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
        # the ESP32's OSError, the Pico W's 0 (the CYW43 driver's RSSI before
        # a connection: extmod/network_cyw43.c); the access point has none
        # ('STA required': the ESP32's OSError, the Pico W's ValueError)
        if p == 'rssi':
            port = network._st['port']
            if w.itf != network.STA_IF:
                if port != 'esp8266':
                    raise (OSError if port == 'esp32' else ValueError)('STA required')
            elif w.isconnected():
                return -60
            elif port == 'esp32':
                raise OSError('Wifi Not Connected')
            else:
                return 31 if port == 'esp8266' else 0
        raise ValueError('unknown status param')

    def ifconfig(w, *args):
        if args:
            network._st['static'] = tuple(args[0])
            return
        return ('192.168.4.1', '255.255.255.0', '192.168.4.1', '208.67.222.222')  # the access point's

    def config(w, *args, **kw):
        # As the ports' network_wlan.c: one parameter to read, or keywords to
        # set (not both); the access point's own parameters on the station
        # are OSError('AP required') on the ESP ports, the station's on the
        # access point 'STA required'; values as last set (the defaults
        # below are the simulation's: channel 1, open, not hidden)
        s = network._st
        port = s['port']
        ap = w.itf == network.AP_IF
        rp = port == 'rp2'
        c = s.setdefault('cfg', {'channel': 1, 'hidden': False, 'security': 0, 'hostname': 'mpy-sim',
                                 'reconnects': -1, 'pm': 1, 'protocol': 3, 'auto_connect': True})
        if args and kw:  # (the Pico W's extmod/network_cyw43.c words it its own way)
            raise TypeError("can't specify pos and kw args" if rp else 'either pos or kw args are allowed')
        if not kw:
            if len(args) != 1:
                raise TypeError('must query one param' if rp else 'can query only one param')
            p = args[0]
            if p in ('essid', 'ssid'):
                return s.get('ap_essid', 'MicroPython-1a2b3c') if ap else s['essid'] or ''
            if p == 'mac':
                return s.get(('mac', w.itf)) or b'\x5c\xcf\x7f\x01\x02' + bytes([w.itf])
            # (reconnects is read on the ESP32 only, auto_connect is the ESP8266's;
            # the Pico W has neither, nor hidden, protocol and the ESP names
            # authmode and dhcp_hostname: network_cyw43.c's config())
            if rp and p in _NO_RP2 or _alias(p) not in c or p == 'reconnects' and port != 'esp32' \
                    or p == 'auto_connect' and port != 'esp8266':
                raise ValueError('unknown config param')
            p = _alias(p)
            _need(w, port, p)
            return c[p]
        for k in kw:
            v = kw[k]
            if rp and (k in _NO_RP2 or k == 'mac'):  # (the Pico W reads its mac, sets none)
                raise ValueError('unknown config param')
            if k == 'mac':
                if len(memoryview(v)) != 6:
                    raise ValueError('invalid buffer length')
                s[('mac', w.itf)] = bytes(v)
                continue
            if k in ('essid', 'ssid', 'key', 'password'):
                _need(w, port, k)
                if ap and k in ('essid', 'ssid'):
                    s['ap_essid'] = v
                continue
            k = _alias(k)
            # (reconnects is set on the station of either ESP port, auto_connect on the ESP8266's)
            if k not in c and k != 'txpower' or k == 'auto_connect' and port != 'esp8266':
                raise ValueError('unknown config param')
            if k != 'hostname':  # (set on either interface; read on the station)
                _need(w, port, k)
            c[k] = v
        network.calls.append(('config', w.itf, sorted(kw)))

    def scan(w):
        if w.itf != network.STA_IF:
            raise OSError('STA required')
        if not network._st['act'][network.STA_IF]:  # ports/esp8266 network_wlan.c: its own words
            raise OSError('STA must be active' if network._st['port'] == 'esp8266' else 'Wifi Not Started')
        return [(e.encode(), b'\x00\x11\x22\x33\x44\x55', 6, -60, 3, False) for e in network._st['aps']]


# config() parameters the ESP ports take and the Pico W's does not
_NO_RP2 = ('hidden', 'protocol', 'authmode', 'dhcp_hostname', 'reconnects', 'auto_connect')


def _alias(p):
    # the name config() keeps a parameter under (the ports take both)
    return 'security' if p == 'authmode' else 'hostname' if p == 'dhcp_hostname' else p


def _need(w, port, p):
    # the interface a parameter belongs to, as the ESP ports check it (the
    # Pico W's driver does not): hidden, security, the essid and password to
    # set and (ESP8266) channel are the access point's, hostname and
    # reconnects the station's
    if port != 'rp2':
        if p in ('hidden', 'security', 'essid', 'ssid', 'key', 'password') or p == 'channel' and port == 'esp8266':
            if w.itf != network.AP_IF:
                raise OSError('AP required')
        elif p in ('hostname', 'reconnects') and w.itf != network.STA_IF:
            raise OSError('STA required')
