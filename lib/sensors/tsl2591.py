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
# (37888 at 100 ms, 65535 from 200 ms) is saturated: RuntimeError, or with
# auto=True the gain steps down and the chip is read again; auto also steps
# the gain up, for the next sample, when the light is low.
#
# Errors: OSError(ENODEV, 'no TSL2591 at 0x29 (<why>)') at construction;
# ValueError('TSL2591 gain 30') for a bad setting; RuntimeError('TSL2591 0x29
# saturated: <ch0>, <ch1> at gain 25, 100 ms'); OSError(ETIMEDOUT) when no
# integration finishes in 3 waits. I2C errors in sample() propagate.
try:
    from micropython import const
except ImportError:
    def const(x):
        return x

_ADDR = const(0x29)
_CMD = const(0xA0)  # command bit and "normal operation" transaction
_ENABLE = const(0x00)  # PON bit 0, AEN bit 1
_CONTROL = const(0x01)  # AGAIN bits 5:4, ATIME bits 2:0
_ID = const(0x12)  # reads 0x50
_STATUS = const(0x13)  # AVALID bit 0; C0DATAL, C0DATAH, C1DATAL, C1DATAH follow
_ENODEV = const(19)
_ETIMEDOUT = const(110)
_GAINS = (1, 25, 428, 9876)  # low, medium, high, max


def lux(ch0, ch1, gain, itime):
    """Lux from the counts of channel 0 (full spectrum) and channel 1
    (infrared) at gain (1, 25, 428 or 9876) and integration time itime (ms):
    CPL = itime * gain / 408, lux = the larger of (ch0 - 1.64 ch1) / CPL and
    (0.59 ch0 - 0.86 ch1) / CPL, never below 0."""
    cpl = itime * gain / 408.0
    a = (ch0 - 1.64 * ch1) / cpl
    b = (0.59 * ch0 - 0.86 * ch1) / cpl
    if b > a:
        a = b
    return a if a > 0 else 0.0


def max_count(itime):
    """The count at which a channel saturates for itime (ms): 37888 at
    100 ms, 65535 from 200 ms."""
    return 37888 if itime == 100 else 65535


class TSL2591:
    """TSL2591(i2c, address=0x29, sensor_id='tsl2591', gain=25, itime=100,
    auto=False, clock=None). gain: 1, 25, 428 or 9876 (low, medium, high,
    max); itime: integration time, 100 to 600 ms in steps of 100; auto:
    automatic gain; clock: what sleep_ms() is called on while waiting for an
    integration (default: thingflow's clock, i.e. the time module).
    Counter: saturated (readings found saturated, auto or not)."""

    def __init__(self, i2c, address=_ADDR, sensor_id='tsl2591', gain=25, itime=100,
                 auto=False, clock=None):
        self.i2c = i2c
        self.address = address
        self.sensor_id = sensor_id
        self.auto = auto
        if clock is None:
            from thingflow import default_clock as clock
        self.clock = clock
        self.saturated = 0
        self.gain = self.itime = None
        b = self._buf = bytearray(5)  # STATUS, C0DATAL, C0DATAH, C1DATAL, C1DATAH
        try:
            i2c.readfrom_mem_into(address, _CMD | _ID, b)
            e = 'ID 0x%02x' % b[0]
        except OSError as x:
            e = x
        if b[0] != 0x50:
            raise OSError(_ENODEV, 'no TSL2591 at 0x%02x (%s)' % (address, e))
        self.configure(gain, itime)

    def configure(self, gain=None, itime=None):
        """Set the gain (1, 25, 428, 9876) and/or the integration time (ms:
        100, 200, ... 600); None keeps the current one. Restarts integration."""
        if gain is None:
            gain = self.gain
        if itime is None:
            itime = self.itime
        if gain not in _GAINS:
            raise ValueError('TSL2591 gain %r' % (gain,))
        if itime not in (100, 200, 300, 400, 500, 600):
            raise ValueError('TSL2591 itime %r' % (itime,))
        w = self.i2c.writeto_mem
        a = self.address
        w(a, _CMD | _ENABLE, b'\x01')  # PON only: stop integrating, AVALID clears
        w(a, _CMD | _CONTROL, bytes((_GAINS.index(gain) << 4 | itime // 100 - 1,)))
        w(a, _CMD | _ENABLE, b'\x03')  # PON | AEN: a new integration starts
        self.gain = gain
        self.itime = itime

    def counts(self):
        """(ch0, ch1): the raw counts of the full-spectrum and infrared
        channels of the last finished integration (waits for one: up to 3
        times itime + 10 ms)."""
        b = self._buf
        for n in range(4):
            self.i2c.readfrom_mem_into(self.address, _CMD | _STATUS, b)
            if b[0] & 1:  # AVALID
                return b[1] | b[2] << 8, b[3] | b[4] << 8
            if n < 3:
                self.clock.sleep_ms(self.itime + 10)
        raise OSError(_ETIMEDOUT, 'TSL2591 0x%02x: no data' % self.address)

    def sample(self):
        """The illuminance in lux (see the module comment)."""
        while True:
            c0, c1 = self.counts()
            g = self.gain
            m = max_count(self.itime)
            if c0 < m and c1 < m:
                break
            self.saturated += 1
            if not self.auto or g == 1:
                raise RuntimeError('TSL2591 0x%02x saturated: %d, %d at gain %d, %d ms'
                                   % (self.address, c0, c1, g, self.itime))
            self.configure(_GAINS[_GAINS.index(g) - 1])
        v = lux(c0, c1, g, self.itime)
        if self.auto and g < 9876:
            n = _GAINS[_GAINS.index(g) + 1]
            if c0 * n < m * g // 2:  # at the next gain up, still under half scale
                self.configure(n)
        return v
