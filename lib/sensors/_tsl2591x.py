# The TSL2591 driver's rarely used parts, imported on demand: configure()
# after construction, the automatic gain and saturation (from sample()) and
# the bad-setting error.
G = (1, 25, 428, 9876)


def bad(gain, itime):
    """Raise ValueError('TSL2591 gain 30') or ('TSL2591 itime 150') for the
    first bad one of the settings."""
    from ._err import fail
    if gain not in G:
        fail(1, 'TSL2591', 'gain', gain)
    fail(1, 'TSL2591', 'itime', itime)


def configure(s, gain, itime):
    """TSL2591.configure(): None keeps the current setting."""
    if gain is None:
        gain = s.gain
    if itime is None:
        itime = s.itime
    if gain not in G or itime not in range(100, 700, 100):
        bad(gain, itime)
    w = s.i2c.writeto_mem  # ENABLE 0xA0, CONTROL 0xA1 (with the command bit)
    a = s.address
    w(a, 0xA0, bytes([1]))  # PON only: stop integrating, AVALID clears
    w(a, 0xA1, bytes([G.index(gain) << 4 | itime // 100 - 1]))
    w(a, 0xA0, bytes([3]))  # PON | AEN: a new integration starts
    s.gain = gain
    s.itime = itime


def adjust(s, v):
    """sample()'s reading v of TSL2591 s (None: saturated) after its gain
    rules: saturated: count it, then RuntimeError, or with s.auto one gain
    step down and a new sample(); else with s.auto, one gain step up for the
    next sample when channel 0 would stay under half scale there."""
    b = s._buf
    c0 = b[1] | b[2] << 8
    g = s.gain
    t = s.itime
    if v is None:
        s.saturated += 1
        if not s.auto or g == 1:
            from ._err import fail
            fail(3, 'TSL2591', s.address, c0, b[3] | b[4] << 8, g, t)
        configure(s, G[G.index(g) - 1], t)
        return s.sample()
    if g < 9876:
        g = G[G.index(g) + 1]
        if c0 * g // s.gain * 2 < (37888 if t == 100 else 65535):
            configure(s, g, t)
    return v
