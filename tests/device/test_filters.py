# Device tests of the filters: every filter with exact outputs, completion and
# error propagation, bad parameters, fluent and constructed use, and time-based
# filters in virtual time. Plain functions with assert: CPython and MicroPython.
from thingflow import (OutputThing, InputThing, Scheduler, SensorAsOutputThing,
                       FatalError, ExcInDispatch)
from vclock import VirtualClock, run_for
import tcheck
from tcheck import raises, msg
import filters
import filters_value
import filters_window
import filters_time
from filters import (FilterError, Map, Where, Scan, Take, Skip, BufferWithCount,
                     Dispatch)
from filters_value import Delta, Calibrate, Clamp, Round
from filters_window import SlidingMean, Median, Ema
from filters_time import Throttle, Heartbeat, BufferWithTime


class Rec(tcheck.Rec):
    def values(self):
        return [x[1] for x in self.log if x[0] == 'next']


def run(f, xs, end='done'):
    """Feed xs into filter f through a source; end with completion ('done'),
    an error ('err') or nothing (None). Returns the recorder's log."""
    src = OutputThing()
    src.connect(f)
    r = Rec()
    f.connect(r)
    for x in xs:
        src._dispatch_next(x)
    if end == 'done':
        src._dispatch_completed()
    elif end == 'err':
        src._dispatch_error(OSError(5))
    return r.log


def nexts(log):
    return [x[1] for x in log if x[0] == 'next']


def ev(v, sid='t', ts=0):
    return (sid, ts, v)


# ---- table: filter, inputs, expected outputs (then completion) ----
CASES = [
    ('map', lambda: Map(lambda x: x * 10), [1, 2, 3], [10, 20, 30]),
    ('map event', lambda: Map(lambda e: e[2]), [ev(4), ev(5)], [4, 5]),
    ('map None passes', lambda: Map(lambda x: None), [1], [None]),
    ('where', lambda: Where(lambda x: x % 2), [1, 2, 3, 4, 5], [1, 3, 5]),
    ('scan no seed', lambda: Scan(lambda a, x: a + x), [1, 2, 3, 4], [1, 3, 6, 10]),
    ('scan seed', lambda: Scan(lambda a, x: a + x, 100), [1, 2, 3], [101, 103, 106]),
    ('scan max', lambda: Scan(max), [3, 1, 5, 2], [3, 3, 5, 5]),
    ('skip 2', lambda: Skip(2), [1, 2, 3, 4], [3, 4]),
    ('skip 0', lambda: Skip(0), [1, 2], [1, 2]),
    ('skip more than all', lambda: Skip(5), [1, 2], []),
    ('buffer 2', lambda: BufferWithCount(2), [1, 2, 3, 4, 5], [[1, 2], [3, 4], [5]]),
    ('buffer 3 exact', lambda: BufferWithCount(3), [1, 2, 3], [[1, 2, 3]]),
    ('buffer 1', lambda: BufferWithCount(1), [7, 8], [[7], [8]]),
    ('buffer none', lambda: BufferWithCount(4), [], []),
    ('delta any change', lambda: Delta(), [1, 1, 2, 2, 2, 3, 1], [1, 2, 3, 1]),
    ('delta abs', lambda: Delta(0.5), [20.0, 20.25, 20.5, 20.75, 21.0, 20.5, 19.5],
     [20.0, 20.5, 21.0, 20.5, 19.5]),
    ('delta abs events', lambda: Delta(2), [ev(10, ts=1), ev(11, ts=2), ev(12, ts=3), ev(9, ts=4)],
     [ev(10, ts=1), ev(12, ts=3), ev(9, ts=4)]),
    ('delta rel', lambda: Delta(rel=0.1), [100, 105, 110, 120, 122, 99], [100, 110, 122, 99]),
    ('delta abs and rel', lambda: Delta(5, 0.1), [10, 14, 15, 100, 109, 110], [10, 15, 100, 110]),
    ('delta negative', lambda: Delta(1), [-5, -5.5, -6, -4], [-5, -6, -4]),
    ('calibrate factor offset', lambda: Calibrate(2, -1), [0, 1, 2.5], [-1, 1, 4.0]),
    ('calibrate offset only', lambda: Calibrate(offset=0.5), [ev(20), ev(21)], [ev(20.5), ev(21.5)]),
    ('calibrate two points', lambda: Calibrate(points=((0, 32), (100, 232))), [0, 50, 100],
     [32.0, 132.0, 232.0]),
    ('calibrate fit', lambda: Calibrate(points=((0, 1), (1, 3), (2, 5), (3, 7))), [10], [21.0]),
    ('clamp both', lambda: Clamp(0, 100), [-5, 0, 50, 100, 101], [0, 0, 50, 100, 100]),
    ('clamp lo', lambda: Clamp(lo=10), [5, 15], [10, 15]),
    ('clamp hi', lambda: Clamp(hi=10), [5, 15], [5, 10]),
    ('clamp drop', lambda: Clamp(0, 10, True), [-1, 3, 11, 10], [3, 10]),
    ('round int', lambda: Round(), [1.4, 1.6, -2.6], [1, 2, -3]),
    ('round 1', lambda: Round(1), [20.04, 20.06, ev(3.14159)], [20.0, 20.1, ev(3.1)]),
    ('round -1', lambda: Round(-1), [1234], [1230]),
    ('sliding mean 3', lambda: SlidingMean(3), [3, 6, 9, 12, 0], [3.0, 4.5, 6.0, 9.0, 7.0]),
    ('sliding mean every 2', lambda: SlidingMean(2, 2), [1, 3, 5, 7, 9], [2.0, 6.0]),
    ('sliding mean first 1', lambda: SlidingMean(4, 4, 1), [4, 8, 0, 0, 4, 8, 12, 16, 20],
     [4.0, 3.0, 14.0]),
    ('sliding mean events', lambda: SlidingMean(2), [ev(2, ts=1), ev(4, ts=2)],
     [ev(2.0, ts=1), ev(3.0, ts=2)]),
    ('sliding mean nan', lambda: SlidingMean(2), [2, float('nan'), 4], [2.0, 3.0]),
    ('median 3', lambda: Median(3), [5, 1, 9, 2, 2, 100, 3],
     [5, 3.0, 5, 2, 2, 2, 3]),
    ('median 4', lambda: Median(4), [4, 1, 3, 2, 10, 10], [4, 2.5, 3, 2.5, 2.5, 6.5]),
    ('median every 3', lambda: Median(3, 3), [1, 50, 2, 9, 8, 7], [2, 8]),
    ('median 1', lambda: Median(1), [3, 1], [3, 1]),
    ('median duplicates', lambda: Median(3), [2, 2, 2, 1, 1, 1], [2, 2.0, 2, 2, 1, 1]),
    ('ema', lambda: Ema(0.5), [8, 0, 4, 4], [8, 4.0, 4.0, 4.0]),
    ('ema every 2', lambda: Ema(0.25, 2), [0, 8, 8, 8], [2.0, 4.625]),
    ('ema alpha 1', lambda: Ema(1), [3, 7], [3, 7]),
]


