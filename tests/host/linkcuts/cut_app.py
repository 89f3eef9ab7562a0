# A device app for tests/host/test_mqtt_link_cuts.py (MicroPython and
# CPython): one scripted MQTTWriter run per run id, each through the test's
# cutting proxy (the proxy tells the runs apart by the client id 'lc' + id).
#
#   micropython cut_app.py PORT TIMEOUT ID:HOLD_MS:QOS ...
#
# The script of a run, on the real clock, the writer's calls made directly
# (as the scheduler would) and each timed: events 0..N-1 20 ms apart
# (connect, last will and status 'online', publishes with qos QOS), an idle
# wake-up 0.54 s later (keepalive 1 s: a PINGREQ), the last event N no
# earlier than HOLD_MS after the start, then wake-ups every 30 ms until the outbox is
# empty and the writer connected (at most 6 s), and a DISCONNECT (so that
# 'online' stays the retained status). One line per run:
#   R id published queued dropped refused errors connects reconnects exc slowest_ms state last_error
# and a line 'X id repr' for each exception that left the writer.
import sys

from thingflow import ticks_ms, ticks_diff, sleep_ms
from mqtt_writer import MQTTWriter

N = 3
port = int(sys.argv[1])
timeout = float(sys.argv[2])


def run(rid, hold, qos):
    w = MQTTWriter('lc' + rid, '127.0.0.1', port, 'lc/' + rid + '/{sensor_id}', keepalive=1,
                   timeout=timeout, maxwait=0.1, qos=qos)
    st = [0, 0]  # exceptions out of the writer, the slowest call (ms)

    def call(f, *a):
        t = ticks_ms()
        try:
            f(*a)
        except Exception as e:
            st[0] += 1
            print('X', rid, repr(e))
        d = ticks_diff(ticks_ms(), t)
        if d > st[1]:
            st[1] = d

    t0 = ticks_ms()
    for i in range(N):
        call(w.on_next, ('s', i, i))
        sleep_ms(20)
    sleep_ms(540)  # idle for more than half the keepalive: the next wake-up pings
    call(w._observe)
    while ticks_diff(ticks_ms(), t0) < hold:
        sleep_ms(20)
    call(w.on_next, ('s', N, N))
    t1 = ticks_ms()
    while (w.queued or w.state < 1) and ticks_diff(ticks_ms(), t1) < 6000:
        sleep_ms(30)
        call(w._observe)
    print('R', rid, w.published, w.queued, w.dropped, w.refused, w.errors, w.connects, w.reconnects,
          st[0], st[1], w.state, repr(w.last_error))
    try:
        w.disconnect()  # the client's own DISCONNECT: the status stays 'online'
    except Exception as e:
        print('D', rid, repr(e))


for a in sys.argv[3:]:
    a = a.split(':')
    run(a[0], int(a[1]), int(a[2]))
