# A filter module imported again after it left sys.modules (the way this
# library unloads modules to give their RAM back: mqtt_init, mqtt_spool,
# and apps that pop wifi after start-up) must not keep the old copy alive:
# each filter module registers its globals in filters._reg for the fluent
# methods. Runs on both runtimes.
#
#   micropython soak_reimport.py     (python3 too: no heap marks there)
#
# Prints 'reg <entries of filters._reg>' after 10 rounds of 20 imports of
# each of filters_value, filters_window, filters_time; 'fluent ok' when a
# fluent method makes the class of the module now in sys.modules; on
# MicroPython a heap mark after each round.
import sys

import filters
import filters_value
import filters_window
import filters_time
from thingflow import OutputThing

try:
    from soakkit import mark
except ImportError:  # CPython: no gc.mem_alloc
    def mark(tag):
        pass

NAMES = ('filters_value', 'filters_window', 'filters_time')

for k in range(10):
    for i in range(20):
        for n in NAMES:
            sys.modules.pop(n, None)
            __import__(n)
    mark(k + 1)
print('reg', len(filters._reg))
t = OutputThing()
ok = (type(t.delta(1)) is sys.modules['filters_value'].Delta
      and type(t.ema(0.5)) is sys.modules['filters_window'].Ema
      and type(t.throttle(1)) is sys.modules['filters_time'].Throttle
      and type(t.map(abs)) is filters.Map)
print('fluent', 'ok' if ok else 'wrong')
