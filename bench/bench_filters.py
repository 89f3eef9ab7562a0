"""Filter figures (issue 7: filters and the fluent API on the device).

filters_bytes: heap bytes of importing each filter module from .mpy (after
thingflow, each counted after the ones before); chain_bytes: the heap of a
sensor -> map -> where -> sliding_mean(5) -> sink chain; chain_events_per_s:
that chain on MicroPython; radio_messages_per_day: the reference trace
(bench/device/filters_trace.py, a day at 10 s) raw and through delta +
buffer_with_count, counted by actually running the filters."""
from common import DEVICE, metric, values

MODULES = ['filters', 'filters_value', 'filters_window', 'filters_time']
RADIO = [(0.25, 5), (0.125, 5), (0.5, 5), (0.25, 10)]


def run(ctx):
    b = ctx.import_bytes('thingflow', *MODULES)
    for m in MODULES:
        yield metric('filters_bytes', 'micropython', b[m], 'bytes', module=m)
    yield metric('filters_bytes', 'micropython', sum(b[m] for m in MODULES), 'bytes',
                 module='all four')
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
