# Soak of the MQTT writer (mqtt_writer.py, mqtt_client.py, mqtt_rare.py,
# mqtt_spool.py) against a real broker on 127.0.0.1 (the host test starts
# Mosquitto on a free port): a sensor every 10 s of virtual time feeds an
# MQTTWriter (its clock the same VirtualClock: back-off and keepalive in
# virtual time, the socket timeouts real). The heap is marked
# (soakkit.mark) after every block of events.
#
#   micropython soak_mqtt.py PORT MODE BLOCKS SIZE [SPOOLDIR]
#     MODE qos1: qos 1 with a spool file in SPOOLDIR, maxwait 8 s, and a
#                logger (SPOOLDIR/app.log): failures and refusals logged
#          qos0: qos 0, no spool, no logger
#          duty: qos 1, every=200 s, batch=25, a radio hook, spool
#          tls:  qos 1, ssl=True (the broker speaks TLS only), no spool
#     BLOCKS blocks of SIZE events (a multiple of 50). In the blocks 3, 6,
#     9 ... the broker is stopped at 30 % of the block and started again at
#     50 % (the outbox of 50 overflows when SIZE > 250): the script
#     prints 'ctl stop' / 'ctl start' and waits for a line on stdin (the
#     host test does it and answers); dropped messages are counted, the
#     oldest go.
# At the end: 'counts events published dropped queued refused errors
# connects reconnects radio-calls'.
import sys

from mqtt_writer import MQTTWriter
from thingflow import Scheduler, SensorAsOutputThing
from vclock import VirtualClock, run_for

from soakkit import mark


class Seq:
    """1, 2, 3 ...; every 50th value is NaN, which JSON cannot carry:
    the writer refuses it (counted, logged)."""
    sensor_id = 'seq'
    n = 0

    def sample(self):
        self.n += 1
        return self.n if self.n % 50 else float('nan')


def ctl(what):
    print('ctl', what)
    sys.stdin.readline()


def main(port, mode, blocks, size, d=None):
    clk = VirtualClock(period=1 << 26)  # the ticks wrap every 18.6 hours
    kw = {'maxwait': 8, 'clock': clk}
    radio = [0]
    if mode == 'qos0':
        kw['qos'] = 0
    elif mode == 'tls':
        kw['ssl'] = True
    else:
        kw['spool'] = d + '/outbox.txt'
    if mode == 'qos1':
        from logger import initialize_logging
        initialize_logging(d + '/app.log', max_len=4000)
    if mode == 'duty':
        def on(x):
            radio[0] += 1
        kw.update(every=200, batch=25, radio=on)
    w = MQTTWriter('soak', '127.0.0.1', port, 'soak/{sensor_id}', **kw)
    s = Scheduler(clk)
    src = Seq()
    t = SensorAsOutputThing(src, clk)
    t.connect(w)
    s.schedule_periodic(t, 10)
    for b in range(1, blocks + 1):
        if b % 3:
            run_for(s, 10 * size)  # size events
        else:
            run_for(s, 3 * size)
            ctl('stop')
            run_for(s, 2 * size)
            ctl('start')
            run_for(s, 5 * size)
        if mode != 'duty':  # (the duty cycle's writer sends at its cycle)
            w._observe()  # a wake-up: the outbox is sent now
        mark(b)
    print('counts', src.n, w.published, w.dropped, w.queued, w.refused, w.errors,
          w.connects, w.reconnects, radio[0])
    w.on_completed()


a = sys.argv
main(int(a[1]), a[2], int(a[3]), int(a[4]), a[5] if len(a) > 5 else None)
