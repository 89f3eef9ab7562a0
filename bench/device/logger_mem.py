# Heap bytes taken by importing the logger and initialising it, on the
# MicroPython Unix port with lib/ as .mpy on MICROPYPATH:
#   micropython logger_mem.py LOGFILE [warm] [PRELOAD ...]
# PRELOAD modules (thingflow, as every app has it) are imported first and
# not counted. warm: first make the interpreter grow its qstr pool (by
# interning 8 throw-away names), so that the pool block the next module
# would pay for is not counted. Names come from argv and string sums, not
# from this script's source, so compiling this script interns none of the
# logger's identifiers.
# Prints "logger_import <bytes>", "logger_init <bytes>", "logger_bytes <bytes>",
# and the line of micropython.qstr_info() before and after (qstr storage and
# pools allocated inside the measurement).
import gc
import sys
import micropython

argv = sys.argv
pre = argv[2:]
if pre and pre[0] == 'warm':
    pre = pre[1:]
    warm = True
else:
    warm = False
for n in pre:
    __import__(n)
if warm:
    for i in range(8):
        getattr(sys, 'wq%d' % i, None)  # interns a new qstr
a = b = c = m = 0  # the globals below exist before the figure: a new one
# could grow this script's dict inside the measurement
micropython.qstr_info()
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
micropython.qstr_info()
