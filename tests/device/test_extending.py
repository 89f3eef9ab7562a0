# Extending the library as README.md and the docstrings tell a developer to:
# a driver of their own on the simulated bus (plain I2C transfers, a chip
# model of their own from chips.Chip), a Filter with two output ports wired
# with port_map to named input ports and to a plain callable, an OutputThing
# that is not a sensor, two schedulers, run_forever() after stop(). Both
# runtimes (no pytest here).
import machine
import tcheck
from chips import MCP9808 as ChipT
from sht31 import SHT31, SimSHT31, crc8
from thingflow import (ExcInDispatch, FatalError, Filter, InputThing, OutputThing,
                       PortError, Scheduler, SensorAsOutputThing)
from vclock import VirtualClock, run_for


# ---- a driver the library lacks: SHT31 (tests/device/sht31.py) ----


def _bus():
    machine.sim_reset()
    return machine.I2C(0, scl=machine.Pin(5), sda=machine.Pin(4))


def test_crc8_datasheet_example():
    assert crc8(b'\xbe\xef') == 0x92


def test_own_driver_on_sim_bus_with_filters():
    import filters  # noqa: F401 (the fluent methods)
    i2c = _bus()
    chip = i2c.sim.attach(SimSHT31(temp=21.5, rh=40.0))
    clk = VirtualClock()
    s = Scheduler(clk)
    t = SensorAsOutputThing(SHT31(i2c, sensor_id='temp', clock=clk), clk)
    r = tcheck.Rec()
    t.map(lambda e: (e[0], e[1], e[2] * 10)).where(lambda e: e[2] > 0).connect(r)
    s.schedule_periodic(t, 2)
    h = tcheck.Rec()
    s.schedule_sensor(SHT31(i2c, sensor_id='hum', hum=True, clock=clk), 2, h)
    run_for(s, 3)
    # both sampled at 0 and at 2 s (each sample waits 16 ms of virtual time)
    assert [e[2] for k, e in r.log] == [215.0, 215.0]
    assert [(e[0], e[2]) for k, e in h.log] == [('hum', 40.0), ('hum', 40.0)]
    assert chip.cmds == [0x2400] * 4 and chip.reads == 4
    chip.fail(1)  # the next transfer (temp's command) raises OSError(EIO)
    run_for(s, 2)
    assert len(r.log) == 3
    k, e = r.log[-1]  # the sensor's own error, through map and where unchanged
    assert k == 'err' and isinstance(e, OSError) and e.args[0] == 5, r.log
    assert [x[0] for x in h.log] == ['next'] * 3  # the other sensor goes on
    assert len(s._groups) == 1  # the failed stream was dropped


def test_failed_sensor_error_reaches_named_sink_unchanged():
    i2c = _bus()
    i2c.sim.attach(SimSHT31()).fail(1, 121)
    clk = VirtualClock()
    s = Scheduler(clk)
    r = tcheck.Rec()
    s.schedule_sensor(SHT31(i2c, clock=clk), 1, r)
    run_for(s, 1)
    assert len(r.log) == 1 and r.log[0][0] == 'err'
    assert isinstance(r.log[0][1], OSError) and r.log[0][1].args[0] == 121
    assert s._groups == []


# ---- a Filter with two output ports ----
class Split(Filter):
    def __init__(self, lim):
        Filter.__init__(self, ('high', 'low'))
        self.lim = lim

    def on_next(self, x):
        self._dispatch_next(x, 'high' if x[2] > self.lim else 'low')

    def on_completed(self):
        self._dispatch_completed('high')
        self._dispatch_completed('low')

    def on_error(self, e):
        self._dispatch_error(e, 'high')
        self._dispatch_error(e, 'low')


class Alarm(tcheck.Rec):
    """An input thing with a named input port 'alarm' and the default one
    (tcheck.Rec's: ('next', x), ('done',), ('err', e))."""

    def on_alarm_next(self, x):
        self.log.append(('alarm', x))

    def on_alarm_completed(self):
        self.log.append(('alarm done',))

    def on_alarm_error(self, e):
        self.log.append(('alarm err', e))


def test_two_ports_named_input_and_callable():
    s = Split(10)
    a = Alarm()
    low = []
    s.connect(a, port_map=('high', 'alarm'))
    cancel = s.connect(low.append, port_map=('low', 'default'))
    s.on_next(('t', 1, 20))
    s.on_next(('t', 2, 5))
    cancel()
    cancel()  # harmless
    s.on_next(('t', 3, 4))  # low has no thing now: nothing happens
    assert a.log == [('alarm', ('t', 1, 20))]
    assert low == [('t', 2, 5)]
    s.on_completed()
    assert a.log[-1] == ('alarm done',)
    e = tcheck.raises(PortError, s.on_next, ('t', 4, 50))
    assert tcheck.msg(e) == "closed port 'high'"
    assert s._conns == {'high': None, 'low': None}


