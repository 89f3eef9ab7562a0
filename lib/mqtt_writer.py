# MQTTWriter: an input thing that publishes each event as JSON to an MQTT
# broker and loses nothing while the broker is away.
#
#   from thingflow import Scheduler
#   from mqtt_writer import MQTTWriter
#   w = MQTTWriter('board1', '192.168.1.10', 1883, 'home/kitchen/{sensor_id}',
#                  user='dev', password=config.MQTT_PASSWORD, spool='/outbox.txt')
#   sched = Scheduler()
#   sched.schedule_sensor(Thermometer(), 60, w)   # ('temp', ts, 21.5) -> home/kitchen/temp
#   sched.run_forever()
#
# Battery (radio duty cycle): MQTTWriter(..., every=600, batch=50, radio=wlan_on)
# connects only every 600 s or when 50 events wait, and disconnects in between.
#
# Events wait in a bounded outbox (RAM, and the spool file when given) and
# leave it only after the broker's PUBACK (qos 1): at least once, in order.
# Network work happens at wake-ups (each event, and _observe() when the
# writer is scheduled with schedule_periodic), bounded by `timeout` seconds.
#
# RAM: what only some apps use lives in modules imported only then:
# mqtt_spool.py (spool=), mqtt_tls.py (ssl=True), mqtt_errors.py (the texts
# of errors and log lines: a bad argument, a refused event, a failure while
# a logger is in use). mqtt_client.py is not imported when client= is given.
import json
import sys

from thingflow import InputThing, default_clock

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

_FIRST_MS = const(1000)  # first reconnect back-off; doubles up to maxwait
# what a log line is about (the texts are in mqtt_errors.py)
_R_SID = const(0)  # refused: no sensor id for the topic
_R_TOPIC = const(1)  # refused: the sensor id puts + # NUL or newline into the topic
_R_JSON = const(2)  # refused: JSON cannot encode it
_R_SIZE = const(3)  # refused: bigger than maxsize
_R_DONE = const(4)  # refused: the writer is closed
_N_NET = const(5)  # a network failure
_N_UP = const(7)  # an error from upstream


def _json_ok(x):
    # What JSON can carry on both runtimes (MicroPython's json.dumps writes
    # '<object>' or 'nan' instead of raising): None, bool, int, finite
    # float, str, list/tuple, dict with str keys.
    if x is None or isinstance(x, (str, int, bool)):  # bool is no int on MicroPython
        return True
    if isinstance(x, float):
        return x - x == 0  # False for nan and inf
    if isinstance(x, dict):
        for v in x:
            if not isinstance(v, str):
                return False
        x = x.values()
    elif not isinstance(x, (tuple, list)):
        return False
    for v in x:
        if not _json_ok(v):
            return False
    return True


def _err(x, v, thing=None):
    # The texts live in mqtt_errors, imported only now: raise the error x
    # (an argument name) about the value v, or, for a writer `thing`, log
    # the warning x about v when a logger is in use (else nothing).
    if thing is None or sys.modules.get('logger'):
        import mqtt_errors
        mqtt_errors.bad(x, v, thing)