def test_each_filter_exact_outputs_then_completion():
    bad = []
    for name, make, xs, want in CASES:
        log = run(make(), xs)
        got = nexts(log)
        if got != want or log[-1] != ('done',) or len(log) != len(want) + 1:
            bad.append((name, log, want))
    assert not bad, bad


def test_each_filter_passes_an_error_on():
    for name, make, xs, want in CASES:
        log = run(make(), xs, end='err')
        assert log[-1][0] == 'err' and log[-1][1].args == (5,), name
        assert nexts(log) == want, name


def test_take_completes_after_n_and_counts_later_events():
    t = Take(2)
    log = run(t, [1, 2, 3, 4])
    assert log == [('next', 1), ('next', 2), ('done',)]
    assert t.dropped == 2
    t = Take(0)
    assert run(t, [9, 8]) == [('done',)]
    assert t.dropped == 2
    t = Take(5)
    assert run(t, [1, 2]) == [('next', 1), ('next', 2), ('done',)]
    # the n-th event itself completes: no later event nor upstream end needed
    t = Take(2)
    assert run(t, [1, 2], end=None) == [('next', 1), ('next', 2), ('done',)]
    assert t.dropped == 0
    assert run(Take(3), [1], end='err')[-1][0] == 'err'


def test_dropped_counters():
    cases = [
        (Where(lambda x: x > 2), [1, 2, 3, 4], 2),
        (Skip(3), [1, 2, 3, 4], 3),
        (Delta(1), [1, 1.5, 2, 2.5, 3], 2),
        (Clamp(0, 1, True), [-1, 0, 2], 2),
        (Map(lambda x: x), [1, 2], 0),
        (SlidingMean(2), [1, float('nan'), 2], 1),
        (Median(2), [float('nan')], 1),
        (Ema(0.5), [float('nan'), 1], 1),
    ]
    for f, xs, want in cases:
        run(f, xs)
        assert f.dropped == want, (f, f.dropped, want)


def test_ema_drops_an_infinity_that_would_make_every_later_average_nan():
    # m + alpha * (v - m) with m = inf is inf - inf: NaN, and NaN for ever
    # after: one infinite reading turned every later average into NaN
    # (no error, nothing counted); it is now dropped and counted as NaN is
    inf = float('inf')
    for xs, want in (([1, inf, 3], [1, 2.0]), ([inf, -inf, 2, 4], [2, 3.0]),
                     ([2, float('nan'), -inf, 4], [2, 3.0])):
        f = Ema(0.5)
        got = nexts(run(f, [ev(x) for x in xs]))
        assert got == [ev(x) for x in want], (xs, got)
        assert f.dropped == len(xs) - len(want), (xs, f.dropped)
    # the countdown counts only the values kept
    got = nexts(run(Ema(1, 2), [1, inf, 2, 3, inf, 4]))
    assert got == [2, 4], got


