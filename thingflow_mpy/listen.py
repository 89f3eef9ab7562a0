"""thingflow-mpy listen: the larger system's side. Subscribes to a broker
and shows each event the MQTT writer sends as `sensor_id, time, value`.

    thingflow-mpy listen --broker mqtt://127.0.0.1:1883 --topic 'home/#' --csv events.csv

The writer publishes json.dumps((sensor_id, ts, value)), a JSON list of
three; anything else on the topic (the writer's online/offline status, other
publishers) is counted as `other` and shown on stderr, never dropped
silently. `run` uses the same Listener to show what arrives."""
import csv
import json
import re
import sys
import threading
import time
from urllib.parse import unquote, urlsplit

DEFAULT_PORT = 1883


class UsageError(ValueError):
    """A bad value given on the command line; the message names it."""


def _masked(url):
    # url with the password of its user part shown as *** (for messages):
    # after the scheme (mqtt://, or mqtt: with no //), from the first ':' up to the last
    # '@' (a user name may hold a raw '@' or '/', a password a raw '/', '?',
    # '#', '@' or ':', and a line break, which urlsplit drops but the
    # message shows); a URL of another form (a missing //, no scheme) alike
    head = re.match(r'(?i)([a-z][a-z0-9+.-]*://|mqtts?:)?', url).group(0)
    rest = url[len(head):]
    i = rest.rfind('@')
    j = rest.find(':', 0, max(i, 0))
    return url if j < 0 else head + rest[:j + 1] + '***' + rest[i:]


def parse_broker(url):
    """'mqtt://[user[:password]@]host[:port]' -> (host, port, user, password).
    port defaults to 1883 (8883 for mqtts://, TLS: see is_tls); user and
    password are percent-decoded (a password with '/', '#', '?' or '@' is
    given as %2F, %23, %3F, %40; a '%' as %25). UsageError names a bad URL
    (its password shown as ***)."""
    try:
        u = urlsplit(url)
        port = u.port
    except ValueError:  # a port that is not a number or out of range (urllib's text can
        # quote a password with a raw '/', '?' or '#' as the "port")
        why = 'want a port 1-65535 (in a password, / # ? @ % go percent-encoded: %2F %23 %3F %40 %25)'
    else:
        why = ('want mqtt://HOST[:PORT] (or mqtts:// for TLS)' if u.scheme not in ('mqtt', 'mqtts') else
               'no host' if not u.hostname else
               'port 0' if port == 0 else
               'want mqtt://HOST[:PORT] and nothing after it' if u.path not in ('', '/') or u.query or u.fragment
               else None)
    if why is not None:
        raise UsageError('bad broker URL %r: %s' % (_masked(url), why))
    user, pw = u.username, u.password
    return (u.hostname, port or (8883 if is_tls(url) else DEFAULT_PORT), None if user is None else unquote(user),
            None if pw is None else unquote(pw))


def is_tls(url):
    """True for an mqtts:// broker URL (TLS)."""
    return urlsplit(url).scheme == 'mqtts'


def _bad_char(c):
    # a character a broker takes as a malformed packet in a topic (filter):
    # a control character (U+0000-U+001F, U+007F-U+009F), a surrogate (also
    # from command-line bytes that are not UTF-8) or a noncharacter (U+FDD0-
    # U+FDEF, U+xFFFE, U+xFFFF); MQTT 3.1.1 sections 1.5.3 and 4.7.3
    o = ord(c)
    return o < 32 or 127 <= o <= 159 or 0xd800 <= o <= 0xdfff or 0xfdd0 <= o <= 0xfdef or o & 0xfffe == 0xfffe


def check_topic(topic):
    """A subscription filter: non-empty, '#' only last, wildcards alone in
    their level, at most 65535 bytes of UTF-8, no control character,
    surrogate or noncharacter (Mosquitto drops the connection for those).
    Returns topic; UsageError names a bad one."""
    levels = topic.split('/') if topic else []
    ok = bool(levels)
    for i, lv in enumerate(levels):
        if ('#' in lv and (lv != '#' or i != len(levels) - 1)) or ('+' in lv and lv != '+'):
            ok = False
    if not ok:
        raise UsageError('bad topic filter %r' % (topic,))
    bad = [c for c in topic if _bad_char(c)]
    if bad:
        raise UsageError('bad topic filter %r: U+%04X (no control character (U+0000-U+001F, U+007F-U+009F), '
                         'surrogate or noncharacter)' % (topic, ord(bad[0])))
    n = len(topic.encode('utf-8'))
    if n > 65535:
        raise UsageError('bad topic filter %r...: %d bytes (at most 65535)' % (topic[:40], n))
    return topic


def _event(x):
    # (sensor_id, ts, value) from a decoded JSON list of three, else None;
    # a sensor id is a string or an integer (as ThingFlow-Python takes it)
    if isinstance(x, list) and len(x) == 3 and isinstance(x[0], (str, int)) \
            and not isinstance(x[0], bool) and isinstance(x[1], (int, float)) and not isinstance(x[1], bool):
        return x[0], x[1], x[2]
    return None


