"""Sensor drivers and the NeoPixel writer (issue 5): heap bytes to import
each from .mpy and construct it on a simulated bus (one fresh MicroPython
process per driver), and the time of one sample() against the simulated chip
(mostly the simulator's own time: for comparing drivers, not a board figure)."""
from common import DEVICE, metric

NAMES = ('tsl2591', 'mcp9808', 'adxl345', 'adc_esp8266', 'neopixel_writer')


def run(ctx):
    for n in NAMES:
        out = ctx.micropython(DEVICE / 'sensors_mem.py', n)
        v = dict(ln.split() for ln in out.splitlines() if ln.strip())
        b = int(v[n + '_bytes'])
        if n == 'neopixel_writer':
            yield metric('neopixel_writer_bytes', 'micropython', b, 'bytes',
                         note='import + NeoPixelWriter on an 8-pixel strip (strip not counted)')
        else:
            yield metric('sensors_bytes', 'micropython', b, 'bytes', driver=n, target_max=1500,
                         note='import from .mpy + construct on a simulated bus')
        yield metric('sensors_sample_us', 'micropython', float(v[n + '_sample_us']), 'us', driver=n,
                     note='one sample() (writer: one on_next) against the simulator, mean of 2000')
