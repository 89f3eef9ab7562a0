# MQTT benchmark device script (MicroPython Unix port, .mpy library):
#   micropython mqtt_bench.py mem PORT        heap bytes: import + one connected writer
#                                             (and the qstr pool after each step)
#   micropython mqtt_bench.py rate PORT QOS N  N events as fast as they go
#   micropython mqtt_bench.py fleet PORT ID N  N events at 10 Hz through the scheduler
# Prints 'key value' lines.
import gc
import sys

mode, port = sys.argv[1], int(sys.argv[2])


def _scrub(n):
    # overwrite the C stack below us, so that no stale word left there keeps
    # garbage alive in the conservative collector (see mem_import.py)
    a = b = c = d = None
    if n:
        _scrub(n - 1)


def _alloc():
    _scrub(40)
    gc.collect()
    return gc.mem_alloc()


if mode == 'mem':
    import micropython
    a = _alloc()
    import thingflow  # noqa: F401  (the core, counted apart)
    b = _alloc()
    micropython.qstr_info()  # 'qstr pool: ... n_qstr=N ...': qstrs so far
    import mqtt_client  # noqa: F401
    b2 = _alloc()
    from mqtt_writer import MQTTWriter
    c = _alloc()
    micropython.qstr_info()
    w = MQTTWriter('mem', '127.0.0.1', port, 'b/{sensor_id}')
    w.connect()
    w.on_next(('s', 1, 2))  # one event through: the buffers a writer keeps
    d = _alloc()
    micropython.qstr_info()
    print('core_import_bytes', b - a)
    print('mqtt_client_import_bytes', b2 - b)
    print('mqtt_writer_import_bytes', c - b2)
    print('mqtt_import_bytes', c - b)
    print('mqtt_writer_instance_bytes', d - c)
    print('mqtt_writer_bytes', d - b)
    print('published', w.published)
    print('modules', ','.join(sorted(m for m in sys.modules if m.startswith('mqtt'))))
elif mode == 'rate':
    from mqtt_writer import MQTTWriter
    from thingflow import ticks_ms, ticks_diff
    qos, n = int(sys.argv[3]), int(sys.argv[4])
    w = MQTTWriter('rate', '127.0.0.1', port, 'r/{sensor_id}', qos=qos, status=False)
    w.connect()
    t = ticks_ms()
    for i in range(n):
        w.on_next(('s', i, i))
    ms = ticks_diff(ticks_ms(), t)
    w.on_completed()
    print('sent_ms', ms)
    print('published', w.published)
    print('errors', w.errors)
elif mode == 'fleet':
    from mqtt_writer import MQTTWriter
    from thingflow import Scheduler
    dev, n = sys.argv[3], int(sys.argv[4])
    w = MQTTWriter('dev' + dev, '127.0.0.1', port, 'fleet/d%s/{sensor_id}' % dev)

    class Seq:
        sensor_id = 'seq'
        i = 0

        def sample(self):
            if self.i >= n:
                raise StopIteration
            self.i += 1
            return self.i - 1
    s = Scheduler()
    s.schedule_sensor(Seq(), 0.1, w)
    s.run_forever()
    for k in ('published', 'queued', 'dropped', 'errors', 'reconnects'):
        print(k, getattr(w, k))