def decode(payload):
    """The one event of a message (a JSON list of three, or a batch of one),
    as (sensor_id, ts, value); None when it holds no event or several."""
    evs = events(payload)
    return evs[0] if len(evs) == 1 else None


def printable(s, out):
    """s in what out's encoding can take (a file of a Windows code page,
    PYTHONIOENCODING=ascii): the rest as \\xe9 escapes."""
    enc = getattr(out, 'encoding', None) or 'utf-8'
    return s.encode(enc, 'backslashreplace').decode(enc)


def counted(n, what):
    """'1 event', '3 events': n and what, plural unless n is 1."""
    return '%d %s%s' % (n, what, '' if n == 1 else 's')


def events(payload):
    """The events of a message, as MQTTWriter publishes them: one event (a
    JSON list of three), or a batch (what buffer_with_count sends: a JSON
    list of such lists). [] when the payload is anything else, including a
    batch with one item that is not an event."""
    try:
        x = json.loads(payload)
    except (ValueError, UnicodeDecodeError, RecursionError):  # (a deeply nested payload)
        return []
    ev = _event(x)
    if ev is not None:
        return [ev]
    if isinstance(x, list) and x:
        evs = [_event(y) for y in x]
        if None not in evs:
            return evs
    return []


def _text(s):
    # a string as it can be written out: a lone surrogate (JSON allows
    # "\ud800") as the escape \ud800, which no UTF-8 stream can take
    return s.encode('utf-8', 'backslashreplace').decode('utf-8')


def fmt_value(v):
    """A value as the listener shows it: strings as they are, the rest as JSON
    (so an (x, y, z) reading is [x, y, z])."""
    return _text(v) if isinstance(v, str) else json.dumps(v)


def fmt_event(ev):
    return '%s, %s, %s' % (fmt_id(ev[0]), json.dumps(ev[1]), fmt_value(ev[2]))


def fmt_id(s):
    """A sensor id as the listener shows it: a string as it is, an int in digits."""
    return _text(s) if isinstance(s, str) else str(s)


class Listener:
    """A paho-mqtt subscriber on its own network thread.
    on_event(topic, (sensor_id, ts, value)) for each event, on_other(topic,
    payload) for any other message. Counters: received, other. limit: when
    not None, events after the first `limit` are not taken (not passed on,
    not counted), and the Event `full` is set at the limit: listen --count
    stops at exactly that many.
    A lost connection is taken up again (tries 0.25, 0.5, then 1 s apart,
    until stop()) and subscribed again; messages published while it was
    down do not arrive (a clean session). Each loss and each
    return is passed to on_note(text) when set (listen shows it on stderr)
    and counted in `lost`.
    start() raises ConnectionError naming the broker when it cannot connect
    within timeout seconds (default 10). An exception in on_event or on_other
    (the output closed, a full disk) is kept in `error` (the first one) and
    the message is not counted; the listener goes on (paho's thread would
    die, and every later message would be lost without a word)."""

    def __init__(self, host, port, topic='#', on_event=None, on_other=None,
                 user=None, password=None, timeout=10.0, tls=False, ca=None):
        self.host, self.port, self.topic = host, port, topic
        self.tls, self.ca = tls, ca  # TLS; ca: the CA file (PEM) that signed the broker's certificate
        self.on_event = on_event
        self.on_other = on_other
        self.user, self.password = user, password
        self.timeout = timeout
        self.received = 0
        self.other = 0
        self.limit = None
        self.full = threading.Event()  # set when `limit` events were taken
        self.error = None
        self.on_note = None
        self.lost = 0  # connections lost after start()
        self._up = False  # connected and subscribed
        self._note = None  # the last text passed to on_note
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self._failed = None
        self._client = None

    def start(self):
        import paho.mqtt.client as mqtt
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id='thingflow-mpy-listen-%d' % id(self))
        if self.user is not None:
            c.username_pw_set(self.user, self.password)
        if self.tls:  # the broker's certificate is checked: against ca, else the system's CAs
            c.tls_set(ca_certs=self.ca)
        # after a lost connection: paho's default waits 1, 2, 4 ... up to
        # 120 s between tries, so a broker back after a restart went
        # unheard for up to 2 minutes, and what it took meanwhile was lost
        c.reconnect_delay_set(0.25, 1)
        where = 'mqtt%s://%s:%d' % ('s' * bool(self.tls), self.host, self.port)

        def note(text):
            # (a reconnect refused every second says so once, not every second)
            if self.on_note is not None and self._client is not None and text != self._note:  # (not after stop())
                self._note = text
                try:
                    self.on_note(text)
                except Exception as e:  # (as in _message: paho's thread must not die)
                    if self.error is None:
                        self.error = e

        def on_connect(client, ud, flags, rc, props=None):
            if rc.is_failure:
                if self._subscribed.is_set():  # a reconnect refused (paho tries again)
                    note('the broker at %s refused the connection: %s' % (where, rc))
                self._failed = str(rc)
                self._subscribed.set()
            else:
                client.subscribe(self.topic, qos=1)

        def on_subscribe(client, ud, mid, rcs, props=None):
            if rcs and rcs[0].is_failure:
                self._failed = 'subscription to %r refused: %s' % (self.topic, rcs[0])
                if self._subscribed.is_set():
                    note('connected again to %s, but %s' % (where, self._failed))
            elif self._subscribed.is_set():
                self._up = True
                note('connected again to %s (messages published meanwhile are lost)' % where)
            else:
                self._up = True
            self._subscribed.set()

        def on_disconnect(client, ud, flags, rc, props=None):
            if self._up and self._client is not None:
                self._up = False
                self.lost += 1
                note('connection to %s lost (%s): reconnecting' % (where, rc))

        c.on_connect = on_connect
        c.on_subscribe = on_subscribe
        c.on_disconnect = on_disconnect
        c.on_message = self._message
        try:
            c.connect(self.host, self.port, keepalive=30)
        except OSError as e:
            raise ConnectionError('cannot connect to the broker at %s: %s' % (where, e.strerror or e))
        c.loop_start()
        self._client = c
        if not self._subscribed.wait(self.timeout) or self._failed:
            self.stop()
            raise ConnectionError('cannot subscribe at %s: %s' % (where, self._failed or 'no answer'))
        return self

    def _message(self, client, ud, msg):
        evs = events(msg.payload)
        with self._lock:
            try:  # counted once shown
                if not evs:
                    if self.on_other:
                        self.on_other(msg.topic, msg.payload)
                    self.other += 1
                for ev in evs:  # one, or each event of a batch
                    if self.full.is_set():
                        break
                    if self.on_event:
                        self.on_event(msg.topic, ev)
                    self.received += 1
                    if self.received == self.limit:
                        self.full.set()
            except Exception as e:  # not shown: not counted
                if self.error is None:
                    self.error = e

    def stop(self):
        c = self._client
        if c is not None:
            self._client = None
            c.disconnect()
            c.loop_stop()


