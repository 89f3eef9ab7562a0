# A simulated `neopixel` module with MicroPython's API (neopixel.NeoPixel):
# pixels are kept in a bytearray in the strip's colour order (GRB, GRBW) as
# the real driver does, and every write() is recorded.
#
#   from machine import Pin
#   from neopixel import NeoPixel
#   np = NeoPixel(Pin(15), 8)        # bpp=3: (r, g, b); bpp=4: (r, g, b, w)
#   np[0] = (255, 0, 0)
#   np.write()
#   np.frames[-1]                    # bytes sent: b'\x00\xff\x00' + ...
#   np.sim_pixels()                  # [(255, 0, 0), (0, 0, 0), ...]


class NeoPixel:
    """NeoPixel(pin, n, bpp=3, timing=1); timing becomes the driver's
    (high_0, low_0, high_1, low_1) ns. frames: a copy of buf at each
    write(), oldest first (keep is the most kept, 0 for all)."""
    ORDER = (1, 0, 2, 3)

    def __init__(self, pin, n, bpp=3, timing=1):
        self.pin = pin
        self.n = n
        self.bpp = bpp
        self.buf = bytearray(n * bpp)
        pin.init(pin.OUT)  # as the real driver: a machine.Pin, set to output
        # as the real driver (micropython-lib neopixel.py): 1 (800 kHz) or 0
        # (400 kHz) become the bit timings in ns, a tuple is kept as given
        self.timing = (((400, 850, 800, 450) if timing else (800, 1700, 1600, 900))
                       if isinstance(timing, int) else timing)
        self.frames = []
        self.keep = 0

    def __len__(self):
        return self.n

    def __setitem__(self, i, v):
        o = i * self.bpp
        for k in range(self.bpp):
            self.buf[o + self.ORDER[k]] = v[k] & 0xFF  # the real driver keeps the low byte too

    def __getitem__(self, i):
        o = i * self.bpp
        return tuple(self.buf[o + self.ORDER[k]] for k in range(self.bpp))

    def fill(self, v):
        for i in range(self.n):
            self[i] = v

    def write(self):
        self.frames.append(bytes(self.buf))
        if self.keep and len(self.frames) > self.keep:
            self.frames.pop(0)

    def sim_pixels(self):
        """Every pixel's colour as last set (not necessarily written)."""
        return [self[i] for i in range(self.n)]
