# A simulated board's `machine` for the deep-sleep restart test: it overrides
# MicroPython's built-in `machine` (a file on MICROPYPATH wins on the Unix
# port) and keeps what a board keeps across a deep sleep in files under
# $TF_POWER_DIR: RTC memory ('rtc'), the reset cause ('cause') and the world
# time at the reset ('world', ms). deepsleep(ms) ends the process, as the
# board's reset does; the test starts the next one.
import os
import sys

PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5

DIR = os.getenv('TF_POWER_DIR')
calls = []


def _read(name, default):
    try:
        with open(DIR + '/' + name, 'rb') as f:
            return f.read()
    except OSError:
        return default


def _write(name, b):
    with open(DIR + '/' + name, 'wb') as f:
        f.write(b)


class RTC:
    """machine.RTC(): memory([data]) as on the ESP8266 (492 bytes)."""

    def memory(self, data=None):
        if data is None:
            return _read('rtc', b'')
        if len(data) > 492:
            raise ValueError('buffer too long')
        _write('rtc', bytes(data))


def reset_cause():
    return int(_read('cause', b'1'))


def lightsleep(ms=None):
    calls.append(('lightsleep', ms))
    import simboard
    simboard.clock.now += ms


def deepsleep(ms=None):
    import simboard
    _write('world', b'%d' % (simboard.clock.world() + ms))
    _write('cause', b'%d' % DEEPSLEEP_RESET)
    with open(DIR + '/deepsleeps', 'a') as f:
        f.write('%d\n' % ms)
    sys.exit(0)  # the reset: this process ends here