def show_other(topic, payload, out=None):
    """How a message that is not an event is shown (on stderr)."""
    p = payload[:60].decode('utf-8', 'replace')
    print('# %s: %s%s' % (topic, p, '...' if len(payload) > 60 else ''), file=out or sys.stderr, flush=True)


def listen(host, port, topic='#', csv_path=None, seconds=None, count=None,
           user=None, password=None, out=None, tls=False, ca=None):
    """The listen command: prints each event (or appends it as a CSV row,
    after a header row, to csv_path) until Ctrl-C, `seconds` have passed or
    `count` events have arrived. Returns the Listener (for its counters).
    A lost connection and its return are shown on stderr (`listen: connection
    to mqtt://HOST:PORT lost (...): reconnecting`, `listen: connected again
    to ...`).
    When an event cannot be written (the output closed: listen | head; a
    full disk), it stops there: the Listener's `error` says why."""
    out = out or sys.stdout
    f = w = None
    fresh = False  # the file still to be started (emptied, the header row)
    if csv_path:  # opened now (a path that cannot be written fails at once), emptied only
        f = open(csv_path, 'a', newline='', encoding='utf-8')  # once the broker is reached
        w = csv.writer(f)
        fresh = True

    def start_csv():
        nonlocal fresh
        if fresh:
            fresh = False
            try:
                f.truncate(0)
            except OSError:  # a device or a pipe (/dev/stdout): nothing to empty
                pass
            w.writerow(['sensor_id', 'time', 'value'])

    def on_event(topic, ev):
        if w is not None:
            start_csv()
            w.writerow([fmt_id(ev[0]), json.dumps(ev[1]), fmt_value(ev[2])])
            f.flush()
        else:
            print(printable(fmt_event(ev), out), file=out, flush=True)

    lst = Listener(host, port, topic, on_event, show_other, user, password, tls=tls, ca=ca)
    lst.limit = count
    lst.on_note = lambda text: print('listen: %s' % text, file=sys.stderr, flush=True)
    reached = False
    try:
        lst.start()
        reached = True
        t_end = None if seconds is None else time.monotonic() + seconds
        while not lst.full.is_set() and lst.error is None:
            left = 0.2 if t_end is None else min(0.2, t_end - time.monotonic())
            if left <= 0:
                break
            lst.full.wait(left)
    except KeyboardInterrupt:
        pass
    finally:
        lst.stop()
        if f is not None:
            try:  # (flushes the header row when no event came: a full disk fails here)
                if reached:
                    start_csv()
                f.close()
            except OSError as e:
                if lst.error is None:
                    lst.error = e
    return lst
