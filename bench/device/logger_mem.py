# Heap bytes taken by importing the logger and initialising it, on the
# MicroPython Unix port with lib/ as .mpy on MICROPYPATH:
#   micropython logger_mem.py LOGFILE [PRELOAD ...]
# PRELOAD modules (e.g. thingflow, as every app has it) are imported first
# and not counted. Names come from argv, not from this script's source, so
# that compiling this script interns none of the logger's identifiers.
# Prints "logger_import <bytes>", "logger_init <bytes>", "logger_bytes <bytes>".
import gc
import sys

argv = sys.argv
for n in argv[2:]:
    __import__(n)
gc.collect()
a = gc.mem_alloc()
m = __import__('log' + 'ger')
gc.collect()
b = gc.mem_alloc()
getattr(m, 'initialize_' + 'logging')(argv[1])
gc.collect()
c = gc.mem_alloc()
print('logger_import', b - a)
print('logger_init', c - b)
print('logger_bytes', c - a)
