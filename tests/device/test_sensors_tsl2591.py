# Device tests of the TSL2591 driver against the register-level chip model.
from errno import ETIMEDOUT
from chips import TSL2591 as Chip
from sensors.tsl2591 import TSL2591, lux
from thingflow import Scheduler
from vclock import VirtualClock, run_for
from tcheck import raises, msg
from sensorkit import bus, close, Rec, error_mid_run, newlib_errno

GAINS = (1, 25, 428, 9876)
ITIMES = (100, 200, 300, 400, 500, 600)


def test_lux_formula_table():
    # CPL = itime * gain / 408; lux = max((c0 - 1.64 c1), (0.59 c0 - 0.86 c1)) / CPL, >= 0
    cases = [
        ((1000, 200, 25, 100), 672 * 408 / 2500),  # first term wins: 109.6704
        ((1000, 500, 25, 100), 180 * 408 / 2500),  # 29.376
        ((1000, 600, 25, 100), 74 * 408 / 2500),  # second term wins: 12.0768
        ((100, 100, 1, 100), 0.0),  # both negative: 0
        ((0, 0, 1, 100), 0.0),
        ((65534, 0, 1, 600), 65534 * 408 / 600),  # 44563.12
        ((500, 100, 9876, 600), 336 * 408 / (600 * 9876)),  # 0.0231348...
        ((37887, 7577, 428, 300), (37887 - 1.64 * 7577) * 408 / (300 * 428)),  # 80.9032...
    ]
    for args, want in cases:
        got = lux(*args)
        assert close(got, want), (args, got, want)


def max_count(t):  # the datasheet's saturation point: 37888 counts at 100 ms, else 65535
    return 37888 if t == 100 else 65535


def test_saturation_point_per_integration_time():
    # lux() is None from the maximum count on, in either channel, at any gain
    for t, m in zip(ITIMES, (37888, 65535, 65535, 65535, 65535, 65535)):
        for g in GAINS:
            assert lux(m - 1, 0, g, t) == (m - 1) * 408 / (t * g), (t, g)
            assert lux(m, 0, g, t) is None and lux(0, m, g, t) is None, (t, g)
            assert lux(m - 1, m - 1, g, t) == 0.0
    assert lux(65535, 0, 1, 200) is None and lux(37888, 0, 1, 200) == 37888 * 408 / 200


def test_construction_with_and_without_the_chip():
    i2c = bus()
    e = raises(OSError, TSL2591, i2c)
    assert e.args[0] == 19 and e.args[1].startswith('no TSL2591 at 0x29 ('), e.args
    assert 'ENODEV' in e.args[1] or '19' in e.args[1]  # the bus error, as the port words it
    c = i2c.sim.attach(Chip())
    t = TSL2591(i2c)
    assert (t.address, t.sensor_id, t.gain, t.itime, t.auto) == (0x29, 'tsl2591', 25, 100, False)
    assert (c.enable, c.control) == (0x03, 0x10)  # PON|AEN; gain medium, 100 ms
    c.ident = 0x51
    e = raises(OSError, TSL2591, i2c)
    assert e.args == (19, 'no TSL2591 at 0x29 (ID 0x51)'), e.args
    i2c.sim.attach(Chip(), 0x39)
    assert TSL2591(i2c, address=0x39, sensor_id='lux').sensor_id == 'lux'


def test_every_gain_and_integration_time():
    i2c = bus()
    c = i2c.sim.attach(Chip(lux=2.0, ir=0.2))
    for gi in range(4):
        for ti in range(6):
            g, t = GAINS[gi], ITIMES[ti]
            s = TSL2591(i2c, gain=g, itime=t)
            assert (c.control, c.enable) == (gi << 4 | ti, 3), (g, t)
            v = s.sample()
            c0, c1 = c.counts()
            assert v == lux(c0, c1, g, t)
            if c0 >= 100:  # enough counts for 1 %
                assert abs(v - 2.0) < 0.02, (g, t, v)


def test_configure_keeps_what_is_not_given():
    i2c = bus()
    c = i2c.sim.attach(Chip())
    s = TSL2591(i2c, gain=428, itime=300)
    s.configure(itime=600)
    assert (s.gain, s.itime, c.control) == (428, 600, 0x25)
    s.configure(gain=1)
    assert (s.gain, s.itime, c.control) == (1, 600, 0x05)


def test_bad_settings_are_value_errors_naming_them():
    i2c = bus()
    c = i2c.sim.attach(Chip())
    for bad in (0, 2, 24.5, 9200, '25'):
        e = raises(ValueError, TSL2591, i2c, gain=bad)
        assert msg(e) == 'TSL2591 gain %r' % (bad,), msg(e)
    for bad in (0, 50, 150, 700, 100.5, 200.0, '200'):
        e = raises(ValueError, TSL2591, i2c, itime=bad)
        assert msg(e) == 'TSL2591 itime %r' % (bad,), msg(e)
    for k in ('gain', 'itime'):  # None (configure()'s "keep") has nothing to keep here:
        n = c.writes  # it raised AttributeError: 'TSL2591' object has no attribute 'gain'
        e = raises(ValueError, TSL2591, i2c, **{k: None})
        assert msg(e) == 'TSL2591 %s None' % k and c.writes == n, msg(e)
    s = TSL2591(i2c, gain=1)
    raises(ValueError, s.configure, 3)
    assert (s.gain, c.control) == (1, 0x00)
    e = raises(ValueError, s.configure, None, 200.0)  # refused before any write
    assert msg(e) == 'TSL2591 itime 200.0' and (s.itime, c.control, c.enable) == (100, 0x00, 3)
    e = raises(ValueError, s.configure, 30, 150)  # both bad: the first one is named
    assert msg(e) == 'TSL2591 gain 30' and (s.gain, s.itime, c.control) == (1, 100, 0x00)


