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
import json

from thingflow import InputThing, default_clock

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

_FIRST_MS = const(1000)  # first reconnect back-off; doubles up to maxwait


def _json_ok(v):
    # What JSON can carry on both runtimes (MicroPython's json.dumps writes
    # '<object>' or 'nan' instead of raising): None, bool, int, finite
    # float, str, list/tuple, dict with str keys.
    if v is None or isinstance(v, (str, int, bool)):  # bool is no int on MicroPython
        return True
    if isinstance(v, float):
        return v - v == 0  # False for nan and inf
    if isinstance(v, (tuple, list)):
        for x in v:
            if not _json_ok(x):
                return False
        return True
    if isinstance(v, dict):
        for k in v:
            if not isinstance(k, str) or not _json_ok(v[k]):
                return False
        return True
    return False


def _check(topic):
    # ValueError naming a topic that cannot be published to
    if not isinstance(topic, str) or not topic:
        raise ValueError('topic %r: want a non-empty string' % (topic,))
    if '+' in topic or '#' in topic:
        raise ValueError('topic %r: + and # are for subscribing, not publishing' % (topic,))
    if '\x00' in topic or '\n' in topic:
        raise ValueError('topic %r: no NUL or newline' % (topic,))


def _note(name, m):
    # log a warning when a logger is initialised; otherwise nothing
    try:
        from logger import get_logger
        get_logger().warning('mqtt %s: %s', name, m)
    except Exception:
        pass


