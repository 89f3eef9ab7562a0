# The simulated board's clock for the deep-sleep restart test (a board uses
# the time module instead): ticks_ms() counts ms since this process's reset
# and starts at the boot time given for this boot in $TF_BOOT_MS
# ('150,180,...', one per process; the last repeats); sleeping advances it at
# once. time() is the world time in seconds: the reset's world time (kept by
# the fake machine) plus the ticks.
import os

import machine

_boots = [int(x) for x in (os.getenv('TF_BOOT_MS') or '0').split(',')]
_n = int(machine._read('boots', b'0'))
machine._write('boots', b'%d' % (_n + 1))
BOOT = _boots[min(_n, len(_boots) - 1)]


class Clock:
    def __init__(self, start):
        self.now = start
        self.reset = int(machine._read('world', b'0'))

    def ticks_ms(self):
        return self.now

    def ticks_diff(self, a, b):
        return a - b

    def sleep_ms(self, ms):
        if ms < 0:
            raise ValueError('cannot sleep %r ms' % (ms,))
        self.now += ms

    def world(self):
        return self.reset + self.now

    def time(self):
        return self.world() / 1000


clock = Clock(BOOT)
