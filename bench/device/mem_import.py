# Heap bytes taken by importing modules (run on the MicroPython Unix port with
# the modules on MICROPYPATH as .mpy): micropython mem_import.py MOD [MOD ...]
# Prints one line per module: "<module> <bytes>", each counted after the ones
# before. The stack is scrubbed before each gc.collect(): MicroPython's
# collector is conservative, and a stale word left on the C stack by the import
# could otherwise keep a few KB of garbage alive and make figures jump.
import gc
import sys


def _scrub(n):
    # overwrite the C stack below us, so that no stale word left there by the
    # import keeps garbage alive in the conservative collector
    a = b = c = d = None
    if n:
        _scrub(n - 1)


for name in sys.argv[1:]:
    _scrub(40)
    gc.collect()
    a = gc.mem_alloc()
    __import__(name)
    _scrub(40)
    gc.collect()
    print(name, gc.mem_alloc() - a)
