# TSL2591 light sensor (ams), on I2C: readings in lux.
#
#   from machine import I2C, Pin
#   from sensors.tsl2591 import TSL2591
#   i2c = I2C(0, scl=Pin(5), sda=Pin(4))          # the bus is built by the app
#   light = TSL2591(i2c, sensor_id='lux', gain=25, itime=100, auto=True)
#   sched.schedule_sensor(light, 60, writer)      # events ('lux', ts, 312.4)
#
# The chip integrates continuously (PON and AEN set); sample() reads the last
# finished integration. After a setting changes it waits for a fresh one
# (itime ms plus a little, through clock.sleep_ms) so no reading mixes the
# old settings with the new. A reading that reaches the maximum count
# (37888 at 100 ms, 65535 from 200 ms) is saturated (lux() returns None):
# RuntimeError, or with auto=True the gain steps down and the chip is read
# again; auto also steps the gain up, for the next sample, when the light is
# low (the reading would stay under half scale at the next gain).
#
# Errors: OSError(ENODEV, 'no TSL2591 at 0x29 (<why>)') at construction;
# ValueError('TSL2591 gain 30') for a bad setting; RuntimeError('TSL2591 0x29
# saturated: <ch0>, <ch1> at gain 25, 100 ms'); OSError(ETIMEDOUT) when no
# integration finishes in 3 waits. I2C errors in sample() propagate.
#
# RAM: the messages are made in sensors._err, imported only on an error.
# Construction (the chip ID check, the settings), configure(), saturation and
# the automatic gain are in sensors._tsl2591x: construction imports it and
# unloads it again when it returns (its RAM, about 1.5 KB, is taken only
# while the driver is constructed), unless auto=True, which needs it for
# every sample; configure() and a saturated reading import it again (and
# it then stays). The lux formula is in integers
# (float constants are heap objects on 64-bit); no bytes or tuple literals (each is a
# heap object for good).
try:
    from micropython import const
except ImportError:
    const = int

# registers (ENABLE 0x00, CONTROL 0x01, ID 0x12: in sensors._tsl2591x)
_CMD = const(0xA0)  # command bit and "normal operation" transaction
_STATUS = const(0x13)  # AVALID bit 0; C0DATAL, C0DATAH, C1DATAL, C1DATAH follow


def lux(ch0, ch1, gain, itime):
    """Lux from the counts of channel 0 (full spectrum) and channel 1
    (infrared) at gain (1, 25, 428 or 9876) and integration time itime (ms):
    CPL = itime * gain / 408, lux = the larger of (ch0 - 1.64 ch1) / CPL and
    (0.59 ch0 - 0.86 ch1) / CPL, never below 0. None when a channel is
    saturated: at 37888 counts or more at 100 ms, 65535 from 200 ms."""
    if max(ch0, ch1) < (37888 if itime == 100 else 65535):
        # the same formula over 100: every product stays a small int on 32 bits
        return max(100 * ch0 - 164 * ch1, 59 * ch0 - 86 * ch1, 0) * 102 / (25 * itime * gain)


class TSL2591:
    """TSL2591(i2c, address=0x29, sensor_id='tsl2591', gain=25, itime=100,
    auto=False, clock=None). gain: 1, 25, 428 or 9876 (low, medium, high,
    max); itime: integration time, 100 to 600 ms in steps of 100; auto:
    automatic gain; clock: what sleep_ms() is called on while waiting for an
    integration (default: thingflow's clock, i.e. the time module).
    Counter: saturated (readings found saturated, auto or not)."""
    # defaults as class attributes: an instance stores only what differs
    from thingflow import default_clock as clock
    auto = False
    saturated = 0

    def __init__(self, i2c, address=0x29, sensor_id='tsl2591', gain=25, itime=100,
                 auto=False, clock=None):
        self.i2c = i2c
        self.address = address
        self.sensor_id = sensor_id
        # the buffer, the chip ID check, the settings and the wait for the first
        # integration: sensors._tsl2591x, unloaded again when it is done
        # unless auto=True needs it
        from . import _tsl2591x
        _tsl2591x.start(self, gain, itime, auto, clock)

    def configure(self, gain=None, itime=None):
        """Set the gain (1, 25, 428, 9876) and/or the integration time (ms:
        100, 200, ... 600); None keeps the current one. Restarts integration."""
        from ._tsl2591x import configure
        configure(self, gain, itime)

    def sample(self):
        """The illuminance in lux (see the module comment)."""
        self.i2c.readfrom_mem_into(self.address, _CMD | _STATUS, b := self._buf)
        v = lux(b[1] | b[2] << 8, b[3] | b[4] << 8, self.gain, self.itime)
        if not b[0] & 1 or v is None or self.auto:
            # no finished integration (AVALID clear), saturated, or automatic
            # gain: in the module of the rarely used parts
            from ._tsl2591x import adjust
            return adjust(self, v)
        return v
