# Heap bytes taken by importing modules (run on the MicroPython Unix port with
# the modules on MICROPYPATH as .mpy): micropython mem_import.py MOD [MOD ...]
# Prints one line per module: "<module> <bytes>", each counted after the ones
# before, each followed (and the first preceded) by the line of
# micropython.qstr_info(), from which the host side tells how much of the
# figure is qstr storage and whether a new qstr pool was allocated inside it. The stack is scrubbed before each gc.collect(): MicroPython's
# collector is conservative, and a stale word left on the C stack by the import
# could otherwise keep a few KB of garbage alive and make figures jump.
import gc
import sys
import micropython


def _scrub(n):
    # overwrite the C stack below us, so that no stale word left there by the
    # import keeps garbage alive in the conservative collector
    a = b = c = d = None
    if n:
        _scrub(n - 1)


a = 0  # every global of the loop exists before the first figure: a new
# global could grow this script's dict inside a measurement
micropython.qstr_info()
for name in sys.argv[1:]:
    _scrub(40)
    gc.collect()
    a = gc.mem_alloc()
    __import__(name)
    _scrub(40)
    gc.collect()
    print(name, gc.mem_alloc() - a)
    micropython.qstr_info()
