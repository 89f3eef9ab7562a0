# Wifi helpers that never hang: connect with a timeout, disconnect, switch
# the access point off. `network` is imported when a function is called (or
# passed in as net=), so this module imports on a host without one.
#
#   from wifi import wifi_connect, disable_wifi_ap
#   import config                          # ESSID, PASSWORD: kept out of the library
#   disable_wifi_ap()
#   try:
#       ip, mask, gw, dns = wifi_connect(config.ESSID, config.PASSWORD, timeout=20)
#   except OSError as e:   # wifi 'home': not connected after 20 s: wrong password (STAT_WRONG_PASSWORD=2)
#       ...                                # e.g. deep-sleep and try again later
#
# Time comes from an injectable clock (ticks_ms, ticks_diff, sleep_ms;
# default thingflow.default_clock), so tests run the timeout in virtual time.
# The password never appears in a message, a log line or an exception.
# Progress goes to the global log when logger.py is initialised, else print.
# RAM (MicroPython Unix port, .mpy): see README.md (logger) (bench/bench_logger.py).
import sys

from thingflow import default_clock

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

_POLL_MS = const(100)  # how often the status is looked at while connecting


def _say(msg, *args):
    # To the global log when logger.py is initialised, else to the console.
    m = sys.modules.get('logger')
    if m and m.max_len:
        m.info(msg, *args)
    else:
        print(msg % args)


def _net(net):
    if net is None:
        import network as net
    return net


def __getattr__(a):
    # status_text and wifi_disconnect live in wifirare.py, loaded at their
    # first use (a failed connect, a disconnect): less heap at every start
    if a not in ('status_text', 'wifi_disconnect'):
        raise AttributeError(a)
    return getattr(__import__('wifirare'), a)


def wifi_connect(essid, password, timeout=30, clock=None, net=None):
    """Activate the station, connect to essid and return the ifconfig() tuple
    (ip, netmask, gateway, dns). Returns at once when already connected to
    essid. timeout: seconds (30). On timeout the station is switched off
    and OSError names the essid and the last failure status (wrong
    password, no access point found, connect failed) or that it was still
    connecting. ValueError for a bad essid, password or timeout.
    clock: ticks_ms, ticks_diff, sleep_ms (thingflow.default_clock);
    net: the network module (imported at the call when None)."""
    # bytes, not characters: the ports keep 32 and 64 bytes and cut the rest
    if not isinstance(essid, str) or not 0 < len(essid.encode()) <= 32:
        k = 0
    elif not isinstance(password, str) or len(password.encode()) > 64:
        k = 1
    elif type(timeout) not in (int, float) or not 1 <= timeout * 1000 <= 86400000:
        k = 2  # not a number, nan, or not 1 ms to a day (1e306 s overflowed in ms; no float constant: heap)
    else:
        k = 3
    if k < 3:  # one string, not three: less heap
        raise ValueError(('essid %r: want a str of 1 to 32 UTF-8 bytes\n'
                          'password for %r: want a str of at most 64 UTF-8 bytes\n'
                          'timeout %r: want 0.001 to 86400 s').split('\n')[k] % (timeout if k > 1 else essid,))
    ms = int(timeout * 1000)
    clk = clock or default_clock
    net = _net(net)
    w = net.WLAN(net.STA_IF)
    t0 = clk.ticks_ms()  # the timeout covers the radio's start (slow on a Pico W) and connect() too
    w.active(True)
    if w.isconnected():
        try:
            e = w.config('essid')
        except Exception:  # the port cannot tell
            e = None
        if e == essid:
            return w.ifconfig()
        w.disconnect()  # connected elsewhere (a network the board remembered)
    _say('wifi: connecting to %r', essid)
    try:
        w.connect(essid, password)
    except OSError:  # an ESP32 still trying on its own (after a soft reset): 'Wifi Internal Error'
        w.disconnect()
        try:
            w.connect(essid, password)
        except OSError as e:  # refused again: named, the radio off
            w.active(False)
            raise OSError('wifi %r: connect refused: %s' % (essid, e))
    ok = (getattr(net, 'STAT_CONNECTING', None), getattr(net, 'STAT_IDLE', None),
          getattr(net, 'STAT_GOT_IP', None))
    st = err = None
    n = ms // _POLL_MS + 2  # a bound on the polls even if the clock stood still
    while n:
        if w.isconnected():
            c = w.ifconfig()
            _say('wifi: connected to %r: %r', essid, c)
            return c
        st = w.status()
        if st not in ok:
            err = st  # a failure; the port may still retry on its own
        t = ms - clk.ticks_diff(clk.ticks_ms(), t0)  # ms left
        if t <= 0:
            break
        clk.sleep_ms(t if t < _POLL_MS else _POLL_MS)
        n -= 1
    w.active(False)  # stop trying: the radio costs power
    raise OSError('wifi %r: not connected after %s s: %s' % (
        essid, timeout, __import__('wifirare').status_text(st if err is None else err, net)))


def disable_wifi_ap(net=None):
    """Switch off the board's own access point (on by default on an ESP8266)."""
    net = _net(net)
    w = net.WLAN(net.AP_IF)
    w.active(False)
    _say('wifi: access point off, status %r', w.status())
