# ADXL345 3-axis accelerometer (Analog Devices), on I2C: readings in m/s^2.
#
#   from machine import I2C, Pin
#   from sensors.adxl345 import ADXL345
#   i2c = I2C(0, scl=Pin(5), sda=Pin(4))          # the bus is built by the app
#   acc = ADXL345(i2c, sensor_id='acc', range_g=4, rate=50)
#   sched.schedule_sensor(acc, 1, writer)         # events ('acc', ts, (x, y, z))
#   ADXL345(i2c, raw=True).sample()               # (x, y, z) in counts, 256 per g
#
# The chip runs in full-resolution mode: 256 counts per g (3.9 mg) in every
# range, with 10 bits at +-2 g up to 13 bits at +-16 g. An axis at the end of
# its range is counted in `clipped` (the true value may be larger).
# Construction waits for the first measurement (DATA_READY: 1000/rate + 2 ms
# at a time, at most 3 times), so no reading returns the zeros of a chip just
# out of standby. The settings are made at construction (to change them,
# construct the driver again: RAM is too dear for a configure() method).
#
# RAM: the error messages are made in sensors._err, imported only on an
# error; no bytes or tuple literals (each is a heap object for good).
try:
    from micropython import const
except ImportError:
    def const(x):
        return x
from struct import unpack_from

_ADDR = const(0x53)  # ALT ADDRESS low; 0x1D with it high
_DEVID = const(0x00)  # reads 0xE5
_BW_RATE = const(0x2C)  # output data rate code: 100 Hz = 0x0A
_POWER_CTL = const(0x2D)  # Measure bit 3
_INT_SOURCE = const(0x30)  # DATA_READY bit 7
_DATA_FORMAT = const(0x31)  # FULL_RES bit 3, range bits 1:0
_DATAX0 = const(0x32)  # X0, X1, Y0, Y1, Z0, Z1: little-endian two's complement


def ms2(raw):
    """m/s^2 from a full-resolution count: 256 counts per g (the datasheet's
    typical 3.9 mg/LSB), g = 9.80665 m/s^2, in every range."""
    return raw * 196133 / 5120000  # = raw * 9.80665 / 256, without a float constant


class ADXL345:
    """ADXL345(i2c, address=0x53, sensor_id='adxl345', range_g=2, rate=100,
    raw=False, clock=None). range_g: 2, 4, 8 or 16 (g); rate: output data
    rate in Hz, 6.25 to 3200 in powers of two times 100; raw: sample() gives
    counts (256 per g) instead of m/s^2; clock: what sleep_ms() is called
    on while the first measurement is made (default: thingflow's clock).
    Errors: OSError(ENODEV, 'no ADXL345 at 0x53 (<why>)') when no ADXL345
    answers there (why: the bus error, or 'ID 0xe6' as read);
    ValueError('ADXL345 rate 99') for a bad setting (nothing is written);
    OSError(ETIMEDOUT, 'ADXL345 0x53: no data') when no data comes. I2C errors
    propagate. Attributes range_g, rate, raw; counter clipped (readings with an
    axis at the end of the range)."""
    clipped = 0  # class attributes until set: one slot less per instance
    raw = False

    def __init__(self, i2c, address=_ADDR, sensor_id='adxl345', range_g=2, rate=100,
                 raw=False, clock=None):
        if not clock:
            from thingflow import default_clock as clock
        if raw:
            self.raw = raw
        self.i2c = i2c
        self.address = address
        self.sensor_id = sensor_id
        b = self.buf = bytearray(6)
        try:
            i2c.readfrom_mem_into(address, _DEVID, b)
            e = b[0]
        except OSError as x:
            e = x
        if e != 0xE5:
            from ._err import fail
            fail(0, 'ADXL345', address, e)
        c = 6  # BW_RATE code: 6.25 Hz * 2 ** (c - 6)
        while rate != 100 * 2 ** (c - 10) and c < 16:
            c += 1
        r = 0  # DATA_FORMAT range code: 2 << r g
        while range_g != 2 << r and r < 4:
            r += 1
        if c > 15 or r > 3:
            from ._err import fail
            fail(1, 'ADXL345', 'rate' if c > 15 else 'range_g', rate if c > 15 else range_g)
        self.range_g = range_g
        self.rate = rate
        w = i2c.writeto_mem
        w(address, _POWER_CTL, bytes(1))  # standby while the settings change
        w(address, _DATA_FORMAT, bytes([8 | r]))  # FULL_RES | range
        # BW_RATE and the next register, POWER_CTL, in one write: the rate, then Measure
        w(address, _BW_RATE, bytes([c, 8]))
        for c in range(4):  # wait for the first measurement: a look after each wait
            if c:
                clock.sleep_ms(int(1000 / rate) + 2)
            i2c.readfrom_mem_into(address, _INT_SOURCE, b)
            if b[0] & 0x80:  # DATA_READY
                return
        from ._err import fail
        fail(2, 'ADXL345', address)

    def sample(self):
        """(x, y, z) acceleration in m/s^2, or in counts (256 per g) with raw=True."""
        b = self.buf
        self.i2c.readfrom_mem_into(self.address, _DATAX0, b)
        x = unpack_from('<hhh', b)
        m = 256 * self.range_g - 1  # the largest count: 511 at 2 g ... 4095 at 16 g
        if max(x) >= m or min(x) < -m:
            self.clipped += 1
        return x if self.raw else tuple(map(ms2, x))