def test_saturation_raises_at_each_integration_time():
    i2c = bus()
    c = i2c.sim.attach(Chip(lux=100000.0))
    for t in ITIMES:
        s = TSL2591(i2c, gain=25, itime=t)
        e = raises(RuntimeError, s.sample)
        m = max_count(t)
        assert msg(e) == ('TSL2591 0x29 saturated: %d, %d at gain 25, %d ms'
                          % (m, c.counts()[1], t)), msg(e)
        assert s.saturated == 1 and s.gain == 25
    # one count under the limit is a reading
    s = TSL2591(i2c, gain=1, itime=100)
    c.lux = 37887 / (100 / 408.0) * 0.672  # ir 0.2: k = 1 - 1.64 * 0.2
    assert c.counts()[0] == 37887
    assert close(s.sample(), lux(37887, 7577, 1, 100))


def test_auto_gain_steps_down_until_the_reading_fits():
    i2c = bus()
    c = i2c.sim.attach(Chip(lux=500.0))
    s = TSL2591(i2c, gain=9876, auto=True)
    v = s.sample()
    assert s.gain == 25 and (c.control >> 4) == 1  # 9876 and 428 saturate at 500 lux
    assert s.saturated == 2
    assert abs(v - 500.0) < 1.0
    c.lux = 1e6  # too bright even at gain 1
    e = raises(RuntimeError, s.sample)
    assert 'saturated' in msg(e) and s.gain == 1


def test_auto_gain_steps_up_for_the_next_sample_when_dark():
    i2c = bus()
    c = i2c.sim.attach(Chip(lux=0.5))
    s = TSL2591(i2c, gain=1, auto=True)
    seen = []
    for i in range(4):
        v = s.sample()
        seen.append(s.gain)
        assert abs(v - 0.5) <= (0.5, 0.05, 0.01, 0.001)[i], (i, v)  # a count is 4 lux at gain 1
    assert seen == [25, 428, 9876, 9876]
    assert s.saturated == 0
    s2 = TSL2591(i2c, gain=1, auto=False)
    s2.sample()
    assert s2.gain == 1  # without auto the gain stays
    # up only when channel 0 stays under half scale (18944 at 100 ms) at the
    # next gain: 2000 lux reads 729 counts at gain 1 (18225 at 25), 2900 lux 1058 (26450)
    for lx, g in ((2000.0, 25), (2900.0, 1)):
        i2c = bus()
        c = i2c.sim.attach(Chip(lux=lx))
        s = TSL2591(i2c, gain=1, auto=True)
        v = s.sample()
        assert (s.gain, c.control >> 4) == (g, GAINS.index(g)), (lx, s.gain)
        assert abs(v - lx) < 4, (lx, v)


def test_waits_for_a_finished_integration_in_virtual_time():
    clk = VirtualClock()
    i2c = bus()
    c = i2c.sim.attach(Chip(lux=40.0, clock=clk))
    s = TSL2591(i2c, itime=300, clock=clk)  # the first integration ends 300 ms after AEN
    assert (clk.sleeps, clk.now) == (1, 310)  # construction waited for it
    v = s.sample()
    assert clk.sleeps == 1
    assert abs(v - 40.0) < 0.1
    s.sample()
    assert clk.sleeps == 1  # the chip keeps integrating: no more waiting
    s.configure(gain=428)
    s.sample()
    assert (clk.sleeps, clk.now) == (2, 620)
    c.enable = c.control = 0  # the chip lost power, and its settings with it
    v = s.sample()  # no data after a whole integration: the settings are written again
    assert abs(v - 40.0) < 0.1 and (c.enable, c.control) == (3, 0x22) and clk.sleeps == 4
    c.mem_write = lambda reg, data: None  # a chip that takes no setting any more
    c.enable = 0
    e = raises(OSError, s.sample)
    assert e.args == (ETIMEDOUT, 'TSL2591 0x29: no data'), e.args
    assert clk.sleeps == 7


def test_no_data_is_the_ports_etimedout():
    # errno.ETIMEDOUT of the port (116 on the ESP32), not a fixed 110
    clk = VirtualClock()
    i2c = bus()
    c = i2c.sim.attach(Chip(clock=clk))
    c.mem_write = lambda reg, data: None  # a chip that takes no setting
    e = newlib_errno(TSL2591, i2c, clock=clk)
    assert e.args == (116, 'TSL2591 0x29: no data'), e.args
    assert clk.sleeps == 3


