# Logger and LogWriter speed on the device side; prints "key value" lines.
#   micropython logger_speed.py DIR
# Every line is flushed (on the Unix port a flush is an fsync), so DIR
# should be on tmpfs to measure the logger rather than the disk.
import gc
import sys

import logger
from thingflow import SensorAsOutputThing

from benchkit import ticks_diff, ticks_us


class Count:
    sensor_id = 'c'

    def __init__(self):
        self.n = 0

    def sample(self):
        self.n += 1
        return self.n


def main(d):
    p = d + '/speed.log'
    log = logger.initialize_logging(p, max_len=32000)
    n = 2000
    best = 0
    for r in range(3):
        gc.collect()
        t0 = ticks_us()
        for i in range(n):
            log.info('sample %d', i)
        best = max(best, n * 1000000 // ticks_diff(ticks_us(), t0))
    print('log_lines_per_s', best)
    gc.collect()
    t0 = ticks_us()
    for i in range(n):
        log.debug('below the level %d', i)
    print('filtered_lines_per_s', n * 1000000 // ticks_diff(ticks_us(), t0))
    s = SensorAsOutputThing(Count())
    from logwriter import LogWriter
    s.connect(LogWriter())
    gc.collect()
    t0 = ticks_us()
    for i in range(n):
        s._observe()
    print('logwriter_events_per_s', n * 1000000 // ticks_diff(ticks_us(), t0))
    assert log.dropped == 0
    # the rarely run code (lograre.py) stays unloaded: no long line, no failure
    print('lograre_loaded', int('lograre' in sys.modules))
    logger.close_logging()
    import os
    for f in ('speed.log', 'speed.log.1'):
        try:
            os.remove(d + '/' + f)
        except OSError:
            pass


main(sys.argv[1])
