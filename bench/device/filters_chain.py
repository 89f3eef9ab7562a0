# Filter figures measured on the device side; prints "key value" lines.
#   micropython filters_chain.py speed   -> chain_events_per_s (best of 5)
#   micropython filters_chain.py bytes   -> chain_bytes (heap of the chain)
# The chain: a sensor through map -> where -> sliding_mean(5) -> a sink.
import gc
import sys

from thingflow import SensorAsOutputThing
import filters
import filters_window
from benchkit import Sensor, Sink, rate


def chain():
    t = SensorAsOutputThing(Sensor())
    k = Sink()
    t.map(lambda e: e[2]).where(lambda v: v & 1).sliding_mean(5).connect(k)
    return t, k


def speed():
    t, k = chain()
    n = 20000
    best = rate(t, n)
    assert k.n == 5 * n // 2
    print('chain_events_per_s', best)


def nbytes():
    # a first chain, dropped, so that the one measured pays for no qstr pool
    # block that a name interned on the way happens to need (a 1.8 KB step
    # that lands here or not depending on what was imported before)
    chain()
    gc.collect()
    a = gc.mem_alloc()
    c = chain()
    gc.collect()
    print('chain_bytes', gc.mem_alloc() - a)
    return c


if __name__ == '__main__':
    if sys.argv[1] == 'speed':
        speed()
    else:
        nbytes()
