# radio_messages_per_day: the reference trace (filters_trace.py) through a
# counting sink, raw and with delta + buffer_with_count, on the virtual clock.
#   micropython filters_radio.py AMOUNT COUNT   -> "raw N" / "filtered N" / "passed N"
import sys
from thingflow import Scheduler, SensorAsOutputThing
from vclock import VirtualClock, run_for
import filters
import filters_value
from filters_trace import TraceSensor
from benchkit import Sink as Count


def day(amount, count):
    s = Scheduler(VirtualClock())
    raw = SensorAsOutputThing(TraceSensor('raw'), s.clock)
    filt = SensorAsOutputThing(TraceSensor('temp'), s.clock)
    a, b, c = Count(), Count(), Count()
    raw.connect(a)
    d = filt.delta(amount)
    d.connect(c)
    d.buffer_with_count(count).connect(b)
    s.schedule_periodic(raw, 10)
    s.schedule_periodic(filt, 10)
    run_for(s, 86400 + 60)
    print('raw', a.n)
    print('filtered', b.n)
    print('passed', c.n)


if __name__ == '__main__':
    day(float(sys.argv[1]), int(sys.argv[2]))
