# Heap bytes of one sensor driver on the MicroPython Unix port: importing it
# from .mpy and constructing it on a simulated bus. The simulator, thingflow,
# the `sensors` package and the bus are loaded first and not counted; run once
# per driver (a fresh process each) so no figure depends on another's qstrs.
#   micropython sensors_mem.py NAME [PAD] -> "NAME_bytes <n>" and "NAME_sample_us <n>"
# PAD: intern that many throw-away names first. The figure moves by up to
# ~200 bytes with where the qstr text block and this script's dicts happen to
# be filled (even with the script's path), so the benchmark takes the median
# over several PADs.
# NAME: tsl2591, mcp9808, adxl345, adc_esp8266 or neopixel_writer (8 pixels).
import gc
import micropython
import sys
import time
import machine
import chips
import neopixel
import thingflow
import sensors

machine.sim_reset()
i2c = machine.I2C(0, scl=machine.Pin(5), sda=machine.Pin(4))
i2c.sim.attach(chips.TSL2591())
i2c.sim.attach(chips.MCP9808())
i2c.sim.attach(chips.ADXL345())
adc = machine.ADC(0)
strip = neopixel.NeoPixel(machine.Pin(15), 8)
strip.keep = 1

MAKE = {
    'tsl2591': ('sensors.tsl2591', lambda m: m.TSL2591(i2c), 'sample'),
    'mcp9808': ('sensors.mcp9808', lambda m: m.MCP9808(i2c), 'sample'),
    'adxl345': ('sensors.adxl345', lambda m: m.ADXL345(i2c), 'sample'),
    'adc_esp8266': ('sensors.adc_esp8266', lambda m: m.ADCSensor(adc), 'sample'),
    'neopixel_writer': ('neopixel_writer', lambda m: m.NeoPixelWriter(strip), None),
}


def _scrub(n):
    # overwrite the C stack below us (as mem_import.py does), so that no stale
    # word left there keeps garbage alive in the conservative collector
    a = b = c = d = None
    if n:
        _scrub(n - 1)


name = sys.argv[1]
mod, make, meth = MAKE[name]
for i in range(int(sys.argv[2]) if len(sys.argv) > 2 else 0):
    getattr(sys, 'wq%d' % i, None)  # PAD: interns a throw-away name
a = m = p = obj = 0  # the globals below exist before the figure: a new one
# could grow this script's dict inside the measurement
micropython.qstr_info()  # before and after: the qstr side of the figure
_scrub(40)
gc.collect()
a = gc.mem_alloc()
m = __import__(mod)
for p in mod.split('.')[1:]:
    m = getattr(m, p)
obj = make(m)
_scrub(40)
gc.collect()
print('%s_bytes %d' % (name, gc.mem_alloc() - a))
micropython.qstr_info()

fn = getattr(obj, meth) if meth else (lambda: obj.on_next((3, 10, 20, 30)))
n = 2000
fn()
t = time.ticks_us()
for i in range(n):
    fn()
print('%s_sample_us %.2f' % (name, time.ticks_diff(time.ticks_us(), t) / n))
