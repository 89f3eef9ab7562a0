# The rarely run part of wifi.py, imported at its first use: status_text()
# (the message of a failed connect) and wifi_disconnect(). Apps import them
# from wifi as before (wifi's module __getattr__ hands them over); kept out
# of wifi.py to save heap at every start (RAM: see README.md (logger)).
from wifi import _net, _say


def status_text(st, net=None):
    """What a status code of WLAN.status() means on this port, from the
    name of its STAT_* constant, e.g. 'wrong password (STAT_WRONG_PASSWORD=2)'."""
    net = _net(net)
    for n in dir(net):
        if n[:5] == 'STAT_' and getattr(net, n) == st:
            t = n[5:].lower().replace('_', ' ')
            if n in ('STAT_CONNECTING', 'STAT_IDLE'):
                t = 'timeout, ' + t
            return '%s (%s=%r)' % (t, n, st)
    g = getattr(net, 'STAT_GOT_IP', None)
    if st == 2 and g == 3:  # rp2: the CYW43 chip's own code
        return 'timeout, joined, no IP address yet (status 2)'
    if st in (210, 211, 212) and g == 1010:  # ESP32 (ESP-IDF 5.2+): an AP whose security,
        return 'no ap found (status %r)' % (st,)  # auth mode or signal it does not take
    return 'status %r' % (st,)


def wifi_disconnect(net=None):
    """Disconnect the station (the port remembers the network, so do this
    before connecting to another one). Returns True if it was connected."""
    net = _net(net)
    w = net.WLAN(net.STA_IF)
    c = w.isconnected()
    if w.active():  # also a station still trying: an ESP32 retries on its own until disconnect()
        w.disconnect()
    _say('wifi: disconnected' if c else 'wifi: not connected')
    return c
