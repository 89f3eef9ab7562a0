# Heap bytes taken by importing modules (run on the MicroPython Unix port with
# the modules on MICROPYPATH as .mpy): micropython mem_import.py MOD [MOD ...]
# Prints one line per module: "<module> <bytes>", each counted after the ones before.
import gc
import sys

for name in sys.argv[1:]:
    gc.collect()
    a = gc.mem_alloc()
    __import__(name)
    gc.collect()
    print(name, gc.mem_alloc() - a)
