# ADXL345 3-axis accelerometer (Analog Devices), on I2C: readings in m/s^2.
#
#   from machine import I2C, Pin
#   from sensors.adxl345 import ADXL345
#   i2c = I2C(0, scl=Pin(5), sda=Pin(4))          # the bus is built by the app
#   acc = ADXL345(i2c, sensor_id='acc', range_g=4, rate=50)
#   sched.schedule_sensor(acc, 1, writer)         # events ('acc', ts, (x, y, z))
#   acc.raw()                                     # (x, y, z) in counts, 256 per g
#
# The chip runs in full-resolution mode: 256 counts per g (3.9 mg) in every
# range, with 10 bits at +-2 g up to 13 bits at +-16 g. An axis at the end of
# its range is counted in `clipped` (the true value may be larger).
try:
    from micropython import const
except ImportError:
    def const(x):
        return x

_ADDR = const(0x53)  # ALT ADDRESS low; 0x1D with it high
_DEVID = const(0x00)  # reads 0xE5
_BW_RATE = const(0x2C)  # output data rate code: 100 Hz = 0x0A
_POWER_CTL = const(0x2D)  # Measure bit 3
_INT_SOURCE = const(0x30)  # DATA_READY bit 7
_DATA_FORMAT = const(0x31)  # FULL_RES bit 3, range bits 1:0
_DATAX0 = const(0x32)  # X0, X1, Y0, Y1, Z0, Z1: little-endian two's complement
_ENODEV = const(19)
_ETIMEDOUT = const(110)


def ms2(raw):
    """m/s^2 from a full-resolution count: 256 counts per g (the datasheet's
    typical 3.9 mg/LSB), g = 9.80665 m/s^2, in every range."""
    return raw * 9.80665 / 256


def max_raw(range_g):
    """The largest count of an axis at full resolution in range +-range_g:
    511 at 2 g, 1023 at 4 g, 2047 at 8 g, 4095 at 16 g (the smallest is
    one less than its negative)."""
    return 256 * range_g - 1


def _s16(b, i):
    v = b[i] | b[i + 1] << 8
    return v - 0x10000 if v & 0x8000 else v


class ADXL345:
    """ADXL345(i2c, address=0x53, sensor_id='adxl345', range_g=2, rate=100,
    clock=None). range_g: 2, 4, 8 or 16 (g); rate: output data rate in Hz,
    6.25 to 3200 in powers of two times 100; clock: what sleep_ms() is called
    on while the first measurement is made (default: thingflow's clock).
    Errors: OSError(ENODEV, 'no ADXL345 at 0x53 (<why>)') when no ADXL345
    answers there; ValueError('ADXL345 rate 99') for a bad setting;
    OSError(ETIMEDOUT) when no data comes. I2C errors propagate.
    Counter: clipped (readings with an axis at the end of the range)."""

    def __init__(self, i2c, address=_ADDR, sensor_id='adxl345', range_g=2, rate=100,
                 clock=None):
        self.i2c = i2c
        self.address = address
        self.sensor_id = sensor_id
        if clock is None:
            from thingflow import default_clock as clock
        self.clock = clock
        self.clipped = 0
        self.range_g = self.rate = None
        b = self._buf = bytearray(6)
        try:
            i2c.readfrom_mem_into(address, _DEVID, b)
            e = 'DEVID 0x%02x' % b[0]
        except OSError as x:
            e = x
        if b[0] != 0xE5:
            raise OSError(_ENODEV, 'no ADXL345 at 0x%02x (%s)' % (address, e))
        self.configure(range_g, rate)

    def configure(self, range_g=None, rate=None):
        """Set the range (2, 4, 8, 16 g) and/or the data rate (Hz: 6.25, 12.5,
        25, 50, 100, 200, 400, 800, 1600, 3200); None keeps the current one."""
        if range_g is None:
            range_g = self.range_g
        if rate is None:
            rate = self.rate
        r = (2, 4, 8, 16)
        if range_g not in r:
            raise ValueError('ADXL345 range_g %r' % (range_g,))
        c = 6
        while c < 16 and rate != 100 * 2 ** (c - 10):
            c += 1
        if c == 16:
            raise ValueError('ADXL345 rate %r' % (rate,))
        w = self.i2c.writeto_mem
        a = self.address
        w(a, _POWER_CTL, b'\x00')  # standby while the settings change
        w(a, _BW_RATE, bytes((c,)))
        w(a, _DATA_FORMAT, bytes((8 | r.index(range_g),)))  # FULL_RES | range
        w(a, _POWER_CTL, b'\x08')  # Measure
        self.range_g = range_g
        self.rate = rate
        self._wait = True  # the first reading waits for DATA_READY

    def raw(self):
        """(x, y, z) in counts (256 per g)."""
        b = self._buf
        n = 0
        while self._wait:  # the first reading after configure()
            self.i2c.readfrom_mem_into(self.address, _INT_SOURCE, b)
            if b[0] & 0x80:  # DATA_READY
                self._wait = False
            elif n == 2:
                raise OSError(_ETIMEDOUT, 'ADXL345 0x%02x: no data' % self.address)
            else:
                n += 1
                self.clock.sleep_ms(int(1000 / self.rate) + 2)
        self.i2c.readfrom_mem_into(self.address, _DATAX0, b)
        x, y, z = _s16(b, 0), _s16(b, 2), _s16(b, 4)
        m = 256 * self.range_g - 1
        if x >= m or x < -m or y >= m or y < -m or z >= m or z < -m:
            self.clipped += 1
        return x, y, z

    def sample(self):
        """(x, y, z) acceleration in m/s^2."""
        x, y, z = self.raw()
        return ms2(x), ms2(y), ms2(z)
