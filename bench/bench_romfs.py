"""The library in a ROMFS image (thingflow_mpy/romfs.py): the same heap
figures as bench_core, bench_sensors and bench_mqtt, with the .mpy files
imported from a ROMFS mounted at /rom, as on a board whose firmware has a
ROMFS partition (bytecode runs in place from flash). The image's buffer
stands for the flash and is left out of every figure. These are figures of
another way to deploy, beside the targets' figures (filesystem .mpy), not
instead of them."""
import statistics

from bench_sensors import PADS
from common import DEVICE, metric, smallest, values
from thingflow_mpy import mpy, romfs
from thingflow_mpy.broker import Broker

NOTE = 'library as .mpy in a ROMFS image mounted at /rom (image buffer left out)'


def _run(ctx, img, args, heap=None, check=True):
    # romfs_app.py IMAGE ARGS..., with sim/ and the bench scripts on the path (not the .mpy tree)
    res = mpy.run_micropython([str(romfs.APP), str(img)] + [str(a) for a in args],
                              [mpy.SIM, DEVICE], heap=heap, timeout=120)
    if check and res.returncode:
        raise RuntimeError('%s failed:\n%s%s' % (args, res.stdout, res.stderr))
    return res.stdout


def min_heap_kb(ctx, img, module):
    """The smallest heap in whole KB, beside the image, in which the app
    module prints ok: the heap searched in steps of 256 bytes, less the
    image buffer's footprint, rounded up."""
    foot = romfs.footprint(img.stat().st_size)

    def good(q):  # q quarter-KB steps beyond the image
        out = _run(ctx, img, ['-m', module], heap=str(foot + 256 * q), check=False)
        return any(ln.startswith('ok') for ln in out.splitlines())
    q = smallest(good, 8, 512)
    return None if q is None else -(-q // 4)


def run(ctx):
    img = ctx.tmp / 'lib.romfs'
    romfs.write(ctx.mpy_lib, img)
    yield metric('romfs_image_bytes', 'micropython', img.stat().st_size, 'bytes',
                 note='every lib/ module as .mpy: what the ROMFS partition must hold')
    b = values(_run(ctx, img, [DEVICE / 'mem_import.py', 'thingflow']))['thingflow']
    yield metric('core_import_bytes_romfs', 'micropython', b, 'bytes', note=NOTE)
    v = values(_run(ctx, img, [DEVICE / 'core_bench.py', 'three_sensors']))
    yield metric('three_sensors_bytes_romfs', 'micropython', v['three_sensors_bytes'], 'bytes', note=NOTE)
    yield metric('min_heap_kb_romfs', 'micropython', min_heap_kb(ctx, img, 'refapp'), 'KB',
                 note=NOTE + '; the reference app of min_heap_kb, imported (compiled from source)')
    for n in ('tsl2591', 'mcp9808', 'adxl345', 'adc_esp8266'):
        figs = [values(_run(ctx, img, [DEVICE / 'sensors_mem.py', n, pad]))[n + '_bytes'] for pad in PADS]
        yield metric('sensors_bytes_romfs', 'micropython', int(statistics.median(figs)), 'bytes', driver=n,
                     min=min(figs), max=max(figs), note=NOTE + '; median over %d paddings' % len(figs))
    with Broker() as br:
        v = values(_run(ctx, img, [DEVICE / 'mqtt_bench.py', 'mem', br.port]))
    yield metric('mqtt_writer_bytes_romfs', 'micropython', v['mqtt_writer_bytes'], 'bytes',
                 import_bytes=v['mqtt_import_bytes'], instance_bytes=v['mqtt_writer_instance_bytes'],
                 note=NOTE + '; import mqtt_client + mqtt_writer and one connected writer, after thingflow')