def test_exception_in_user_function_goes_downstream_and_ends_the_stream():
    for f, xs, bad_x, cause in [
        (Map(lambda x: 10 // x), [5, 0, 2], 0, ZeroDivisionError),
        (Where(lambda x: x['k']), [{'k': 1}, {}, {'k': 1}], {}, KeyError),
        (Scan(lambda a, x: a + x), [1, 'a', 3], 'a', TypeError),
        (Dispatch([(lambda x: 1 // x < 0, 'a')]), [1, 0, 1], 0, ZeroDivisionError),
        (Delta(1), [ev(1), ev(None), ev(5)], ev(None), TypeError),
        (SlidingMean(2), [1, 'x', 3], 'x', TypeError),
        (Median(2), [1, None, 3], None, TypeError),
        (Calibrate(2), [1, 'ab', 3], 'ab', TypeError),
    ]:
        src = OutputThing()
        src.connect(f)
        r = Rec()
        f.connect(r)
        for x in xs:
            src._dispatch_next(x)  # no exception reaches the source
        src._dispatch_completed()  # ignored: the filter's stream has ended
        errs = [x[1] for x in r.log if x[0] == 'err']
        assert len(errs) == 1 and r.log[-1][0] == 'err', (f, r.log)
        e = errs[0]
        assert isinstance(e, FilterError) and isinstance(e.exc, cause), (f, e)
        assert e.event == bad_x
        assert msg(e).startswith('%s failed on %r: ' % (f.__class__.__name__, bad_x)), msg(e)
        assert len(r.values()) == 1  # only the event before the bad one
        assert f.dropped == 1  # the event after the end


def test_filter_error_message_names_event_and_cause():
    log = run(Map(lambda x: 1 // 0), [('t', 5, 7)])
    e = log[0][1]
    assert msg(e).startswith("Map failed on ('t', 5, 7): ZeroDivisionError(")
    assert e.event == ('t', 5, 7)


def test_fatal_error_in_user_function_passes_through():
    def f(x):
        raise FatalError('stop')
    src = OutputThing()
    m = Map(f)
    src.connect(m)
    m.connect(Rec())
    e = raises(FatalError, src._dispatch_next, 1)
    assert msg(e) == 'stop'


def test_exception_downstream_is_not_blamed_on_the_filter():
    class Bad(InputThing):
        def on_next(self, x):
            raise ValueError('sink')
    m = Map(lambda x: x)
    m.connect(Bad())
    e = raises(ExcInDispatch, m.on_next, 1)
    assert 'sink' in msg(e)


def test_bad_parameters_raise_at_construction():
    cases = [
        (Take, (-1,), ValueError, 'take n must be an int >= 0, not -1'),
        (Skip, ('2',), ValueError, "skip n must be an int >= 0, not '2'"),
        (BufferWithCount, (0,), ValueError, 'count must be an int >= 1, not 0'),
        (BufferWithCount, (2.0,), ValueError, 'count must be an int >= 1, not 2.0'),
        (SlidingMean, (0,), ValueError, 'window n must be an int >= 1, not 0'),
        (Median, (-3,), ValueError, 'window n must be an int >= 1, not -3'),
        (SlidingMean, (3, 0), ValueError, 'send_every must be an int >= 1, not 0'),
        (Median, (3, 1, 0), ValueError, 'first must be an int >= 1, not 0'),
        (Ema, (0,), ValueError, 'ema alpha must be a number in (0, 1], not 0'),
        (Ema, (1.5,), ValueError, 'ema alpha must be a number in (0, 1], not 1.5'),
        (Delta, (-1,), ValueError, 'delta amount must be a number >= 0, not -1'),
        (Delta, (0, -0.1), ValueError, 'delta rel must be a number >= 0, not -0.1'),
        (Delta, ('1',), ValueError, "delta amount must be a number >= 0, not '1'"),
        (Clamp, (5, 1), ValueError, 'clamp: want lo <= hi, not 5, 1'),
        (Clamp, (), ValueError, 'clamp: want lo <= hi, not None, None'),
        (Clamp, (None, '5'), ValueError, "clamp hi must be a number >= -inf, not '5'"),
        (Clamp, (0, float('nan')), ValueError, 'clamp hi must be a number >= -inf, not nan'),
        (Clamp, ('0', 5), ValueError, "clamp lo must be a number >= -inf, not '0'"),
        (Calibrate, (1, 0, ((1, 2),)), ValueError,
         'calibrate: want two points with different measured values, not ((1, 2),)'),
        (Calibrate, (1, 0, ((1, 2), (1, 3))), ValueError,
         'calibrate: want two points with different measured values, not ((1, 2), (1, 3))'),
        (Calibrate, (2, 0, ((0, 0), (1, 1))), ValueError,
         'calibrate: give factor/offset or points, not both'),
        (Calibrate, ('2',), ValueError, "calibrate: want numbers, not '2'"),
        (Round, (1.5,), ValueError, 'round digits must be an int >= -308, not 1.5'),
        (Map, (3,), TypeError, 'want a function, not 3'),
        (Where, (None,), TypeError, 'want a function, not None'),
        (Scan, ('f',), TypeError, "want a function, not 'f'"),
        (Dispatch, ([(1, 'a')],), TypeError, 'want a function, not 1'),
    ]
    for cls, args, exc, text in cases:
        e = raises(exc, cls, *args)
        assert msg(e) == text, (cls, args, msg(e))


def test_calibrate_bad_points_name_the_points():
    # a pair that is no pair, or not of numbers, raised the unpacking's or
    # the arithmetic's own error, which did not name the points
    text = 'calibrate: want two points with different measured values, not %r'
    for pts in ((0.4, 0.0), ((1, 2), (3, 'a')), ((1, 2), (3,)), [(0, 0), (1, 1), 5],
                (), ((2.5, 1), (2.5, 7), (2.5, 3))):
        e = raises(ValueError, Calibrate, 1, 0, pts)
        assert msg(e) == text % (pts,), msg(e)
    # any iterable of pairs will do
    c = Calibrate(points=iter([(0, 32), (100, 212)]))
    assert (c.factor, c.offset) == (1.8, 32.0)


def test_calibrate_equal_measured_floats_raise_not_a_wild_line():
    # three equal measured floats: the uncentred sums left a denominator of
    # about 1e-17 instead of 0, so (0.7, 0), (0.7, 1), (0.7, 5) gave factor
    # 4.0, offset -0.8 and (21.3, ...) factor -0.0, with no error
    text = 'calibrate: want two points with different measured values, not %r'
    for pts in (((0.7, 0), (0.7, 1), (0.7, 5)), ((21.3, 1), (21.3, 2), (21.3, 3))):
        e = raises(ValueError, Calibrate, 1, 0, pts)
        assert msg(e) == text % (pts,), msg(e)
    # the fit itself is unchanged: exact lines come out exact
    c = Calibrate(points=((20.0, 21.0), (30.0, 31.0), (40.0, 41.0)))
    assert (c.factor, c.offset) == (1.0, 1.0), (c.factor, c.offset)
    c = Calibrate(points=((10, 1), (20, 3), (30, 5)))
    assert (c.factor, c.offset) == (0.2, -1.0), (c.factor, c.offset)


def test_sliding_mean_is_the_same_float_on_every_runtime():
    # the window is summed left to right: CPython 3.12+'s sum() compensates
    # the rounding of floats, which MicroPython's does not, so the means
    # differed in the last digits (0.19999999999999998 and 0.3 on CPython
    # 3.12 for the last two here)
    got = nexts(run(SlidingMean(3), [0.1, 0.2, 0.3, 0.4]))
    assert got == [0.1, 0.15000000000000002, 0.20000000000000004, 0.30000000000000004], got


def test_fluent_chain_equals_constructed_chain():
    src = OutputThing()
    got = []
    src.map(lambda e: e[2]).where(lambda v: v >= 0).calibrate(2).sliding_mean(2) \
        .round(1).connect(got.append)
    built = []
    src2 = OutputThing()
    chain = [Map(lambda e: e[2]), Where(lambda v: v >= 0), Calibrate(2), SlidingMean(2), Round(1)]
    prev = src2
    for f in chain:
        prev.connect(f)
        prev = f
    prev.connect(built.append)
    for v in [1.0, -3, 2.5, 4]:
        src._dispatch_next(('t', 0, v))
        src2._dispatch_next(('t', 0, v))
    assert got == built == [2.0, 3.5, 6.5]


def test_fluent_methods_return_the_new_filter_of_the_right_class():
    src = OutputThing()
    s = Scheduler(VirtualClock())
    for name, args, cls in [('map', (abs,), Map), ('where', (abs,), Where), ('filter', (abs,), Where),
                            ('scan', (max,), Scan), ('take', (1,), Take), ('skip', (1,), Skip),
                            ('buffer_with_count', (2,), BufferWithCount),
                            ('dispatch', ([],), Dispatch), ('delta', (1,), Delta),
                            ('calibrate', (2,), Calibrate), ('clamp', (0, 1), Clamp),
                            ('round', (), Round), ('sliding_mean', (2,), SlidingMean),
                            ('median', (3,), Median), ('ema', (0.5,), Ema),
                            ('throttle', (1, s), Throttle), ('heartbeat', (1, s), Heartbeat),
                            ('buffer_with_time', (1, s), BufferWithTime)]:
        f = getattr(src, name)(*args)
        assert type(f) is cls, name
    assert len(src._conns['default']) == 18


def test_fluent_names_that_are_no_filter_raise_attribute_error_naming_them():
    # the fluent methods are found by name (buffer_with_count -> the filter
    # class BufferWithCount); other names, even of other classes of the
    # filter modules, are missing attributes as before
    src = SensorAsOutputThing(Seq([1]))
    for name in ('nope', 'filter_error', 'output_thing', 'fatal_error', '_base',
                 'value', 'window', '_observe_x', 'slidingmean'):
        e = raises(AttributeError, getattr, src, name)
        assert msg(e) == name, (name, msg(e))
        assert not hasattr(src, name), name
    assert not hasattr(OutputThing(), 'nope')
    assert not hasattr(InputThing(), 'map')  # only output things have them


def test_fluent_names_only_in_snake_case():
    # a fluent method is the snake-case name of a filter class: the class
    # name itself, other spellings and names with leading, trailing or
    # doubled underscores (private or special names) are missing attributes
    src = OutputThing()
    for name in ('Map', 'Take', 'BufferWithCount', 'bufferWithCount', 'MAP',
                 '_map', 'map_', '__take__', '_round', 'buffer__with_count',
                 'sliding_mean_', '_', ''):
        e = raises(AttributeError, getattr, src, name)
        assert msg(e) == name, (name, msg(e))
        assert not hasattr(src, name), name
    assert src._conns['default'] == ()
    assert type(src.buffer_with_count(2)) is BufferWithCount
    assert type(src.round(1)) is Round and type(src.filter(abs)) is Where


def test_fluent_methods_take_keywords_and_connect_in_order():
    src = OutputThing()
    got = []
    f = src.calibrate(offset=1).clamp(hi=3, drop=True)
    f.connect(got.append)
    w = src.where(func=lambda x: x > 1)
    w.connect(lambda x: got.append(('w', x)))
    for x in (0, 1, 2, 5):
        src._dispatch_next(x)
    assert got == [1, 2, 3, ('w', 2), ('w', 5)]
    assert f.dropped == 1 and w.dropped == 2
    assert type(f) is Clamp and type(w) is Where


def test_dispatch_routes_by_first_matching_rule():
    d = Dispatch([(lambda x: x > 30, 'hot'), (lambda x: x < 0, 'cold'), (lambda x: x > 20, 'warm')])
    src = OutputThing()
    src.connect(d)
    hot, cold, warm, other = Rec(), Rec(), Rec(), Rec()
    d.connect(hot, port_map=('hot', 'default'))
    d.connect(cold, port_map=('cold', 'default'))
    d.connect(warm, port_map=('warm', 'default'))
    d.connect(other)
    for x in [35, -2, 25, 10, 31, 21]:
        src._dispatch_next(x)
    src._dispatch_completed()
    assert hot.log == [('next', 35), ('next', 31), ('done',)]
    assert cold.log == [('next', -2), ('done',)]
    assert warm.log == [('next', 25), ('next', 21), ('done',)]
    assert other.log == [('next', 10), ('done',)]


def test_dispatch_rules_may_be_any_iterable():
    # the rules are read once: from a generator as from a list
    for rules in ([(lambda x: x > 30, 'hot')], ((p, 'hot') for p in [lambda x: x > 30])):
        d = Dispatch(rules)
        hot, other = Rec(), Rec()
        d.connect(hot, port_map=('hot', 'default'))
        d.connect(other)
        src = OutputThing()
        src.connect(d)
        for x in (35, 10):
            src._dispatch_next(x)
        assert hot.log == [('next', 35)] and other.log == [('next', 10)], (hot.log, other.log)
        assert d.ports == ['hot', 'default'] and len(d._f) == 1


def test_dispatch_error_goes_to_every_port():
    d = Dispatch([(lambda x: x > 0, 'pos')])
    a, b = Rec(), Rec()
    d.connect(a, port_map=('pos', 'default'))
    d.connect(b)
    err = OSError(3)
    d.on_error(err)
    assert a.log == [('err', err)] and b.log == [('err', err)]


class PortRec(InputThing):
    """Appends its port's name to a shared log at completion or an error."""

    def __init__(self, log, port):
        self.log = log
        self.port = port

    def on_error(self, e=None):
        self.log.append(self.port)
    on_completed = on_error


def test_dispatch_ends_its_ports_in_the_rules_order_then_default():
    # one order on both runtimes (a MicroPython dict keeps no insertion
    # order): the rules' ports as given, 'default' last even when a rule
    # names it; a port named by two rules ends once
    hot, cold = (lambda x: x > 30), (lambda x: x < 10)
    for rules, want in (
            ([(hot, 'hot'), (cold, 'cold'), (lambda x: x < 20, 'cool')],
             ['hot', 'cold', 'cool', 'default']),
            ([(cold, 'cold'), (hot, 'default'), (abs, 'hot'), (hot, 'cold')],
             ['cold', 'hot', 'default'])):
        for err in (None, OSError(4)):
            d = Dispatch(rules)
            log = []
            for p in ('default', 'hot', 'cool', 'cold'):
                if p in d._conns:
                    d.connect(PortRec(log, p), port_map=(p, 'default'))
            d.on_error(err)
            assert log == want, (err, log)
            assert d.ports == [r[1] for r in rules] + ['default']


def test_buffer_lists_are_new_full_size_lists():
    got = []
    b = BufferWithCount(2)
    b.connect(got.append)
    for x in [1, 2, 3, 4]:
        b.on_next(x)
    assert got == [[1, 2], [3, 4]] and got[0] is not got[1]


# ---- time-based filters, in virtual time ----
class Seq:
    """A sensor that plays a list (None = end of the stream)."""

    def __init__(self, values):
        self.sensor_id = 's'
        self.values = list(values)

    def sample(self):
        v = self.values.pop(0) if self.values else None
        if v is None:
            raise StopIteration
        return v


def test_throttle_passes_at_most_one_event_per_interval():
    clk = VirtualClock()
    t = Throttle(2.5, clk)
    got = []
    t.connect(lambda x: got.append((clk.now, x)))
    for ms, x in [(0, 'a'), (1000, 'b'), (2499, 'c'), (2500, 'd'), (4000, 'e'), (5000, 'f'), (9000, 'g')]:
        clk.now = ms
        t.on_next(x)
    assert got == [(0, 'a'), (2500, 'd'), (5000, 'f'), (9000, 'g')]
    assert t.dropped == 3


def test_throttle_uses_the_scheduler_clock_and_survives_a_wrap():
    clk = VirtualClock(start=(1 << 12) - 1000, period=1 << 12)  # wraps after 1 s
    s = Scheduler(clk)
    t = Throttle(3, s)
    got = []
    t.connect(got.append)
    for i in range(8):
        t.on_next(i)
        clk.advance(1000)
    assert got == [0, 3, 6]


def test_throttle_bad_interval():
    for iv in (0, -1, 'x', 0.0004):
        e = raises(ValueError, Throttle, iv)
        assert msg(e) == 'throttle interval must be 0.001 to 536870 s, not %r' % (iv,)


def test_throttle_refuses_nan_infinity_and_intervals_beyond_the_ticks_range():
    # NaN and infinity raised the conversion's own error (OverflowError for
    # infinity) without naming the interval; an interval of half the ticks
    # period of a 32-bit board (2**29 ms, 6.2 days) or more was accepted and
    # silently shortened to it: ticks_diff wraps negative, which throttle
    # reads as "long ago"
    for iv in (float('nan'), float('inf'), 7 * 86400, 536870.001):
        e = raises(ValueError, Throttle, iv)
        assert msg(e) == 'throttle interval must be 0.001 to 536870 s, not %r' % (iv,)
    clk = VirtualClock()  # the board's ticks: period 2**30 ms
    t = Throttle(536870, clk)
    got = []
    t.connect(got.append)
    for ms in (0, 400000000, 536869999, 536870000, 1000000000, 1073740000):
        clk.now = ms
        t.on_next(ms)
    assert got == [0, 536870000, 1073740000] and t.dropped == 3


def test_throttle_on_a_sensor_in_virtual_time():
    s = Scheduler(VirtualClock())
    src = SensorAsOutputThing(Seq(range(1, 13)), s.clock)
    got = []
    src.throttle(5, s).connect(lambda e: got.append(e[2]))
    s.schedule_periodic(src, 2)
    run_for(s, 100)
    assert got == [1, 4, 7, 10]  # at 0, 6, 12, 18 s


def test_heartbeat_repeats_the_last_value_when_nothing_passed():
    # the sensor's readings change only at a few times; delta drops the rest;
    # heartbeat(60) repeats the last value when a minute passed without one
    clk = VirtualClock()
    s = Scheduler(clk)
    vals = [20] * 5 + [21] + [21] * 30 + [22] + [22] * 10
    src = SensorAsOutputThing(Seq(vals), clk)
    got = []
    hb = src.delta().heartbeat(60, s)
    hb.connect(lambda e: got.append((e[1], e[2])))
    s.schedule_periodic(src, 10)
    run_for(s, 1000)
    # readings at 0..460 s; 21 first at 50 s, 22 at 360 s; checks every 60 s
    # a repeat does not count as a passed value: every silent minute gets one
    assert got == [(0, 20), (50, 21), (120, 21), (180, 21), (240, 21), (300, 21),
                   (360, 22), (420, 22)]
    assert hb.repeats == 5
    assert s._groups == []  # completion cancelled the heartbeat


def test_heartbeat_checks_after_its_source_and_never_repeats_at_a_fresh_value():
    # heartbeat(10) behind delta on a 10 s sensor, the chain built before the
    # sensor is scheduled (the README's order: the heartbeat's checks join the
    # group first) or after: each check runs after the sensor in the shared
    # wake-up, so a fresh value is never preceded by a stale repeat stamped
    # with its time, and each silent interval (from the first value on) gets
    # one repeat: never more than 10 s without an event
    for built_first in (True, False):
        clk = VirtualClock()
        s = Scheduler(clk)
        src = SensorAsOutputThing(Seq([20, 20, 20, 21, 21, 21, 21, 21, 22, 22]), clk)
        if not built_first:
            s.schedule_periodic(src, 10)
        got = []
        hb = src.delta().heartbeat(10, s)
        hb.connect(lambda e: got.append((e[1], e[2])))
        if built_first:
            s.schedule_periodic(src, 10)
        run_for(s, 95)
        assert got == [(0, 20), (10, 20), (20, 20), (30, 21), (40, 21), (50, 21), (60, 21),
                       (70, 21), (80, 22), (90, 22)], (built_first, got)
        assert hb.repeats == 7 and s.wakeups == 10


class Idle(OutputThing):
    def _observe(self):
        pass


def test_heartbeat_before_any_value_sends_nothing_and_passes_errors():
    clk = VirtualClock()
    s = Scheduler(clk)
    src = OutputThing()
    h = src.heartbeat(10, s)
    r = Rec()
    h.connect(r)
    s.schedule_periodic(Idle(), 100)  # keeps the scheduler running
    run_for(s, 35)  # checks at 0, 10, 20, 30 s
    assert r.log == [] and h.repeats == 0
    src._dispatch_next(5)  # at 35 s
    run_for(s, 24)  # checks at 40 s (saw it) and 50 s (repeats)
    assert r.log == [('next', 5), ('next', 5)] and h.repeats == 1
    err = OSError(1)
    src._dispatch_error(err)
    assert r.log[-1] == ('err', err)
    assert len(s._groups) == 1  # the heartbeat's schedule is cancelled


def test_heartbeat_bad_interval_comes_from_the_scheduler():
    s = Scheduler(VirtualClock())
    raises(ValueError, Heartbeat, 0, s)
    raises(TypeError, Heartbeat, 'x', s)
    assert s._groups == []


def test_buffer_with_time_sends_a_list_every_interval():
    clk = VirtualClock()
    s = Scheduler(clk)
    src = SensorAsOutputThing(Seq(range(1, 11)), clk)
    got = []
    b = src.buffer_with_time(7, s)
    b.connect(Rec())
    b.connect(lambda x: got.append([e[2] for e in x]))
    s.schedule_periodic(src, 2)
    run_for(s, 100)
    # samples at 0, 2, .. 18 s, completion at 20 s; buffer checks at 0, 7,
    # 14 s, each after the sensor (shorter intervals run first)
    assert got == [[1], [2, 3, 4], [5, 6, 7, 8], [9, 10]]
    assert s._groups == []


def test_buffer_with_time_error_sends_the_partial_list_first_and_cancels():
    s = Scheduler(VirtualClock())
    b = BufferWithTime(60, s)
    r = Rec()
    b.connect(r)
    b.on_next(1)
    b.on_next(2)
    err = OSError(2)
    b.on_error(err)
    assert r.log == [('next', [1, 2]), ('err', err)]
    assert s._groups == []  # no more checks
    b.on_completed()  # the stream has ended: ignored
    assert len(r.log) == 2


def test_buffer_with_time_cancels_its_checks_before_the_last_list_fails():
    # a downstream that raises on the partial list at the end must not
    # leave the checks on the scheduler (it would wake up for ever)
    s = Scheduler(VirtualClock())
    b = BufferWithTime(60, s)

    def bad(x):
        raise OSError(5)
    b.connect(bad)
    b.on_next(1)
    from thingflow import ExcInDispatch
    e = raises(ExcInDispatch, b.on_completed)
    assert msg(e).startswith('dispatching [1]: OSError(5'), msg(e)
    assert s._groups == []


def test_a_second_end_is_ignored_and_take_counts_after_its_end():
    for f in (Map(abs), BufferWithCount(3), Dispatch([(abs, 'a')]), Delta(), Median(3),
              Throttle(1, VirtualClock()), Heartbeat(1, Scheduler(VirtualClock()))):
        r = Rec()
        f.connect(r)
        f.on_completed()
        f.on_error(OSError(1))
        f.on_completed()
        assert r.log == [('done',)], (f, r.log)


def test_events_after_the_end_are_counted_not_raised_nor_kept():
    # two sources feed one filter and one of them ends (completion or an
    # error): the other's events are counted in dropped, as the README says;
    # they raised PortError (a FatalError) out of the scheduler, and
    # buffer_with_time without a count kept them in a list never sent
    same = lambda x: x  # noqa: E731
    s = Scheduler(VirtualClock())
    for end in ('completed', 'error'):
        for f in (Map(same), Where(same), Scan(max), Take(5), Skip(0), BufferWithCount(2),
                  Dispatch([(callable, 'a')]), Delta(), Calibrate(2), Clamp(0, 9), Round(1), SlidingMean(2),
                  Median(3), Ema(0.5), Throttle(1, VirtualClock()), Heartbeat(1, s), BufferWithTime(5, s)):
            r = Rec()
            f.connect(r)
            f.on_next(('t', 0, 1))
            d = f.dropped
            getattr(f, 'on_' + end)(*([] if end == 'completed' else [OSError(5)]))
            log = list(r.log)
            for i in range(3):
                f.on_next(('t', i, 2))
            assert f.dropped == d + 3, (f, end, d, f.dropped)
            # a later completion is ignored; a later error is counted too
            # (it was swallowed: neither sent on nor counted)
            f.on_completed()
            f.on_error(OSError(5, 'i2c read failed'))
            assert f.dropped == d + 4, (f, end, d, f.dropped)
            assert r.log == log and [x[0] for x in log][-1:] == ['done' if end == 'completed' else 'err'], \
                (f, end, log)
            if type(f) is BufferWithTime:
                assert f._b == [], f._b
    assert s._groups == []  # heartbeat's and buffer_with_time's checks are cancelled


def test_buffer_with_time_count_bounds_the_list():
    s = Scheduler(VirtualClock())
    b = BufferWithTime(60, s, 3)
    got = []
    b.connect(got.append)
    for x in range(7):
        b.on_next(x)
    b.on_completed()
    assert got == [[0, 1, 2], [3, 4, 5], [6]]
    e = raises(ValueError, BufferWithTime, 60, s, 0)
    assert msg(e) == 'count must be an int >= 1, not 0'


def test_delta_drops_nan_after_nan_and_the_same_infinity():
    # a sensor stuck at NaN (or inf) must not send every reading; a change
    # to NaN and back passes (as ESPHome's delta)
    nan = float('nan')
    inf = float('inf')
    for xs, want, dropped in (
            ([20.0, nan, nan, nan, 20.0], [20.0, 'nan', 20.0], 2),
            ([nan, nan, 1.0, 1.2], ['nan', 1.0], 2),
            ([inf, inf, -inf, -inf, 1.0], [inf, -inf, 1.0], 2)):
        d = Delta(0.5)
        got = [e[2] if e[2] == e[2] else 'nan'
               for e in nexts(run(d, [ev(x) for x in xs]))]
        assert got == want, (xs, got)
        assert d.dropped == dropped, (xs, d.dropped)


def test_heartbeat_repeats_a_tuple_that_is_no_3_tuple_without_raising():
    # a (sensor_id, value) pair was repeated as x[2]: IndexError out of the
    # scheduler; a longer tuple lost its items after the value
    for x, want in ((('a', 7), [('a', 7), ('a', 7)]),
                    (('b', 1, 2, 'C'), [('b', 10.0, 2, 'C'), ('b', 20.0, 2, 'C')]),
                    (5, [5, 5])):
        clk = VirtualClock()
        s = Scheduler(clk)
        src = OutputThing()
        hb = src.heartbeat(10, s)
        got = []
        hb.connect(got.append)
        src._dispatch_next(x)
        assert run_for(s, 25) == 3
        assert got == [x] + want, (x, got)
        assert hb.repeats == 2


def test_round_gives_the_same_type_and_value_on_both_runtimes():
    # MicroPython's round(True, 1) is 1.0 (CPython: the int 1), and its
    # round(v, d) rounds v * 10**d, which overflows to inf (nan for d above
    # 308) where CPython returns v: a board published 1.0 or inf where the
    # desktop published 1 or the value
    got = nexts(run(Round(1), [True, False, ev(True), 7]))
    assert got == [1, 0, ev(1), 7], got
    assert [type(x) for x in got[:2] + [got[2][2], got[3]]] == [int] * 4, got
    big = 2.0 ** 1000  # about 1.07e301: big * 10**10 overflows
    for d, xs in ((10, [big, -big, ev(big), 1.5]), (308, [2.0, -3.0, 0.25]),
                  (400, [2.5, -0.125])):
        got = nexts(run(Round(d), xs))
        assert got == xs, (d, got)
        assert [type(x) for x in got] == [type(x) for x in xs], (d, got)
    inf = float('inf')
    got = nexts(run(Round(2), [inf, -inf, float('nan'), -0.0, 2.0 ** -1074]))
    assert got[:2] == [inf, -inf] and got[2] != got[2], got
    assert str(got[3]) == '-0.0' and got[4] == 0.0, got  # sign kept, as round's
    assert str(nexts(run(Round(), [-0.4]))[0]) == '0', 'round(v): an int'


def test_dispatch_rules_that_are_not_pairs_are_named_at_construction():
    # a flat pair, a predicate alone, a 1-tuple or a dict of ports raised
    # "'function' object is not subscriptable", an IndexError or "want a
    # function, not 'h'", none naming the rule; a triple was taken silently
    f = lambda x: x > 30  # noqa: E731
    for rules, bad in (((f, 'hot'), f), ([f], f), ([(f,)], (f,)),
                       ({'hot': f}, 'hot'), ([(f, 'hot', 'x')], (f, 'hot', 'x'))):
        e = raises(TypeError, Dispatch, rules)
        assert msg(e) == 'no pair %r' % (bad,), msg(e)
    assert Dispatch([[f, 'hot']]).ports == ['hot', 'default']  # a list pair is a pair


def test_calibrate_refuses_infinity_and_names_points_that_give_nan():
    # factor=inf was taken (every value became inf or nan); a point with NaN
    # or an infinity was refused as "want numbers, not nan", naming a value
    # the caller never gave instead of the points
    inf = float('inf')
    for a in ((inf,), (1, -inf)):
        e = raises(ValueError, Calibrate, *a)
        assert msg(e) == 'calibrate: want numbers, not %r' % (a[-1],), msg(e)
    for pts in (((0, 0), (1, float('nan'))), ((0, 0), (1, inf)), ((0, 0), (inf, 1))):
        e = raises(ValueError, Calibrate, points=pts)
        assert msg(e) == 'calibrate: want two points with different measured values, not %r' % (pts,), msg(e)
    c = Calibrate(points=((0.0, 1.0), (2.0, 5.0)))
    assert (c.factor, c.offset) == (2.0, 1.0)


def test_throttle_given_a_light_sleep_clock_uses_its_ticks():
    # Throttle(iv, clock) took a clock's .clock when it had one: for a
    # LightSleepClock the clock it wraps, whose ticks stop in light sleep on
    # some ports (stm32), so after the first event every one was dropped
    from lightsleep import LightSleepClock
    from machine_power import FakeMachine, PortClock

    class Count:
        sensor_id = 'n'
        n = 0

        def sample(self):
            self.n += 1
            return self.n
    for how in ('clock', 'sched'):
        pc = PortClock()
        lsc = LightSleepClock(FakeMachine(pc, stops=True), pc)
        s = Scheduler(lsc)
        t = SensorAsOutputThing(Count(), lsc)
        got = []
        th = t.throttle(100, lsc if how == 'clock' else s)
        th.connect(lambda x: got.append(x[2]))
        s.schedule_periodic(t, 60)
        run_for(s, 600)
        assert (got, th.dropped, pc.ticks_ms()) == ([1, 3, 5, 7, 9, 11], 5, 0), (how, got, th.dropped)