def test_port_errors_name_the_port():
    s = Split(10)
    a = Alarm()
    assert tcheck.msg(tcheck.raises(PortError, s.connect, a)) == "unknown port 'default'"
    assert tcheck.msg(tcheck.raises(PortError, s.connect, a, ('nope', 'alarm'))) == "unknown port 'nope'"
    e = tcheck.raises(AttributeError, s.connect, a, ('low', 'other'))
    assert 'on_other_next' in str(e)
    # a Filter left with the default on_completed: completion looks for 'default'
    f = Filter(('high', 'low'))
    e = tcheck.raises(PortError, f.on_completed)
    assert tcheck.msg(e) == "unknown port 'default'"
    s.on_completed()
    assert tcheck.msg(tcheck.raises(PortError, s.connect, a, ('low', 'alarm'))) == "closed port 'low'"


def test_errors_per_port_and_dispatch_wrapping():
    s = Split(10)
    a = Alarm()
    seen = []
    s.connect(a, port_map=('high', 'alarm'))
    s.connect(seen.append, port_map=('low', 'default'))
    bad = ValueError('bad')
    # the plain callable on 'low' raises the error again: ExcInDispatch naming it
    e = tcheck.raises(ExcInDispatch, s.on_error, bad)
    assert tcheck.msg(e) == 'dispatching %r: %r' % (bad, bad)
    assert a.log == [('alarm err', bad)]  # 'high' got it first
    assert s._conns == {'high': None, 'low': None}

    class Boom:
        def on_alarm_next(self, x):
            raise KeyError(x[2])
        on_alarm_completed = on_alarm_error = on_alarm_next

    s2 = Split(10)
    s2.connect(Boom(), port_map=('high', 'alarm'))
    e = tcheck.raises(ExcInDispatch, s2.on_next, ('t', 5, 99))
    assert tcheck.msg(e) == "dispatching ('t', 5, 99): %r" % (KeyError(99),)

    class Fatal:
        def on_alarm_next(self, x):
            raise FatalError('stop')
        on_alarm_completed = on_alarm_error = on_alarm_next

    s3 = Split(10)
    s3.connect(Fatal(), port_map=('high', 'alarm'))
    e = tcheck.raises(FatalError, s3.on_next, ('t', 6, 99))
    assert type(e) is FatalError and tcheck.msg(e) == 'stop'


# ---- an OutputThing that is not a sensor ----
class Count(OutputThing):
    def __init__(self, n):
        OutputThing.__init__(self)
        self.i = 0
        self.n = n

    def _observe(self):
        self.i += 1
        if self.i > self.n:
            self._dispatch_completed()
        else:
            self._dispatch_next(('c', self.i, self.i))


def test_custom_output_thing_fluent_and_dropped():
    import filters  # noqa: F401
    clk = VirtualClock()
    s = Scheduler(clk)
    c = Count(5)
    r = tcheck.Rec()
    w = c.map(lambda e: e[2] * 10).where(lambda v: v != 30)
    w.connect(r)
    s.schedule_periodic(c, 1)
    s.run_forever()  # returns by itself: the counter's only port closed
    assert r.log == [('next', 10), ('next', 20), ('next', 40), ('next', 50), ('done',)]
    assert w.dropped == 1
    assert s._groups == [] and s.wakeups == 6 and clk.now == 5000


def test_custom_output_thing_ports_all_closed_before_drop():
    clk = VirtualClock()
    s = Scheduler(clk)

    class Two(OutputThing):
        n = 0

        def _observe(self):
            self.n += 1
            if self.n == 2:
                self._dispatch_completed('a')
            if self.n == 4:
                self._dispatch_completed('b')
    t = Two(('a', 'b'))
    s.schedule_periodic(t, 1)
    s.schedule_periodic(t, 3)  # scheduled twice: dropped from both groups
    s.run_forever()
    assert t.n == 4 and s._groups == [] and clk.now == 2000  # runs at 0 (twice), 1, 2


# ---- two schedulers; run_forever() again after stop() ----
def test_second_scheduler_inside_a_task_and_rerun_after_stop():
    clk = VirtualClock()
    s1 = Scheduler(clk)
    s2 = Scheduler(clk)
    log = []

    class N(OutputThing):
        def __init__(self, name, n, burst=False):
            OutputThing.__init__(self)
            self.name = name
            self.n = n
            self.burst = burst

        def _observe(self):
            log.append((self.name, clk.now))
            self.n -= 1
            if self.n == 0:
                self._dispatch_completed()
            if self.burst:
                s2.schedule_periodic(N('burst', 3), 0.5)
                s2.run_forever()
            if clk.now == 5000:
                s1.stop()  # only 'fast' runs at 5 s
    s1.schedule_periodic(N('slow', 2, True), 10)
    s1.schedule_periodic(N('fast', 4), 5)
    s1.run_forever()
    assert log == [('fast', 0), ('slow', 0), ('burst', 0), ('burst', 500), ('burst', 1000),
                   ('fast', 5000)]
    del log[:]
    clk.sleep_ms(2000)  # time passes between the two calls: counted
    s1.run_forever()  # goes on from 7 s; returns when both streams have completed
    assert log == [('fast', 10000), ('slow', 10000), ('burst', 10000), ('burst', 10500),
                   ('burst', 11000), ('fast', 15000)], log
    assert s1.clock_faults == 0 and s2.clock_faults == 0
    assert s2.wakeups == 6 and s1._groups == [] and s2._groups == []