def test_the_command_byte_alone_is_a_write_of_nothing():
    # writeto_mem(addr, cmd, b'') only selects a register on the chip; the
    # model raised IndexError
    i2c = bus()
    c = i2c.sim.attach(Chip())
    TSL2591(i2c, gain=428)
    i2c.writeto_mem(0x29, 0xA0, b'')
    i2c.writeto_mem(0x29, 0xA1, bytearray())
    assert (c.enable, c.control) == (3, 0x20)
    raises(ValueError, i2c.writeto_mem, 0x29, 0x01, b'')  # still no command bit: a driver bug


def test_construction_code_is_unloaded_unless_auto_gain_needs_it():
    # sensors._tsl2591x (ID check, settings, waits, gain rules) leaves
    # sys.modules and the sensors package after construction, failed or not
    import sys
    import sensors
    i2c = bus()
    c = i2c.sim.attach(Chip(lux=10.0))

    def loaded():
        return ('sensors._tsl2591x' in sys.modules, hasattr(sensors, '_tsl2591x'))
    s = TSL2591(i2c)
    assert loaded() == (False, False)
    assert abs(s.sample() - 10.0) < 0.1 and loaded() == (False, False)
    raises(ValueError, TSL2591, i2c, gain=30)
    raises(OSError, TSL2591, i2c, address=0x30)
    assert loaded() == (False, False)
    s.configure(itime=200)  # loads it again, and it stays
    assert loaded() == (True, True)
    assert abs(s.sample() - 10.0) < 0.1 and s.itime == 200
    s = TSL2591(i2c)
    assert loaded() == (False, False)
    a = TSL2591(i2c, auto=True)  # needed for every sample
    assert loaded() == (True, True) and a.sample() > 0
    c.lux = 90000.0  # saturated at every gain
    e = raises(RuntimeError, s.sample)
    assert s.saturated == 1 and 'saturated' in msg(e), msg(e)


def test_i2c_error_mid_run_ends_only_this_sensor():
    i2c = bus()
    c = i2c.sim.attach(Chip(lux=10.0))
    r, rc = error_mid_run(TSL2591(i2c, sensor_id='lux'), c)
    assert len(r.values()) == 3 and all(abs(v - 10.0) < 0.1 for v in r.values())
    assert r.log[-1][0] == 'err' and r.log[-1][1].args[0] == 5
    assert rc.values() == list(range(1, 11))


def test_an_i2c_error_inside_configure_does_not_stop_the_chip_for_good():
    # auto=True configures at gain steps: a write that fails there left the
    # chip stopped (AEN off), and every later sample timed out; the wait now
    # writes the driver's settings again after a whole integration without data
    for failing in (2, 3):  # the CONTROL write, the ENABLE=3 write
        clk = VirtualClock()
        i2c = bus()
        c = i2c.sim.attach(Chip(lux=0.5, clock=clk))
        s = TSL2591(i2c, gain=1, auto=True, clock=clk)
        w0 = c.writes
        real = c.mem_write
        hit = []

        def glitch(reg, data, real=real, w0=w0, c=c, hit=hit, failing=failing):
            if c.writes == w0 + failing - 1 and not hit:
                hit.append(reg)
                raise OSError(5, 'I/O error')
            real(reg, data)
        c.mem_write = glitch
        e = raises(OSError, s.sample)  # dark: one step up (gain 25), and the glitch
        assert e.args[0] == 5 and s.gain == 1 and c.enable == 1, (failing, s.gain, c.enable)
        clk.advance(1000)
        t = clk.now
        v = s.sample()  # no data: waits one integration, configures again (gain 1), waits
        assert clk.now - t == 2 * 110 and v == 0.0, (failing, clk.now - t, v)
        assert (s.gain, c.control, c.enable) == (25, 0x10, 3), (failing, s.gain, c.control, c.enable)
        clk.advance(1000)
        assert abs(s.sample() - 0.5) < 0.1  # at gain 25, as before the glitch


def test_pipeline_in_virtual_time():
    clk = VirtualClock()
    i2c = bus()
    c = i2c.sim.attach(Chip(lux=10.0, clock=clk))
    s = Scheduler(clk)
    r = Rec()
    sensor = TSL2591(i2c, sensor_id='lux', auto=True, clock=clk)
    levels = [10.0, 20000.0, 1000.0]
    gains = []

    class Steps(Rec):
        def on_next(self, x):
            self.log.append(x)
            gains.append(sensor.gain)
            if len(self.log) < len(levels):
                c.lux = levels[len(self.log)]
    s.schedule_sensor(sensor, 60, r, Steps())
    run_for(s, 179)
    v = r.values()
    assert len(v) == 3 and all(abs(a - b) < b * 0.01 for a, b in zip(v, levels)), v
    assert gains == [428, 1, 25]  # dark: up for the next; bright: down twice at once
    # construction waited out the first integration (110 ms), so the schedule
    # starts at 0.11 s; the second sample waited two more, after each step
    # down (the step up had finished integrating long before)
    assert r.times() == [0.11, 60.33, 120.11]
