"""Filter figures (issue 7: filters and the fluent API on the device).

filters_bytes: heap bytes of importing each filter module from .mpy (after
thingflow, each counted after the ones before), with the qstr pool as the
interpreter has it then ("cold": a module may be charged a pool block of
1-3 KB that later names share); filters_bytes_warm: the same with the pool
grown beforehand (bench/device/filters_mem.py), which is what the module
itself costs; filters_qstrs: the names each module adds to the qstr pool
(about 20-30 bytes each: characters plus a pool entry); chain_bytes: the heap of a
sensor -> map -> where -> sliding_mean(5) -> sink chain (a second one, as the
first may grow the qstr pool); chain_events_per_s:
that chain on MicroPython; radio_messages_per_day: the reference trace
(bench/device/filters_trace.py, a day at 10 s) raw and through delta +
buffer_with_count, counted by actually running the filters."""
import re

from common import DEVICE, metric, values

MODULES = ['filters', 'filters_value', 'filters_window', 'filters_time']
RADIO = [(0.25, 5), (0.125, 5), (0.5, 5), (0.25, 10)]


def run(ctx):
    b = ctx.import_bytes('thingflow', *MODULES)
    for m in MODULES:
        yield metric('filters_bytes', 'micropython', b[m], 'bytes', module=m)
    yield metric('filters_bytes', 'micropython', sum(b[m] for m in MODULES), 'bytes',
                 module='all four')
    w, q = _mem(ctx, 'warm')
    for m in MODULES:
        yield metric('filters_bytes_warm', 'micropython', w[m], 'bytes', module=m)
    yield metric('filters_bytes_warm', 'micropython', sum(w[m] for m in MODULES), 'bytes',
                 module='all four')
    for m in MODULES:
        yield metric('filters_qstrs', 'micropython', q[m], 'qstrs', module=m)
    v = values(ctx.micropython(DEVICE / 'filters_chain.py', 'bytes'))
    yield metric('chain_bytes', 'micropython', v['chain_bytes'], 'bytes',
                 note='SensorAsOutputThing, map, where, sliding_mean(5), sink')
    runs = [values(ctx.micropython(DEVICE / 'filters_chain.py', 'speed'))['chain_events_per_s']
            for i in range(3)]
    yield metric('chain_events_per_s', 'micropython', max(runs), 'events/s', runs=runs,
                 note='sensor -> map -> where -> sliding_mean(5) -> sink, best of 3 runs')
    for rt, fn in (('micropython', ctx.micropython), ('cpython', ctx.cpython)):
        for amount, count in RADIO:
            v = values(fn(DEVICE / 'filters_radio.py', amount, count))
            if (amount, count) == RADIO[0]:
                yield metric('radio_messages_per_day', rt, v['raw'], 'messages/day',
                             filters='none')
            yield metric('radio_messages_per_day', rt, v['filtered'], 'messages/day',
                         filters='delta(%r) + buffer_with_count(%d)' % (amount, count),
                         passed_delta=v['passed'], ratio=round(v['raw'] / v['filtered'], 1))


def _mem(ctx, *mode):
    # {module: heap bytes}, {module: new qstrs} from filters_mem.py
    out = ctx.micropython(DEVICE / 'filters_mem.py', *mode, 'thingflow', *MODULES)
    b, q, n, last = {}, {}, None, None
    for ln in out.splitlines():
        m = re.search(r'n_qstr=(\d+)', ln)
        if m:
            k = int(m.group(1))
            if last is not None:
                q[n] = k - last
            last = k
        elif ln.strip():
            n, v = ln.split()
            b[n] = int(v)
    return b, q
