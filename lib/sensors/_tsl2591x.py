# The TSL2591 driver's rarely used parts, imported on demand: construction
# (after which start() unloads this module again, unless the automatic gain
# needs it), configure(), the wait for a finished integration, the automatic
# gain and saturation (from sample()).
import sys

G = (1, 25, 428, 9876)


def start(s, gain, itime, auto, clock):
    """TSL2591.__init__'s work on s (i2c, address and sensor_id set):
    OSError(ENODEV, 'no TSL2591 at 0x29 (why)') unless the ID register reads
    0x50, then configure(s, gain, itime) and the wait for the first
    integration. Then, failed or not, this module leaves sys.modules and the
    sensors package (its RAM is freed) unless auto."""
    if auto:
        s.auto = auto
    if clock:
        s.clock = clock
    b = s._buf = bytearray(5)  # STATUS, C0DATAL, C0DATAH, C1DATAL, C1DATAH
    try:
        try:
            s.i2c.readfrom_mem_into(s.address, 0xB2, b)  # CMD | ID
            e = b[0]
        except OSError as x:
            e = x
        if e != 0x50:
            from ._err import fail
            fail(0, 'TSL2591', s.address, e)
        s.gain = s.itime = None  # a gain or itime of None is named, as a bad one
        configure(s, gain, itime)
        wait(s)
    finally:
        if not auto:
            del sys.modules[__name__]
            delattr(sys.modules['sensors'], '_tsl2591x')


def configure(s, gain, itime):
    """TSL2591.configure(): None keeps the current setting."""
    if gain is None:
        gain = s.gain
    if itime is None:
        itime = s.itime
    if gain not in G or type(itime) is not int or itime not in range(100, 700, 100):
        from ._err import fail  # ValueError('TSL2591 gain 30'), the first bad one
        fail(1, 'TSL2591', *(('gain', gain) if gain not in G else ('itime', itime)))
    c = bytes([G.index(gain) << 4 | itime // 100 - 1])
    w = s.i2c.writeto_mem  # ENABLE 0xA0, CONTROL 0xA1 (with the command bit)
    a = s.address
    w(a, 0xA0, bytes([1]))  # PON only: stop integrating, AVALID clears
    w(a, 0xA1, c)
    w(a, 0xA0, bytes([3]))  # PON | AEN: a new integration starts
    s.gain = gain
    s.itime = itime


def wait(s):
    """Read STATUS and the channels into s._buf until AVALID is set: itime +
    10 ms (s.clock.sleep_ms) at a time, at most 3 waits, then
    OSError(ETIMEDOUT, 'TSL2591 0x29: no data'). No data after a whole
    integration: the settings are written again, since an I2C error in a
    configure() (auto=True makes them) may have left the chip stopped, or
    with a gain other than s.gain."""
    b = s._buf
    n = 0
    while True:
        s.i2c.readfrom_mem_into(s.address, 0xB3, b)  # CMD | STATUS, then the channels
        if b[0] & 1:  # AVALID
            return
        if n == 3:
            from ._err import fail
            fail(2, 'TSL2591', s.address)
        if n == 1:
            configure(s, None, None)
        n += 1
        s.clock.sleep_ms(s.itime + 10)


def adjust(s, v):
    """sample()'s reading v of TSL2591 s (None: saturated) after the wait
    for a finished integration (when s._buf has AVALID clear) and the gain
    rules: saturated: count it, then RuntimeError, or with s.auto one gain
    step down and a new sample(); else with s.auto, one gain step up for the
    next sample when channel 0 would stay under half scale there."""
    b = s._buf
    if not b[0] & 1:  # AVALID clear: wait, then sample again
        wait(s)
        return s.sample()
    g = s.gain
    t = s.itime
    c0 = b[1] | b[2] << 8
    if v is None:
        s.saturated += 1
        if not s.auto or g == 1:
            from ._err import fail
            fail(3, 'TSL2591', s.address, c0, b[3] | b[4] << 8, g, t)
        configure(s, G[G.index(g) - 1], t)
        return s.sample()
    if s.auto and g < 9876:
        g = G[G.index(g) + 1]
        if c0 * g // s.gain * 2 < (37888 if t == 100 else 65535):
            configure(s, g, t)
    return v
