# A device app for the MQTT host tests (runs on MicroPython and CPython):
# a sensor counting 0, 1, ... n-1 every `interval` s into an MQTTWriter.
#
#   micropython writer_app.py port=1883 n=500 interval=0.01 [qos=1 outbox=50
#       spool=/tmp/x timeout=3 maxwait=2 every=0 batch=0 keepalive=60
#       user=u password=p ca=/tmp/ca.der topic=t/{sensor_id} name=app
#       check=1 (connect first, print the error) hang=1 (stay after the events)
#       buffer=4 (events go through buffer_with_count(4): lists of events)]
#
# Prints 'key value' lines at the end: the writer's counters, and slowest:
# the longest time in ms that one event (or the completion) spent in the writer.
import sys

from thingflow import Scheduler, InputThing, SensorAsOutputThing, ticks_ms, ticks_diff, sleep_ms
from mqtt_writer import MQTTWriter

opts = {}
for a in sys.argv[1:]:
    k, v = a.split('=', 1)
    opts[k] = v
kw = {}
for k in ('qos', 'outbox', 'maxwait', 'every', 'batch', 'keepalive'):
    if k in opts:
        kw[k] = int(opts[k])
if 'timeout' in opts:
    kw['timeout'] = float(opts['timeout'])
for k in ('spool', 'user', 'password'):
    if k in opts:
        kw[k] = opts[k]
if 'ca' in opts:
    try:
        import ssl
    except ImportError:
        import tls as ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    with open(opts['ca'], 'rb') as f:
        ctx.load_verify_locations(cadata=f.read())
    ctx.verify_mode = ssl.CERT_REQUIRED
    kw['ssl'] = ctx
w = MQTTWriter(opts.get('name', 'app'), '127.0.0.1', int(opts['port']),
               opts.get('topic', 't/{sensor_id}'), **kw)
n = int(opts.get('n', 10))
if opts.get('check'):
    try:
        w.connect()
        print('connected')
    except Exception as e:
        print('error %r' % (e,))


class Seq:
    sensor_id = 'seq'

    def __init__(self):
        self.i = 0

    def sample(self):
        if self.i >= n:
            raise StopIteration
        self.i += 1
        return self.i - 1


class Timed(InputThing):
    """Passes everything to the writer and keeps the longest time it took."""

    def __init__(self):
        self.slowest = 0

    def _time(self, fn, *a):
        t = ticks_ms()
        fn(*a)
        d = ticks_diff(ticks_ms(), t)
        if d > self.slowest:
            self.slowest = d

    def on_next(self, x):
        self._time(w.on_next, x)

    def on_completed(self):
        if opts.get('hang'):
            print('spooled %d' % w.queued)
            while True:  # wait here to be killed (a reset)
                sleep_ms(1000)
        self._time(w.on_completed)


t = Timed()
s = Scheduler()
if opts.get('buffer'):
    import filters  # noqa: F401  (the fluent methods)
    src = SensorAsOutputThing(Seq(), s.clock)
    src.buffer_with_count(int(opts['buffer'])).connect(t)
    s.schedule_periodic(src, float(opts.get('interval', 0.01)))
else:
    s.schedule_sensor(Seq(), float(opts.get('interval', 0.01)), t)
s.run_forever()
for k in ('published', 'queued', 'dropped', 'refused', 'errors', 'connects', 'reconnects'):
    print('%s %d' % (k, getattr(w, k)))
print('slowest %d' % t.slowest)
print('last_error %r' % (w.last_error,))
