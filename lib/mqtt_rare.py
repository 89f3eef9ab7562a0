# The parts of MQTTWriter that run only at some moments, imported only then
# (no RAM until one of them happens): a network failure (closing, counting,
# logging, the reconnect back-off 1, 2, 4 ... maxwait s), the radio duty
# cycle (every=, batch=; with spool=, every spans deep sleeps: <spool>.cyc),
# and the end of the stream (on_completed/on_error: the last flush,
# 'offline', DISCONNECT, radio off).
from mqtt_client import _err

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

_FIRST_MS = const(1000)  # first reconnect back-off; doubles up to maxwait
_N_NET = const(5)  # log line: a network failure
_N_UP = const(7)  # log line: an error from upstream
_N_SPOOL = const(6)  # log line: the spool failed


def error(w, e):
    """Forget w's connection without a word (the broker publishes the
    will); e: a network failure, counted, logged, and backed off."""
    s = w.state  # < -1: backing off -state ms
    w.state = -1
    c = w.client or w
    x = getattr(c, 'sock', None)
    if x is not None:
        c.sock = None
        try:
            x.close()
        except Exception:
            pass
    if e is not None:
        w.errors += 1
        w.last_error = e
        # the wait doubles from the last one while no event gets through:
        # also when the connect worked but a publish failed (a broker that
        # drops a message too big for it, or never sends its PUBACK); _bo:
        # (published, the wait) at the last failure
        b = getattr(w, '_bo', None)
        s = -s if s < -1 else b[1] if b and b[0] == w.published else 0
        s = min(max(s * 2, _FIRST_MS), int(w.maxwait * 1000))
        w.state = -s
        w._bo = (w.published, s)
        w._fail_t = w.clock.ticks_ms()
        _err(_N_NET, e, w)
        if w.every or w.batch:
            _off(w)


def due(w, t0):
    """True when w is to connect at t0: its back-off is over, and with a
    duty cycle, batch events wait or every s have passed since the last
    cycle that sent everything began (the first cycle begins at the first
    event, or with a spool as <spool>.cyc says: it may have begun in an
    earlier run), so that a failed attempt is retried after the back-off.
    (every less 16 ms a second of it, at most 1 s: the wake-ups' jitter of
    a few ms, or a deep sleep's whole seconds, must not make a cycle wait
    for one reading more). Not due, with a spool that cannot be written
    (a full flash): due, what waits is sent rather than lost at a reset."""
    clk = w.clock
    # (a time < 0 ago: more than half a board's ticks period, 6.2 days, ago)
    if w.state < -1 and 0 <= clk.ticks_diff(t0, w._fail_t) < -w.state:
        return False
    if not (w.every or w.batch):
        return True
    c = getattr(w, '_cyc', None)
    if c is None:
        c = w._cyc = t0
        if w.every and w.spool:  # a new run of the app (a deep-sleep wake-up is one):
            _carry(w)  # the cycle may have begun in an earlier run
    if (w.batch and len(w.outbox) >= w.batch
            or w.every and not 0 <= clk.ticks_diff(t0, c) + getattr(w, '_cyo', 0)
            < w.every * 1000 - min(w.every * 16, 1000)):
        return True
    if w.spool:  # not due: what waits is safe only in the spool (a deep sleep
        import mqtt_spool  # loses RAM); when that cannot be written (flash
        mqtt_spool.sync(w)  # full: counted), it is sent now rather than lost
        return w._fn < 0
    return False


def _carry(w):
    # The cycle's age from an earlier run: the clock's time() (s) at which
    # it began is kept in <spool>.cyc (whole seconds: a board's time() is
    # an int), as the ticks start afresh with each run. None yet (or cut
    # short): the cycle begins now. Time gone back: due now.
    t = getattr(w.clock, 'time', None)
    if t:
        try:
            with open(w.spool + '.cyc') as f:
                a = int(t()) - int(f.read())
            w._cyo = a * 1000 if a >= 0 else w.every * 1000
        except (OSError, ValueError):
            _mark(w, 0)


def _mark(w, b):
    # the cycle began b ms ago: its time() in <spool>.cyc (in ints: a board's
    # 32-bit floats are 128 s apart near time()'s 1.7e9); a failed write is
    # counted and logged, and the cycle is due at once
    t = getattr(w.clock, 'time', None)
    if t:
        try:
            with open(w.spool + '.cyc', 'w') as f:
                f.write(str(int(t()) - (b + 999) // 1000))
        except OSError as e:  # (flash full: the spool fails too, and what waits
            w._cyo = w.every * 1000  # is lost at the next deep sleep: send it now)
            w.errors += 1
            w.last_error = e
            _err(_N_SPOOL, e, w)


def close(w, *t):
    """A clean disconnect: 'offline', DISCONNECT, radio off. (At the end of
    a duty cycle, also when out of time: with everything sent the next
    cycle is due every s after this one's wake-up began, t[0] (the ticks
    before the radio hook's association; else w.start), else at once.)
    Then the radio off, if it is on (a duty cycle's is off since its last
    failure: radio(False) once)."""
    if w.state > 0:
        if not w.outbox:  # (else the next cycle is due at once)
            t = w._cyc = t[0] if t else w.start
            w._cyo = 0
            if w.every and w.spool:  # for the next run (see _carry)
                _mark(w, w.clock.ticks_diff(w.clock.ticks_ms(), t))
        c = w.client or w
        s = w.status
        if (not s or w.run(c.publish, s, 'offline', True, 1)) and w.run(c.disconnect):
            w.state = 0
    _off(w)


def radio(w):
    """radio(True) before a connect, unless the radio is on (since a
    radio(True) with no radio(False) after it): the hook's calls come in
    pairs. True when on; False when the hook failed (counted and backed off
    as a connect's failure), after a radio(False): an association that
    failed may have left the radio on, and the next attempt starts afresh."""
    if not getattr(w, '_ron', 0):
        w._ron = 1
        if not w.run(w.radio, True):
            _off(w)  # (a duty cycle's error() has done it)
            return False
    return True


def _off(w):
    # radio(False), if any and it is on: a hook that raises is a network
    # failure, counted and logged, never raised into the pipeline
    if getattr(w, '_ron', 0):
        w._ron = 0
        try:
            w.radio(False)
        except Exception as e:
            w.errors += 1
            w.last_error = e
            _err(_N_NET, e, w)


def end(w, e=None):
    """on_completed/on_error: e kept in last_error (not counted in errors:
    no failure of the writer's own) and logged; send what can be sent, even
    during a back-off, then close; later events are refused."""
    if e is not None:
        w.last_error = e  # readable without a logger too: never lost silently
        _err(_N_UP, e, w)
    if w._conns is None:
        w._conns = {'default': None}  # closed: a scheduler drops a writer with no open port
        w._observe(True)
        close(w)