class MQTTWriter(InputThing):
    """Publishes json.dumps(event) to topic ('{sensor_id}' is replaced by the
    event's first item). Arguments (defaults):
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
    last_error: the last network exception."""

    def __init__(self, name, host, port, topic, user=None, password=None, keepalive=60,
                 ssl=None, qos=1, retain=False, outbox=50, drop='oldest', spool=None,
                 maxsize=1024, timeout=3, maxwait=64, every=0, batch=0, radio=None,
                 status=True, client=None, clock=None):
        _check(topic)
        if qos not in (0, 1) or isinstance(qos, bool):
            raise ValueError('qos %r: want 0 or 1' % (qos,))
        if not (isinstance(outbox, int) and outbox > 0):
            raise ValueError('outbox %r: want a number of messages > 0' % (outbox,))
        if drop not in ('oldest', 'newest'):
            raise ValueError("drop %r: want 'oldest' or 'newest'" % (drop,))
        for n, v in (('maxsize', maxsize), ('timeout', timeout), ('maxwait', maxwait)):
            if not (isinstance(v, (int, float)) and v > 0):
                raise ValueError('%s %r: want a number > 0' % (n, v))
        for n, v in (('every', every), ('batch', batch)):
            if not (isinstance(v, (int, float)) and v >= 0):
                raise ValueError('%s %r: want a number >= 0 (0: off)' % (n, v))
        if client is None:
            if not (isinstance(port, int) and 0 < port < 65536) or isinstance(port, bool):
                raise ValueError('port %r: want 1-65535' % (port,))
            if not host or not isinstance(host, str):
                raise ValueError('host %r: want a host name or address' % (host,))
            from mqtt_client import MQTTClient
            client = MQTTClient(name, host, port, user, password, keepalive, ssl, timeout)
        self.name = name
        self.topic = topic
        self._tpl = '{sensor_id}' in topic
        r = topic.split('{sensor_id}')[0].rstrip('/') if self._tpl else topic
        self._st = (r + '/status' if r else 'status') if status else None
        self.qos = qos
        self.retain = retain
        self.keepalive = keepalive
        self.maxsize = maxsize
        self.timeout = timeout
        self.maxwait = maxwait
        self.every = every
        self.batch = batch
        self.radio = radio
        self.spool = spool
        self.clock = clock or default_clock
        self._cl = client
        self._pw = password  # only to blank it out of logged messages
        self._newest = drop == 'newest'
        self._q = [None] * outbox  # ring of (topic, payload bytes)
        self._h = 0  # index of the oldest message
        self._u = 0  # newest messages not yet written to the spool
        self._fn = 0  # records in the spool file
        self._fd = 0  # of those, the first _fd have left the outbox
        self._up = False  # connected
        self._lost = False  # the connection failed since the last connect
        self._wait = 0  # current back-off, ms (0: none)
        t = self.clock.ticks_ms()
        self._fail_t = t  # when the last attempt failed
        self._sent = t  # when the broker last heard from us
        self._cyc = t  # when the last duty cycle began
        self._done = False
        self._t0 = t  # when the current wake-up began
        self.published = self.queued = self.dropped = self.refused = 0
        self.errors = self.connects = self.reconnects = 0
        self.last_error = None
        if spool:
            self._load()

    # ---- the outbox: a ring of up to len(_q) messages, oldest first ----
    def _put(self, m):
        q = self._q
        n = len(q)
        if self.queued == n:
            self.dropped += 1
            if self._newest:
                return
            self._pop()
        q[(self._h + self.queued) % n] = m
        self.queued += 1
        self._u += 1

    def _pop(self):
        self._q[self._h] = None
        self._h = (self._h + 1) % len(self._q)
        self.queued -= 1
        if self._u > self.queued:
            self._u = self.queued

    def _msg(self, x):
        # (topic, payload) for an event, or None (refused and counted)
        t = self.topic
        if self._tpl:
            if not isinstance(x, (tuple, list)) or not x:
                return self._refuse(x, 'no sensor_id for the topic')
            t = t.replace('{sensor_id}', str(x[0]))
            if '+' in t or '#' in t or '\x00' in t or '\n' in t:
                return self._refuse(x, 'topic %r has + # NUL or newline' % t)
        if not _json_ok(x):
            return self._refuse(x, 'JSON cannot encode it')
        p = json.dumps(x).encode()
        if len(p) > self.maxsize:
            return self._refuse(x, '%d bytes > maxsize %d' % (len(p), self.maxsize))
        return (t, p)

    def _refuse(self, x, why):
        self.refused += 1
        _note(self.name, 'event %r refused: %s' % (x, why))
        return None

    # ---- the input thing ----
    def on_next(self, x):
        """Queue the event as JSON, then send what is due."""
        if self._done:
            self._refuse(x, 'writer closed')
            return
        m = self._msg(x)
        if m is not None:
            self._put(m)
        self._work(False)

    def _observe(self):
        # a wake-up of its own (sched.schedule_periodic(writer, interval))
        if not self._done:
            self._work(False)

    def on_completed(self):
        """Send what can be sent now, then disconnect cleanly; what is left
        stays in the spool for the next start."""
        if not self._done:
            self._done = True
            self._work(True)
            self._close()
            self._conns = {}  # a scheduler drops a writer with no open port

    def on_error(self, e):
        _note(self.name, 'upstream error %r' % (e,))
        self.on_completed()

    def connect(self):
        """Connect now (radio on, status 'online'); raises the client's
        error, e.g. MQTTError('connection refused: bad user name or password')."""
        if not self._up and not self._open():
            raise self.last_error

    # ---- network work at a wake-up ----
    def _work(self, final):
        clk = self.clock
        self._t0 = t0 = clk.ticks_ms()
        duty = self.every or self.batch
        if not final and self._up and self.keepalive and \
                clk.ticks_diff(t0, self._sent) >= self.keepalive * 1000:
            self._drop()  # the broker gives up on us after 1.5 keepalives: start afresh
            self._lost = True
        due = self.queued > 0
        if duty and due and not final:
            due = (self.batch and self.queued >= self.batch) or \
                (self.every and clk.ticks_diff(t0, self._cyc) >= self.every * 1000)
        if not self._up and (due or final and self.queued) and \
                (final or clk.ticks_diff(t0, self._fail_t) >= self._wait):
            if duty:
                self._cyc = t0
            self._open()
        if self._up:
            q = self._q
            lim = self.timeout * 250  # stop when less than a quarter is left
            while self.queued and self._budget() >= lim:
                m = q[self._h]
                if not self._pub(m[0], m[1], self.retain, self.qos):
                    break
                self._pop()
                self.published += 1
            if self._up and not self.queued and self.keepalive and \
                    clk.ticks_diff(clk.ticks_ms(), self._sent) >= self.keepalive * 500:
                self._budget()
                self._ping()
            if self._up and duty and not self.queued:
                self._close()
        if self.spool:
            self._sync()

    def _budget(self):
        # ms left of this wake-up's time budget (timeout s), handed to a
        # client that has a timeout attribute (mqtt_client's has)
        left = self.timeout * 1000 - self.clock.ticks_diff(self.clock.ticks_ms(), self._t0)
        if hasattr(self._cl, 'timeout'):
            self._cl.timeout = (left if left > 1 else 1) / 1000
        return left

    def _pub(self, t, m, r, qos):
        try:
            self._cl.publish(t, m, r, qos)
        except Exception as e:
            self._fail(e)
            return False
        self._sent = self.clock.ticks_ms()
        return True

    def _ping(self):
        try:
            self._cl.ping()
        except Exception as e:
            self._fail(e)
            return
        self._sent = self.clock.ticks_ms()

    def _open(self):
        # connect and say 'online'; False after a failure (counted, backed off)
        if self.radio:
            self.radio(True)
        c = self._cl
        st = self._st
        try:
            if st and hasattr(c, 'set_last_will'):
                c.set_last_will(st, 'offline', True, 1)
            self._budget()
            c.connect()
            self._up = True
            if st:
                self._budget()
                c.publish(st, 'online', True, 1)
        except Exception as e:
            self._fail(e)
            return False
        self._sent = self.clock.ticks_ms()
        self.connects += 1
        if self._lost:
            self.reconnects += 1
        self._lost = False
        self._wait = 0
        return True

    def _fail(self, e):
        # a network failure: count, remember, drop the connection, back off
        self.errors += 1
        self.last_error = e
        m = repr(e)
        if self._pw:
            m = m.replace(self._pw, '***')
        _note(self.name, 'network: %s (retry in %d ms)' % (m, self._wait))
        self._drop()
        self._lost = True
        self._wait = min(max(self._wait * 2, _FIRST_MS), int(self.maxwait * 1000))
        self._fail_t = self.clock.ticks_ms()
        if self.radio and (self.every or self.batch):
            self.radio(False)

    def _drop(self):
        # forget the connection without a word (the broker publishes the will)
        self._up = False
        s = getattr(self._cl, 'sock', None)
        if s is not None:
            try:
                s.close()
            except Exception:
                pass
        if hasattr(self._cl, 'sock'):
            self._cl.sock = None

    def _close(self):
        # a clean disconnect: 'offline', DISCONNECT, radio off
        if self._up:
            c = self._cl
            try:
                if self._st:
                    self._budget()
                    c.publish(self._st, 'offline', True, 1)
                self._budget()
                c.disconnect()
            except Exception as e:
                self._fail(e)
            self._up = False
        if self.radio:
            self.radio(False)

    # ---- the spool: the outbox as an append-only file, kept across resets ----
    # One line per message, topic NUL payload; a line NUL count says that
    # the first count records of the file have left the outbox.
    def _sync(self):
        try:
            self._sync2()
        except OSError as e:  # flash full or gone: the RAM outbox goes on
            self.errors += 1
            self.last_error = e
            _note(self.name, 'spool %s: %r' % (self.spool, e))

    def _sync2(self):
        n = self.queued
        if not n:
            if self._fn:
                import os
                os.remove(self.spool)
                self._fn = self._fd = 0
            return
        u = self._u
        gone = self._fn - (n - u)
        if gone == self._fd and not u:
            return
        if self._fn + u > 2 * len(self._q):
            return self._rewrite()  # compact: only what is left
        with open(self.spool, 'ab') as f:
            if gone != self._fd:
                f.write(b'\x00%d\n' % gone)
                self._fd = gone
            self._write(f, n - u)
        self._fn += u
        self._u = 0

    def _write(self, f, i):
        # write the outbox from its i-th oldest message on, one line each
        q = self._q
        while i < self.queued:
            m = q[(self._h + i) % len(q)]
            f.write(m[0].encode())
            f.write(b'\x00')
            f.write(m[1])
            f.write(b'\n')
            i += 1

    def _rewrite(self):
        # the whole outbox to a new file that replaces the spool at once
        import os
        p = self.spool + '.new'
        with open(p, 'wb') as f:
            self._write(f, 0)
        os.rename(p, self.spool)
        self._fn = self.queued
        self._fd = self._u = 0

    def _load(self):
        # replay the spool into the outbox (at start), then rewrite it compactly
        try:
            f = open(self.spool, 'rb')
        except OSError:
            return
        with f:
            gone = 0
            for ln in f:
                if _kind(ln) == 0:
                    gone = int(ln[1:-1].decode())
            f.seek(0)
            i = 0
            for ln in f:
                k = _kind(ln)
                if k > 0:
                    if i >= gone:
                        t = ln[:k].decode()
                        self._put((self.topic if t == self.topic else t, ln[k + 1:-1]))
                    i += 1
                elif k < 0:
                    self.dropped += 1  # a line cut short by a reset
        if self.queued:
            self._rewrite()
        else:
            import os
            os.remove(self.spool)


def _kind(ln):
    # a spool line: -1 damaged, 0 a count line, else the index of the NUL
    # that ends a record's topic
    if ln[-1:] != b'\n':
        return -1
    k = ln.find(b'\x00')
    if k == 0:
        return 0 if ln[1:-1].isdigit() else -1
    return k if k > 0 else -1
