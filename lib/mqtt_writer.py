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
# RAM: the writer is its own MQTTClient (one object holds the connection and
# the outbox; client= gives another one). What only some apps or moments
# need lives in modules imported only then: mqtt_rare.py (a network failure
# and the back-off, the duty cycle, the end of the stream), mqtt_spool.py
# (spool=), mqtt_tls.py (ssl=True), mqtt_errors.py (the texts of errors and
# log lines: a bad argument, a refused event, a failure while a logger is
# in use).
import json

from thingflow import InputThing
from mqtt_client import MQTTClient, check_topic

# Why an event is refused (the texts are in mqtt_errors.py): 0 no sensor id
# for the topic, 1 the sensor id puts + # or a control character into the
# topic or leaves it empty or longer than 65535 bytes, 2 JSON cannot encode it, 3 bigger than maxsize,
# 4 the writer is closed.


class MQTTWriter(MQTTClient, InputThing):
    """Publishes json.dumps(event) to topic ('{sensor_id}' is replaced by the
    event's first item, or for a list of events by the first event's).
    Arguments (defaults):
      name       client id;  host, port  the broker (ignored with client)
      topic      no + # or control characters; may contain {sensor_id}
      user, password (None), keepalive=60 s, ssl=None (True or an SSLContext)
      qos=1 (0 or 1), retain=False
      outbox=50  messages held in RAM; drop='oldest' or 'newest' when full
      spool=None file that keeps the outbox across a reset (with every:
                 <spool>.cyc, the duty cycle's start, across deep sleeps)
      maxsize=1024 bytes of JSON at most; bigger events are refused
      timeout=3  seconds of network work per wake-up at most
      maxwait=64 seconds: reconnect back-off 1, 2, 4 ... up to this
      every=0, batch=0  radio duty cycle: connect only every `every` s or
                 when `batch` events wait, disconnect after sending (0: off)
      radio=None callable, radio(True) before connecting, radio(False) after
                 a duty-cycle disconnect or failure, and at the end
      status=True  '<root>/status': 'online' (retained) on connect,
                 'offline' on a clean disconnect and as the last will
      client=None  an object with umqtt's API instead of the writer's own
      clock=None   ticks_ms/ticks_diff (thingflow.default_clock)
    Counters: published, queued (now in the outbox), dropped (outbox full,
    a spool record cut short), refused (bad events), errors (network, radio
    hook, spool), connects, reconnects; last_error: the last such exception,
    or the error on_error(e) received.
    Attributes: client (the client= given; None: the writer is its own),
    status (the status topic or None), outbox (the list of waiting (topic,
    payload) messages, oldest first) and the arguments' values."""
    # Counters and options left at their defaults are class attributes, so
    # that an instance holds only what differs (each attribute costs RAM in
    # each instance). Names of arguments double as attribute names: every
    # new name costs RAM on MicroPython. (state: in MQTTClient.)
    published = dropped = refused = errors = connects = reconnects = 0
    every = batch = 0
    last_error = radio = spool = status = _conns = None  # _conns: {'default': None} when closed
    drop = 'oldest'
    qos = 1
    retain = False
    maxsize = 1024
    maxwait = 64
    _cap = 50  # outbox size
    queued = property(lambda x: len(x.outbox))

    def __init__(self, *a, **k):
        # (name, host, port, topic, user=None, password=None, keepalive=60,
        # ssl=None, qos=1, retain=False, outbox=50, drop='oldest',
        # spool=None, maxsize=1024, timeout=3, maxwait=64, every=0, batch=0,
        # radio=None, status=True, client=None, clock=None): the signature,
        # checks and settings are mqtt_init's, unloaded again when done (its
        # tuple of 18 defaults is not held in RAM)
        import mqtt_init
        mqtt_init.MQTTWriter(self, *a, **k)

    # ---- the input thing ----
    def on_next(self, x):
        """Queue the event as JSON, then send what is due. An event that
        cannot be sent is refused: counted in refused, and logged."""
        t = self.topic
        k = '{sensor_id}'
        a = (tuple, list)
        why = None
        if self._conns:
            why = 4  # closed
        elif k in t:
            s = x[0] if isinstance(x, a) and x else None
            if isinstance(s, a):  # a list of events (buffer_with_count)
                s = s[0] if s else None
            if s is None:
                why = 0  # no sensor id
            else:
                t = t.replace(k, str(s))
                if not check_topic(t, 1):  # (all of t: a long sensor id may take it past 65535 bytes)
                    why = 1  # a bad sensor id, an empty topic, or one too long
        if why is None:
            # What JSON can carry on both runtimes (MicroPython's json.dumps
            # writes '<object>' or 'nan' instead of raising): None, bool,
            # int, finite float, str, list/tuple, dict with str keys; v
            # grows with the items of x as the loop goes.
            v = [x]
            for y in v:
                if len(v) * 2 > self.maxsize + 1:  # n items make 2n - 1 bytes of JSON at least ('[1]', ', 1'):
                    why = 3  # too big (also a list or dict that holds itself)
                    break
                if isinstance(y, a):
                    v += y
                elif isinstance(y, dict):
                    for c in y:
                        if not isinstance(c, str):
                            why = 2  # not JSON
                    v += y.values()
                elif not (y is None or isinstance(y, (str, int, bool))  # bool is no int on MicroPython
                          or isinstance(y, float) and y - y == 0):  # not nan or inf
                    why = 2  # not JSON
        if why is None:  # (no try here: an except clause would take on_next's frame from the heap)
            s = json.dumps(x).encode()
            if len(s) > self.maxsize:
                why = 3  # too big
        if why is None:  # into the outbox; full: drop the oldest or this one
            q = self.outbox
            t = (t, s)
            if len(q) < self._cap:
                q.append(t)
            else:
                self.dropped += 1
                if self.drop == 'oldest':
                    q.pop(0)
                    q.append(t)
        else:
            self.refused += 1
            __import__('mqtt_client')._err(why, x, self)  # (rare: not a global of its own)
        self._observe()

    def on_completed(self, *e):
        """Send what can be sent now, then disconnect cleanly; what is left
        stays in the spool for the next start. Also on_error(e): e is logged.
        (*e rather than e=None: no tuple of defaults held in RAM.)"""
        import mqtt_rare
        mqtt_rare.end(self, *e)

    on_error = on_completed

    def connect(self, quiet=False):
        """Connect now: radio on, connect, status 'online'. Raises the
        client's error, e.g. MQTTError('connection refused: bad user name
        or password'); quiet=True: returns False instead (True: connected).
        Either way with a time budget of its own (timeout s from now)."""
        self.start = self.clock.ticks_ms()
        n = self.state  # < 0: a reconnect
        if n > 0:
            return True
        c = self.client or self
        s = self.status
        if s:
            try:
                c.set_last_will(s, 'offline', True, 1)
            except AttributeError:  # a client without it (optional in umqtt's API)
                pass
        # radio on, unless it is (mqtt_rare: a hook that fails, e.g.
        # wifi_connect's OSError, is a failure like the connect's: counted,
        # backed off, never raised here); its time, a wifi association
        # bounded by its own timeout, is not the budget's: that starts
        # afresh after it
        ok = not self.radio or __import__('mqtt_rare').radio(self)
        self.start = self.clock.ticks_ms()
        ok = ok and (self.run(MQTTClient.connect, c) if c is self else self.run(c.connect))
        if ok:
            self.state = 1  # (and the back-off is over)
            ok = not s or self.run(c.publish, s, 'online', True, 1)
        if ok:
            self.connects += 1
            if n:
                self.reconnects += 1
        elif not quiet:
            raise self.last_error
        return ok

    # ---- network work at a wake-up ----
    def _observe(self, *end):
        # a wake-up (each event; sched.schedule_periodic(writer, 30) adds
        # some of its own): the network work that is due, connect, publish,
        # ping; end (True, from mqtt_rare): the last time (send what can be
        # sent, even during a back-off). (*end rather than end=False: no
        # tuple of defaults held in RAM.)
        if self._conns and not end:
            return
        clk = self.clock
        self.start = t0 = clk.ticks_ms()
        ka = self.keepalive * 1000
        if self.state > 0 and ka and not 0 <= clk.ticks_diff(t0, self._last) < ka * 5 // 4:
            # the broker gives up on us after 1.5 keepalives: after 1.25 (a
            # margin for the clocks), start afresh (an event every keepalive
            # seconds keeps the connection)
            # (< 0: more than half a board's ticks period, 6.2 days, ago)
            __import__('mqtt_rare').error(self, None)
        q = self.outbox
        duty = self.every or self.batch
        # connect when something waits: at once, at the end, or after a
        # failure (back-off) or in a duty cycle when it is time (connect
        # starts the budget afresh: no network work came before it)
        if self.state < 1 and q and (end or self.state > -2 and not duty
                                     or __import__('mqtt_rare').due(self, t0)):
            self.connect(True)
        if self.state > 0:
            c = self.client or self
            while (q and clk.ticks_diff(clk.ticks_ms(), self.start) <= self.timeout * 750  # a quarter left: stop
                   and self.run(c.publish, *q[0], self.retain, self.qos)):
                q.pop(0)  # delivered: out of the outbox
                self.published += 1
            if self.state > 0:
                if duty:  # (also when out of time: the rest at the next cycle, radio off till then)
                    import mqtt_rare
                    mqtt_rare.close(self, t0)
                elif not q and ka and clk.ticks_diff(t0, self._last) * 2 >= ka and hasattr(c, 'ping'):
                    self.run(c.ping)  # idle since before this wake-up (ping: optional in umqtt's API)
        if self.spool and (q or self._fn):  # else the file is empty and up to date
            import mqtt_spool
            mqtt_spool.sync(self)

    def run(self, f, *v):
        # call the client with the time left of this wake-up's budget
        # (`timeout` s from start; for a client with a timeout attribute,
        # like mqtt_client's, as its timeout; the writer's own client sees
        # -timeout during the call: the budget of the wake-up, not a whole
        # timeout of the call's own as for a call of the user's): True, or
        # False after a failure (counted, backed off)
        c = self.client
        k = self.clock
        t = self.timeout
        if c and hasattr(c, 'timeout'):
            c.timeout = max(t * 1000 - k.ticks_diff(k.ticks_ms(), self.start), 1) / 1000
        self.timeout = -t
        try:
            f(*v)
        except Exception as e:
            import mqtt_rare
            mqtt_rare.error(self, e)
            return False
        finally:
            self.timeout = t
        self._last = k.ticks_ms()
        return True
