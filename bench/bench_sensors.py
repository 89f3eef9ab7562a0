"""Sensor drivers and the NeoPixel writer (issue 5): heap bytes to import
each from .mpy and construct it on a simulated bus (one fresh MicroPython
process per driver), and the time of one sample() against the simulated chip
(mostly the simulator's own time: for comparing drivers, not a board figure)."""
import statistics

from common import DEVICE, metric, qstr_delta, qstr_lines

NAMES = ('tsl2591', 'mcp9808', 'adxl345', 'adc_esp8266', 'neopixel_writer')


PADS = range(0, 48, 4)  # up to ~190 characters of names: more than a 128-byte qstr text block


def run(ctx):
    for n in NAMES:
        figs = []
        for pad in PADS:
            out = ctx.micropython(DEVICE / 'sensors_mem.py', n, pad)
            v = dict(ln.split() for ln in out.splitlines() if ln.strip() and not ln.startswith('qstr pool'))
            if pad == 0:
                q = qstr_delta(*qstr_lines(out))
                us = float(v[n + '_sample_us'])
            figs.append(int(v[n + '_bytes']))
        b = int(statistics.median(figs))
        spread = dict(min=min(figs), max=max(figs), pad0=figs[0], runs=len(figs), **q)
        if n == 'neopixel_writer':
            yield metric('neopixel_writer_bytes', 'micropython', b, 'bytes', **spread,
                         note='import + NeoPixelWriter on an 8-pixel strip (strip not counted); '
                              'median over %d paddings of the qstr text block' % len(figs))
        else:
            yield metric('sensors_bytes', 'micropython', b, 'bytes', driver=n, target_max=1500, **spread,
                         note='import from .mpy + construct on a simulated bus; median over %d '
                              'paddings of the qstr text block (pad0: none)' % len(figs))
        yield metric('sensors_sample_us', 'micropython', us, 'us', driver=n,
                     note='one sample() (writer: one on_next) against the simulator, mean of 2000')
