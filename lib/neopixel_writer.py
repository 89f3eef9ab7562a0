# Control a NeoPixel (WS2812) strip from ThingFlow events.
#
#   from machine import Pin
#   from neopixel import NeoPixel
#   from neopixel_writer import NeoPixelWriter
#   w = NeoPixelWriter(NeoPixel(Pin(15), 8))      # the strip is built by the app
#   w.on_next((0, 255, 0, 0))                     # pixel 0 red, written at once
#   sensor_thing.connect(w)                       # or ('id', ts, (pixel, r, g, b))
#
# An event is (pixel, r, g, b) for a strip of 3 bytes per pixel, or
# (pixel, r, g, b, w) for 4; or a sensor event (sensor_id, ts, value) whose
# value is such a tuple. Colours are 0..255; pixel is 0..len(strip)-1.
# Bad events raise ValueError: 'NeoPixelWriter: event (0, 1): want 4 fields',
# 'NeoPixelWriter: pixel 8 in (8, 1, 2, 3)', 'NeoPixelWriter: colour 256 in (0, 256, 0, 0)'.
from thingflow import InputThing


def _pixel(x, n):
    # the (pixel, colours...) tuple or list of event x, or None (a set or a
    # dict of n items is no such event: it raised TypeError at x[0])
    a = (tuple, list)
    if isinstance(x, a):
        if len(x) == n:
            return x
        if len(x) == 3 and isinstance(x[2], a) and len(x[2]) == n:  # (sensor_id, ts, (pixel, r, g, b[, w]))
            return x[2]
    return None


class NeoPixelWriter(InputThing):
    """NeoPixelWriter(strip). strip: a neopixel.NeoPixel (or anything with
    len(), .bpp, item assignment and write()). Each event sets one pixel and
    writes the strip. A bad event raises ValueError naming it (nothing is
    set). Counter: writes."""

    def __init__(self, strip):
        len(strip)  # TypeError, AttributeError now for what is no strip
        strip.write  # (e.g. NeoPixelWriter(8)), not at the first event
        self.strip = strip
        self.bpp = getattr(strip, 'bpp', 3)
        self.writes = 0

    def on_next(self, x):
        n = self.bpp + 1
        y = _pixel(x, n)
        if y is None:
            raise ValueError('NeoPixelWriter: event %r: want %d fields' % (x, n))
        x = y
        p = x[0]
        if not (type(p) is int and 0 <= p < len(self.strip)):  # not a bool, on both runtimes
            raise ValueError('NeoPixelWriter: pixel %r in %r' % (p, x))
        for c in x[1:]:
            if not (type(c) is int and 0 <= c <= 255):
                raise ValueError('NeoPixelWriter: colour %r in %r' % (c, x))
        self.strip[p] = tuple(x[1:])
        self.strip.write()
        self.writes += 1
