# Helpers of the soak scripts (MicroPython Unix port only: gc.mem_alloc and
# micropython.qstr_info). mark(tag) prints two lines that the host test
# (tests/host/test_soak.py) parses:
#   mark <tag> <heap bytes in use after gc.collect()> <open file descriptors>
#   qstr pool: n_pool=.., n_qstr=.., n_str_data_bytes=.., n_total_bytes=..
import gc
import os

import micropython


def mark(tag):
    """Print the heap in use (after a full collection), the process's open
    file descriptors (-1 without /proc) and the qstr pools."""
    gc.collect()
    gc.collect()
    a = gc.mem_alloc()
    try:
        n = len(os.listdir('/proc/self/fd'))
    except OSError:
        n = -1
    print('mark', tag, a, n)
    micropython.qstr_info()