class MQTTWriter(InputThing):
    """Publishes json.dumps(event) to topic ('{sensor_id}' is replaced by the
    event's first item, or for a list of events by the first event's).
    Arguments (defaults):
      name       client id;  host, port  the broker (ignored with client)
      topic      no + or #; may contain {sensor_id}
      user, password (None), keepalive=60 s, ssl=None (True or an SSLContext)
      qos=1 (0 or 1), retain=False
      outbox=50  messages held in RAM; drop='oldest' or 'newest' when full
      spool=None file that keeps the outbox across a reset
      maxsize=1024 bytes of JSON at most; bigger events are refused
      timeout=3  seconds of network work per wake-up at most
      maxwait=64 seconds: reconnect back-off 1, 2, 4 ... up to this
      every=0, batch=0  radio duty cycle: connect only every `every` s or
                 when `batch` events wait, disconnect after sending (0: off)
      radio=None callable, radio(True) before connecting, radio(False) after
                 a duty-cycle disconnect
      status=True  '<root>/status': 'online' (retained) on connect,
                 'offline' on a clean disconnect and as the last will
      client=None  an object with umqtt's API instead of mqtt_client's
      clock=None   ticks_ms/ticks_diff (thingflow.default_clock)
    Counters: published, queued (now in the outbox), dropped (outbox full),
    refused (bad events), errors (network), connects, reconnects;
    last_error: the last network exception.
    Attributes: client, status (the status topic or None), outbox (the ring
    of waiting (topic, payload) messages) and the arguments' values."""
    # Counters and rarely set options are class defaults, so that an
    # instance holds only what differs (each attribute costs RAM in each
    # instance). Names of arguments double as attribute names: every new
    # name costs RAM on MicroPython.
    published = queued = dropped = refused = errors = connects = reconnects = 0
    every = batch = 0
    last_error = radio = spool = status = password = _conns = None  # _conns {}: closed
    drop = 'oldest'
    clock = default_clock
    _h = 0  # index of the oldest message in the outbox
    _ms = 0  # current back-off, ms (0: none)
    _u = 0  # newest messages not yet written to the spool
    _up = 0  # 1 connected, 0 not, -1 lost (a failure since the last connect)

    def __init__(self, name, host, port, topic, user=None, password=None, keepalive=60,
                 ssl=None, qos=1, retain=False, outbox=50, drop='oldest', spool=None,
                 maxsize=1024, timeout=3, maxwait=64, every=0, batch=0, radio=None,
                 status=True, client=None, clock=None):
        if not isinstance(topic, str) or not topic:
            _err('topic', topic)
        for x in '+#\x00\n':  # no character that no topic to publish to may have
            if x in topic:
                _err('topic', topic)
        if qos not in (0, 1) or type(qos) is bool:
            _err('qos', qos)
        if type(outbox) is not int or outbox < 1:
            _err('outbox', outbox)
        if drop not in ('oldest', 'newest'):
            _err('drop', drop)
        for x, v, n in (('maxsize', maxsize, 0), ('timeout', timeout, 0), ('maxwait', maxwait, 0),
                        ('every', every, 1), ('batch', batch, 1)):
            if not isinstance(v, (int, float)) or v < 0 or not (v or n):
                _err(x, v)  # a number > 0 (>= 0 when n)
        if client is None:
            if type(port) is not int or not 0 < port < 65536:
                _err('port', port)
            if not host or not isinstance(host, str):
                _err('host', host)
            from mqtt_client import MQTTClient
            client = MQTTClient(name, host, port, user, password, keepalive, ssl, timeout)
        self.name = name
        self.topic = topic
        if status:  # the topic's root: up to {sensor_id}, without a trailing /
            status = topic.split('{sensor_id}')[0].rstrip('/')
            self.status = status + '/status' if status else 'status'
        self.qos = qos
        self.retain = retain
        self.keepalive = keepalive
        self.maxsize = maxsize
        self.timeout = timeout
        self.maxwait = maxwait
        if clock:
            self.clock = clock
        self.client = client
        self.outbox = [None] * outbox  # a ring of (topic, payload bytes)
        # set later: _t0 when this wake-up began, _fail_t when the last
        # attempt failed, _last when the broker last heard from us
        if password:
            self.password = password  # only to blank it out of log lines
        if drop != 'oldest':
            self.drop = drop
        if every or batch or radio:
            self.every = every
            self.batch = batch
            self.radio = radio
            self._cyc = self.clock.ticks_ms()  # when the last duty cycle began
        if spool:
            self.spool = spool
            import mqtt_spool
            mqtt_spool.load(self)

    # ---- the input thing ----
    def on_next(self, x):
        """Queue the event as JSON, then send what is due. An event that
        cannot be sent is refused: counted in refused, and logged."""
        t = self.topic
        why = None
        if self._conns is not None:
            why = _R_DONE
        elif '{sensor_id}' in t:
            s = x[0] if isinstance(x, (tuple, list)) and x else None
            if isinstance(s, (tuple, list)):  # a list of events (buffer_with_count)
                s = s[0] if s else None
            if s is None:
                why = _R_SID
            else:
                s = str(s)
                for c in '+#\x00\n':
                    if c in s:
                        why = _R_TOPIC
                t = t.replace('{sensor_id}', s)
        if why is None:
            if _json_ok(x):
                s = json.dumps(x).encode()
                if len(s) > self.maxsize:
                    why = _R_SIZE
            else:
                why = _R_JSON
        if why is None:  # into the outbox, a ring of len(outbox) messages, oldest first
            q = self.outbox
            n = self.queued
            i = (self._h + n) % len(q)
            if n == len(q):  # full: drop the oldest (at i, overwritten) or this one
                self.dropped += 1
                if self.drop == 'oldest':
                    self._h = (i + 1) % n
                else:
                    i = None
            else:
                self.queued += 1
            if i is not None:
                q[i] = (t, s)
                self._u = min(self._u + 1, self.queued)
        else:
            self.refused += 1
            _err(why, x, self)
        self._work()

    def on_completed(self, e=None):
        """Send what can be sent now, then disconnect cleanly; what is left
        stays in the spool for the next start. Also on_error(e): e is logged."""
        if e is not None:
            _err(_N_UP, e, self)
        if self._conns is None:
            self._conns = {}  # closed: a scheduler drops a writer with no open port
            self._work(True)
            self._close()

    on_error = on_completed

    def connect(self, quiet=False):
        """Connect now: radio on, connect, status 'online'. Raises the
        client's error, e.g. MQTTError('connection refused: bad user name
        or password'); quiet=True: returns False instead (True: connected)."""
        if not quiet:  # a call of its own: a time budget of its own
            self._t0 = self.clock.ticks_ms()
        if self._up > 0:
            return True
        if self.radio:
            self.radio(True)
        c = self.client
        s = self.status
        if s and hasattr(c, 'set_last_will'):
            c.set_last_will(s, 'offline', True, 1)
        n = self._up  # -1: a reconnect
        ok = self._do(c.connect)
        if ok:
            self._up = 1
            ok = not s or self._do(c.publish, s, 'online', True, 1)
        if ok:
            self.connects += 1
            if n:
                self.reconnects += 1
            self._ms = 0
        elif not quiet:
            raise self.last_error
        return ok

    # ---- network work at a wake-up ----
    def _work(self, end=False):
        # the network work that is due: connect, publish, ping; end: the
        # last time (send what can be sent, even during a back-off)
        if self._conns is not None and not end:
            return
        clk = self.clock
        self._t0 = t0 = clk.ticks_ms()
        ka = self.keepalive * 1000
        if self._up > 0 and ka and not end and clk.ticks_diff(t0, self._last) >= ka:
            self._fail(None)  # the broker gives up on us after 1.5 keepalives: start afresh
        n = self.queued
        duty = self.every or self.batch
        if self._up < 1 and n and (end or not self._ms or clk.ticks_diff(t0, self._fail_t) >= self._ms):
            if end or not duty or self.batch and n >= self.batch or \
                    self.every and clk.ticks_diff(t0, self._cyc) >= self.every * 1000:
                if duty:
                    self._cyc = t0
                self.connect(True)
        if self._up > 0:
            c = self.client
            q = self.outbox
            n = self.timeout * 750  # stop when less than a quarter is left
            while self.queued and clk.ticks_diff(clk.ticks_ms(), t0) <= n:
                m = q[self._h]
                if not self._do(c.publish, m[0], m[1], self.retain, self.qos):
                    break
                q[self._h] = None  # delivered: out of the outbox
                self._h = (self._h + 1) % len(q)
                self.queued -= 1
                self._u = min(self._u, self.queued)
                self.published += 1
            if self._up > 0 and not self.queued:
                if duty:
                    self._close()
                elif ka and clk.ticks_diff(clk.ticks_ms(), self._last) * 2 >= ka:
                    self._do(c.ping)
        if self.spool:
            import mqtt_spool
            mqtt_spool.sync(self)

    _observe = _work  # a wake-up of its own: sched.schedule_periodic(writer, 30)

    def _do(self, f, *a):
        # call the client with the time left of this wake-up's budget
        # (`timeout` s; for a client with a timeout attribute, like
        # mqtt_client's): True, or False after a failure (counted, backed off)
        c = self.client
        if hasattr(c, 'timeout'):
            n = self.timeout * 1000 - self.clock.ticks_diff(self.clock.ticks_ms(), self._t0)
            c.timeout = (n if n > 1 else 1) / 1000
        try:
            f(*a)
        except Exception as e:
            self._fail(e)
            return False
        self._last = self.clock.ticks_ms()
        return True

    def _fail(self, e):
        # forget the connection without a word (the broker publishes the
        # will); e: a network failure, counted, logged, and backed off
        self._up = -1
        c = self.client
        s = getattr(c, 'sock', None)
        if s is not None:
            c.sock = None
            try:
                s.close()
            except Exception:
                pass
        if e is not None:
            self.errors += 1
            self.last_error = e
            self._ms = min(max(self._ms * 2, _FIRST_MS), int(self.maxwait * 1000))
            self._fail_t = self.clock.ticks_ms()
            _err(_N_NET, e, self)
            if self.radio and (self.every or self.batch):
                self.radio(False)

    def _close(self):
        # a clean disconnect: 'offline', DISCONNECT, radio off
        if self._up > 0:
            c = self.client
            s = self.status
            if (not s or self._do(c.publish, s, 'offline', True, 1)) and self._do(c.disconnect):
                self._up = 0
        if self.radio:
            self.radio(False)
