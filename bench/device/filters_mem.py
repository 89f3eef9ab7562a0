# Heap bytes and new qstrs of importing modules, on the MicroPython Unix port
# with lib/ as .mpy on MICROPYPATH:
#   micropython filters_mem.py [warm] MOD [MOD ...]
# Prints for each module a line "<module> <bytes>", counted after the ones
# before (the first one, thingflow, as every app has it), then the line of
# micropython.qstr_info() ("qstr pool: n_pool=.., n_qstr=N, ..."), from which
# the host side counts the new qstrs of each module.
# warm: first make the interpreter grow its qstr pool until a pool block with
# room for 300 more names is allocated, so that no module is charged the
# pool block that the next name happens to need (which module pays it
# depends on everything imported before, so the cold figure of a module can
# jump by 1-3 KB when another module changes). The new qstrs are still
# counted (their characters are in the warm figure, their pool entries of
# 11 bytes each on a 64-bit port are not).
# The stack is scrubbed before each gc.collect() (see mem_import.py).
import gc
import sys
import micropython


def _scrub(n):
    a = b = c = d = None
    if n:
        _scrub(n - 1)


argv = sys.argv[1:]
if argv[0] == 'warm':
    argv = argv[1:]
    i = 0
    while i < 5000:
        gc.collect()
        a = gc.mem_alloc()
        getattr(sys, 'wq%d' % i, None)  # interns a new qstr
        i += 1
        if gc.mem_alloc() - a > 3000:  # a pool block for >= 300 names
            break
a = 0  # exists before the first figure (see mem_import.py)
for name in argv:
    _scrub(40)
    gc.collect()
    a = gc.mem_alloc()
    __import__(name)
    _scrub(40)
    gc.collect()
    print(name, gc.mem_alloc() - a)
    micropython.qstr_info()
