# Device tests of lib/lightsleep.py and lib/deepsleep.py: the light-sleep
# clock and the deep-sleep clock, against the recording fake machine
# (sim/machine_power.py), in virtual time. World time is the fake clock's
# `now` (ms); a board's ticks may stop (PortClock.stopped) or restart at a
# reset (BootClock).
from thingflow import Scheduler, InputThing
from lightsleep import LightSleepClock
from deepsleep import DeepSleepClock
from machine_power import FakeMachine, PortClock, BootClock, DeepSleepReset, RTC, Rp2Machine
from tcheck import raises, msg


class Sensor:
    def __init__(self, sid):
        self.sensor_id = sid

    def sample(self):
        return 1


class Rec(InputThing):
    """Records (sensor_id, world ms) of every event."""

    def __init__(self):
        self.events = []

    def on_next(self, x):
        self.events.append((x[0], int(round(x[1] * 1000))))

    def times(self, sid):
        return [t for s, t in self.events if s == sid]


class Stop(Exception):
    pass


def run_until(sched, clock, world_ms, every=0.5):
    """Run sched until the world clock would pass world_ms (the fake
    machine's sleeps do not stop by themselves), checked every `every` s."""
    def stopper():
        if clock.now > world_ms:
            raise Stop
    sched.schedule_periodic(_Hook(stopper), every)
    try:
        sched.run_forever()
    except Stop:
        pass


class _Hook:
    def __init__(self, fn):
        self.fn = fn

    def _observe(self):
        self.fn()


# ---- light sleep ----

def test_lightsleep_sleeps_and_adds_back_what_the_ticks_missed():
    # (ticks stop in light sleep, stops argument) -> (stops decided, ms added)
    cases = [((False, None), (False, 0)), ((True, None), (True, 1000)),
             ((True, True), (True, 1000)), ((True, False), (False, 0)),
             ((False, True), (True, 0))]
    for (tstop, arg), (want_stops, want_added) in cases:
        pc = PortClock()
        m = FakeMachine(pc, stops=tstop)
        c = LightSleepClock(m, pc, stops=arg)
        t0 = c.ticks_ms()
        c.sleep_ms(1000)
        assert m.calls == [('lightsleep', 1000)]
        assert (c.stops, c.added) == (want_stops, want_added), (tstop, arg)
        assert pc.now == 1000
        # ticks as the scheduler sees them: a second passed unless told not to trust
        assert c.ticks_diff(c.ticks_ms(), t0) == (0 if (tstop and not want_stops) else 1000)


class _Count:
    sensor_id = 'n'
    n = 0

    def sample(self):
        self.n += 1
        return self.n


def _light_app(stops):
    # (world clock, LightSleepClock, Scheduler) on a FakeMachine whose ticks stop or run in light sleep
    pc = PortClock()
    c = LightSleepClock(FakeMachine(pc, stops=stops), pc)
    return pc, c, Scheduler(c)


def test_run_for_drives_a_light_sleep_scheduler_on_its_port_clock():
    # (run_for took sched.clock for the VirtualClock: a LightSleepClock has
    # none of its attributes, AttributeError: ... no attribute 'now')
    from vclock import run_for
    for stops in (False, True):
        pc, c, s = _light_app(stops)
        k = _Count()
        got = []
        s.schedule_sensor(k, 60, got.append)
        assert run_for(s, 3600) == 61 and k.n == 61 and pc.now == 3600000, (stops, k.n, pc.now)
        assert [e[1] for e in got[:3]] == [0, 60, 120] and pc.stop_at is None
        assert run_for(s, 600) == 71 and k.n == 71 and pc.now == 4200000, (stops, k.n, pc.now)
        # stopped ticks: every ms slept is added back (the tasks take no virtual time)
        assert (c.stops, c.added, pc.stopped) == (stops, 4200000 if stops else 0, 4200000 if stops else 0)


def test_run_for_that_ends_inside_a_light_sleep_goes_on_on_the_grid():
    # run_for ends at 90.5 s, in the middle of a sleep: the logical time
    # stands at the end (9050 ticks) whether the ticks stop or not, and the
    # next run_for keeps the 60 s grid. With stopped ticks the cut-off 30.5 s
    # were lost (time 6000), and the runs came at 0, 60000, 150500
    from vclock import run_for
    for stops in (False, True):
        pc, c, s = _light_app(stops)
        rec = Rec()
        s.schedule_sensor(Sensor('60'), 60, rec)
        run_for(s, 90.5)
        assert (s.time_in_ticks, pc.now, pc.ticks_ms() if stops else 0) == (9050, 90500, 30500 if stops else 0), stops
        run_for(s, 100)
        assert rec.times('60') == [0, 60000, 120000, 180000], (stops, rec.times('60'))
        assert (s.time_in_ticks, s.clock_faults) == (19050, 0), stops


def test_lightsleep_short_sleeps_judged_without_deciding():
    pc = PortClock()
    c = LightSleepClock(FakeMachine(pc, stops=True), pc)
    c.sleep_ms(40)
    c.sleep_ms(0)
    assert c.stops is None and c.added == 40
    c.sleep_ms(100)
    assert c.stops is True and c.added == 140


def test_lightsleep_early_wakeup_is_counted():
    pc = PortClock()
    m = FakeMachine(pc)
    c = LightSleepClock(m, pc)
    c.sleep_ms(1000)  # decides: the ticks run
    m.early = 300
    c.sleep_ms(1000)
    assert (c.stops, c.early, c.added, pc.now) == (False, 1, 0, 1300)
    # an early wake-up on the very first long sleep cannot be told from
    # stopped ticks: the auto mode then adds back; stops=False avoids that
    for arg, want in ((None, (True, 0, 700)), (False, (False, 1, 0))):
        pc = PortClock()
        c = LightSleepClock(FakeMachine(pc, early=300), pc, stops=arg)
        c.sleep_ms(1000)
        assert (c.stops, c.early, c.added) == want, arg


def test_lightsleep_on_rp2_and_esp32_trusts_the_ticks_that_run():
    # their ticks run in light sleep (rp2: ports/rp2/modmachine.c keeps the
    # timer's clock): stops=None is False there, so a Pico W whose light
    # sleeps return at once with its wifi up (micropython #17204), here after
    # 30 ms, keeps its grid and counts the early wake-ups. Elsewhere the first
    # early wake-up is taken for stopped ticks (documented), and a task every
    # second ran 334 times in 10 s
    import lightsleep
    from vclock import run_for

    class Sys:
        platform = 'rp2'
    real = lightsleep.sys
    try:
        for plat, want in (('rp2', (False, 11)), ('esp32', (False, 11)), ('esp8266', (True, 334)),
                           ('linux', (True, 334))):
            Sys.platform = plat
            lightsleep.sys = Sys
            pc = PortClock()
            clk = LightSleepClock(FakeMachine(pc, early=30), pc)
            s = Scheduler(clk)
            n = []
            s.schedule_sensor(Sensor('t'), 1, lambda x: n.append(x))
            run_for(s, 10)
            assert (clk.stops, len(n)) == want, (plat, clk.stops, len(n))
            if not want[0]:
                assert clk.early > 300 and clk.added == 0 and pc.now == 10000
        assert LightSleepClock(FakeMachine(), stops=True).stops is True  # given: kept
    finally:
        lightsleep.sys = real


def test_lightsleep_thresholds_and_the_shifted_ticks_wrap():
    # ticks that ran 600 of 1000 ms (an early wake-up) run: not under half,
    # so the first long sleep decides stops=False and adds nothing back
    pc = PortClock()
    c = LightSleepClock(FakeMachine(pc, early=600), pc)
    c.sleep_ms(1000)
    assert (c.stops, c.early, c.added, c.offset) == (False, 1, 0, 0)
    # 1 ms short is the ticks' granularity, not an early wake-up; 2 ms is one
    pc = PortClock()
    m = FakeMachine(pc)
    c = LightSleepClock(m, pc, stops=False)
    m.early = 999
    c.sleep_ms(1000)
    assert c.early == 0
    m.early = 998
    c.sleep_ms(1000)
    assert (c.early, c.added, pc.now) == (1, 0, 1997)
    # the shift added back for stopped ticks wraps with the ticks (ticks_add)
    pc = PortClock(period=1 << 16, start=(1 << 16) - 100)
    c = LightSleepClock(FakeMachine(pc, stops=True), pc, stops=True)
    c.sleep_ms(1000)
    assert (c.added, c.offset, pc.ticks_ms(), c.ticks_ms()) == (1000, 1000, (1 << 16) - 100, 900)


def test_lightsleep_bad_input_and_missing_port_feature():
    class NoLight:
        pass
    e = raises(ValueError, LightSleepClock, NoLight())
    assert 'machine.lightsleep' in msg(e)
    pc = PortClock()
    e = raises(ValueError, LightSleepClock(FakeMachine(pc), pc).sleep_ms, -5)
    assert '-5' in msg(e)


def test_lightsleep_refuses_a_non_int_naming_it_before_sleeping():
    # machine.lightsleep takes an int: 2.5 slept on CPython's fake and then
    # failed in ticks_add on MicroPython; None and '5' gave a TypeError
    # that named no value
    pc = PortClock()
    m = FakeMachine(pc, stops=True)
    c = LightSleepClock(m, pc)
    for bad in (2.5, None, '5', True, -1):
        e = raises(ValueError, c.sleep_ms, bad)
        assert msg(e) == 'ms %r: int >= 0' % (bad,), msg(e)
    assert (m.calls, c.sleeps, c.added, c.offset, pc.now) == ([], 0, 0, 0, 0)
    c.sleep_ms(0)
    assert m.calls == [('lightsleep', 0)] and c.sleeps == 1


def test_scheduler_keeps_its_grid_in_light_sleep_whether_ticks_run_or_stop():
    for tstop in (False, True):
        pc = PortClock(period=1 << 16, start=(1 << 16) - 2500)  # the ticks wrap too
        m = FakeMachine(pc, stops=tstop)
        s = Scheduler(LightSleepClock(m, pc))
        r = Rec()
        s.schedule_sensor(Sensor('a'), 7, r)
        s.schedule_sensor(Sensor('b'), 60, r)
        t0 = pc.now
        # half an hour: 3,600 wake-ups of the stopper, recorded by the fake
        # machine (an hour of them, twice, came near the Unix port's default
        # 2 MB heap, where fragmentation by the records failed an allocation)
        run_until(s, pc, t0 + 1800000)
        assert [t - t0 for t in r.times('a')] == list(range(0, 1800001, 7000)), tstop
        assert [t - t0 for t in r.times('b')] == list(range(0, 1800001, 60000)), tstop
        assert s.clock_faults == 0
        assert pc.stopped == (pc.now - t0 if tstop else 0)
        assert all(c[0] == 'lightsleep' for c in m.calls)
        # every sleep but those of the 0.5 s stopper is one whole gap
        assert max(c[1] for c in m.calls) == 500


def test_port_clock_ticks_add_is_the_ports():
    # as MicroPython's time.ticks_add: wraps at the period; a delta of half
    # the period or more is an OverflowError (2**29 ms on a 32-bit board)
    pc = PortClock()
    P = 1 << 30
    assert [pc.ticks_add(5, 7), pc.ticks_add(P - 1, 1), pc.ticks_add(0, -1),
            pc.ticks_add(3, (P >> 1) - 1), pc.ticks_add(-5, 0)] == [12, 0, P - 1, (P >> 1) + 2, P - 5]
    for d in (P >> 1, -(P >> 1), P):
        e = raises(OverflowError, pc.ticks_add, 0, d)
        assert 'overflow' in msg(e), d
    try:
        import time
        real = time.ticks_add  # MicroPython: compare with the port's own
    except AttributeError:  # CPython's time has none
        return
    h = (real(0, -1) + 1) >> 1  # half the Unix port's period
    big = PortClock(period=h << 1)
    for t, d in ((5, 7), (0, -1), (h, h - 1), (2 * h - 1, 1), (-5, 0)):
        assert big.ticks_add(t, d) == real(t, d), (t, d)
    for d in (h, -h):
        raises(OverflowError, real, 0, d)
        raises(OverflowError, big.ticks_add, 0, d)


def test_lightsleep_stopped_ticks_for_two_weeks_on_a_32_bit_board():
    # a 32-bit board's ticks_add refuses a delta of 2**29 ms (6.2 days): the
    # ms added back for stopped ticks must not grow into one. 2,000 wake-ups
    # of 600 s: 13.9 days, past 2**29 ms and past the ticks period 2**30 ms
    pc = PortClock()  # ticks period 2**30, ticks_add as the port's
    m = FakeMachine(pc, stops=True)
    c = LightSleepClock(m, pc)
    s = Scheduler(c)
    r = Rec()
    s.schedule_sensor(Sensor('a'), 600, r)

    run_until(s, pc, 1200000000 - 1, 600)  # (the sensor runs first at 1200000000: added first)
    assert r.times('a') == list(range(0, 1200000001, 600000))
    assert pc.stopped == pc.now == 1200000000  # the ticks never ran
    # every ms added back; the shift kept within the ticks period
    assert (c.stops, c.added, c.offset) == (True, 1200000000, 1200000000 - (1 << 30))
    assert c.ticks_ms() == 1200000000 - (1 << 30)
    assert s.clock_faults == 0


# ---- deep sleep ----

def _app(m, clock, rec, ivs, min_ms=2000, file=None):
    clk = DeepSleepClock(m, clock, file=file, min_ms=min_ms)
    s = Scheduler(clk)
    for iv in ivs:
        s.schedule_sensor(Sensor(str(iv)), iv, rec)
    clk.resume(s)
    return s, clk


def _cycles(ivs, boots, min_ms=2000, deeps=None):
    """Cold boot, then a deep sleep and a reset per boot time; returns the
    recorder, the fake machine and the status of each resume(). deeps: a
    list that gets each process's clock's deeps count."""
    m = FakeMachine(BootClock(0, boots[0]))
    rec = Rec()
    st = []
    for k in range(len(boots)):
        if k:
            m.reboot(boots[k])
        s, clk = _app(m, m.clock, rec, ivs, min_ms)
        st.append(clk.status)
        try:
            s.run_forever()
        except DeepSleepReset:
            pass
        if deeps is not None:
            deeps.append(clk.deeps)
    return rec, m, st


def test_deep_sleep_keeps_the_grid_across_resets():
    boots = [150, 180, 120, 150, 400, 150, 150, 160, 150, 150, 150, 150]
    rec, m, st = _cycles([60, 300], boots)
    assert st == ['cold'] + ['resumed'] * 11
    # one wake-up per boot, on the 60 s grid that starts at the cold run
    # (150 ms after power-on); a resumed run lands `boot` ms after its grid
    # point (that boot's time), with no drift from earlier boots
    assert rec.times('60') == [150] + [150 + 60000 * k + boots[k] for k in range(1, 12)]
    assert rec.times('300') == [150, 300000 + 150 + boots[5], 600000 + 150 + boots[10]]
    deeps = [c for c in m.calls if c[0] == 'deepsleep']
    # each sleep is the gap less the boot time measured in that process
    # (none in the cold one: its grid starts at its resume())
    assert deeps == [('deepsleep', 60000)] + [('deepsleep', 60000 - b) for b in boots[1:]]


def test_deep_sleep_only_for_long_gaps_light_for_short():
    # 7 and 11 s: gaps 7, 4, 3, 7, 1, 6 s ...; with min_ms 3500 the 3 s and
    # 1 s gaps are slept by the clock's sleep_ms, the board staying up. The
    # grid starts at the cold run (100); each later run is its boot late
    boots = [100] * 4
    rec, m, st = _cycles([7, 11], boots, min_ms=3500)
    assert rec.times('7') == [100, 7100 + 100, 14100 + 100, 21100 + 100]
    assert rec.times('11') == [100, 11100 + 100, 22100 + 100]
    assert [c[1] for c in m.calls] == [7000, 3900, 6900, 5900]
    assert st == ['cold', 'resumed', 'resumed', 'resumed']


def test_a_gap_of_exactly_min_ms_is_a_deep_sleep_and_deeps_counts_them():
    # 7 and 11 s with min_ms 4000: the 4 s gap (7 -> 11 s) is exactly
    # min_ms, a deep sleep; the 3 s one (11 -> 14 s) is slept awake. deeps
    # counts the deep sleeps begun in each process: one each, as each ends
    # in one; the second process sleeps 3 s awake first, not counted
    deeps = []
    rec, m, st = _cycles([7, 11], [100] * 3, 4000, deeps)
    assert [c[1] for c in m.calls] == [7000, 3900, 6900]
    assert deeps == [1, 1, 1]
    assert rec.times('7') == [100, 7200, 14200]
    assert rec.times('11') == [100, 11200]


def _resumed(boot, ivs, min_ms=2000):
    # a cold run to its first deep sleep, then the wake-up `boot` ms long:
    # (machine, scheduler, clock) of the resumed process
    m = FakeMachine(BootClock(0, 100))
    s, clk = _app(m, m.clock, Rec(), ivs, min_ms)
    raises(DeepSleepReset, s.run_forever)
    m.reboot(boot)
    m.calls[:] = []
    s, clk = _app(m, m.clock, Rec(), ivs, min_ms)
    assert (clk.status, clk.boot) == ('resumed', boot)
    return m, s, clk


def test_deep_sleep_takes_the_hooks_and_store_time_off():
    # before hooks (a flush) and the store take time while awake: each deep
    # sleep is that much shorter, so the runs stay on the grid (which starts
    # at the cold run, 100 ms after power-on)
    boots = [100, 130, 100, 100, 100, 100]
    m = FakeMachine(BootClock(0, boots[0]))
    rec = Rec()
    for k in range(len(boots)):
        if k:
            m.reboot(boots[k])
        s, clk = _app(m, m.clock, rec, [60])
        clk.before.append(lambda: m.clock.advance(250))
        raises(DeepSleepReset, s.run_forever)
    assert rec.times('60') == [100] + [100 + 60000 * k + boots[k] for k in range(1, len(boots))]
    assert [c[1] for c in m.calls] == [60000 - 250] + [60000 - 250 - b for b in boots[1:]]
    # hooks longer than the sleep: the shortest timed deep sleep, never 0
    # (deepsleep(0) sets no timer on the ESP ports: asleep until a reset)
    m = FakeMachine(BootClock(0, 100))
    s, clk = _app(m, m.clock, Rec(), [60])
    clk.before.append(lambda: m.clock.advance(70000))
    raises(DeepSleepReset, s.run_forever)
    assert m.calls == [('deepsleep', 1)]
    # a store that takes 40 ms (a file on flash) is taken off too, as is
    # the time the state takes to format (30 ms here)
    m, s, clk = _resumed(100, [60])
    rtc = clk.memory
    state = clk.state

    def slow(b=None):
        m.clock.advance(40)
        return rtc(b)

    def slow_state(ms):
        m.clock.advance(30)
        return state(ms)
    clk.memory = slow
    clk.state = slow_state
    raises(DeepSleepReset, s.run_forever)
    assert m.calls == [('deepsleep', 60000 - 100 - 30 - 40)]
    assert m.RTC().memory() == b'tf2 12000 0 100 120030 6000 12000 '  # wall (ms): time() 60 s (whole seconds) at resume(), + the 30 ms the state took + 60 s


def test_deep_sleep_takes_the_resume_read_time_off():
    # a store whose every read and write takes 40 ms (a file on flash): the
    # time resume() takes to read (and clear) the state is part of the
    # boot, so the runs keep a constant lateness (boot 100 + 80) and never
    # drift (they drifted by 40 ms a wake-up when boot was read on entry)
    m = FakeMachine(BootClock(0, 100))
    rec = Rec()
    boots = []
    for k in range(5):
        if k:
            m.reboot(100)
        clk = DeepSleepClock(m, m.clock)

        def slow(b=None, rtc=clk.memory):
            m.clock.advance(40)
            return rtc(b)
        clk.memory = slow
        s = Scheduler(clk)
        s.schedule_sensor(Sensor('60'), 60, rec)
        clk.resume(s)
        boots.append(clk.boot)
        raises(DeepSleepReset, s.run_forever)
    assert boots == [0, 180, 180, 180, 180]
    assert rec.times('60') == [140, 60320, 120320, 180320, 240320]  # (the cold start reads the store too)
    assert [c[1] for c in m.calls] == [60000 - 40] + [60000 - 180 - 40] * 4


def test_work_between_resume_and_run_forever_does_not_drift():
    # main.py does 500 ms of work (a wifi connect, say) after resume() and
    # before run_forever(): the restored logical time stands for the end of
    # resume(), so that time counts as elapsed and the next deep sleep is
    # that much shorter. The runs keep a constant lateness (boot 100 + 500);
    # they drifted by 500 ms a wake-up (61200, 121700, 182200, ...) when the
    # logical time was taken to start at run_forever()
    m = FakeMachine(BootClock(0, 100))
    rec = Rec()
    for k in range(6):
        if k:
            m.reboot(100)
        clk = DeepSleepClock(m, m.clock)
        s = Scheduler(clk)
        s.schedule_sensor(Sensor('60'), 60, rec)
        clk.resume(s)
        m.clock.advance(500)
        raises(DeepSleepReset, s.run_forever)
    assert rec.times('60') == [600] + [1200 + 60000 * k for k in range(1, 6)]
    assert [c[1] for c in m.calls] == [60000] + [60000 - 100 - 500] * 5
    assert s.clock_faults == 0


def test_soft_reset_boot_is_not_the_uptime():
    # after a soft reset ticks_ms() counts from power-on: it is not a boot
    # time. ESP32: reset_cause() is SOFT_RESET, 10 min after power-on
    m = FakeMachine(BootClock(0, 600000))
    m.cause = m.SOFT_RESET
    s, clk = _app(m, m.clock, Rec(), [60])
    assert (clk.status, clk.boot) == ('cold', 0)
    raises(DeepSleepReset, s.run_forever)
    assert m.calls == [('deepsleep', 60000)]  # was none: every wait slept awake
    # ESP8266: reset_cause() still says DEEPSLEEP_RESET after a soft reset
    # of a woken board; the woken process used the state up
    m, s, clk = _resumed(150, [60])
    assert m.RTC().memory() == b''
    m.clock.advance(600000)
    s, clk = _app(m, m.clock, Rec(), [60])  # the soft reset, 10 min later
    assert (clk.status, clk.boot, s.time_in_ticks) == ('nostate', 0, 0)
    raises(DeepSleepReset, s.run_forever)
    assert m.calls == [('deepsleep', 60000)]


def test_no_deepsleep_0_when_the_sleep_equals_the_boot():
    # a planned sleep of exactly the boot time would be deepsleep(0): sleep
    # without a timer on the ESP ports; it is slept awake instead
    for ms, want in ((150, []), (151, [('deepsleep', 1)])):
        m, s, clk = _resumed(150, [60], min_ms=0)
        t0 = m.clock.now
        try:
            clk.sleep_ms(ms)
        except DeepSleepReset:
            pass
        assert (m.calls, m.clock.now - t0) == (want, 150 if not want else 1), ms


def test_resume_statuses():
    # (reset cause, RTC memory) -> (returns, status)
    good = b'tf2 1500 2 150 0 700 2100 6000 6000 '
    cases = [
        (1, good, False, 'cold'),
        (5, good, False, 'cold'),  # a soft reset (as the ESP32 reports it)
        (4, b'', False, 'nostate'),
        (4, b'\xff\x00\x13junk', False, 'nostate'),
        (4, b'tf2 1 2 ', False, 'nostate'),
        (4, b'tf1 1500 2 150 700 2100 6000 6000 ', False, 'nostate'),  # the format before the wall time
        (4, b'tf2 x 0 0 0 700 0 6000 0 ', False, 'nostate'),
        (4, b'tf2 70000 0 0 0 700 0 6000 0 ', False, 'nostate'),
        (4, b'TF1 1500 2 150 700 2100 6000 6000 ', False, 'nostate'),
        (4, b'tf2 1500 2 150 0 700 2100 6000 ', False, 'nostate'),  # a due time missing
        (4, b'tf2 -1 2 150 0 700 2100 6000 6000 ', False, 'nostate'),
        (4, b'tf2 65535 2 150 0 700 2100 6000 6000 ', False, 'nostate'),
        (4, b'tf2 1500 -1 150 0 700 2100 6000 6000 ', False, 'nostate'),
        (4, b'tf2 1500 2 -150 0 700 2100 6000 6000 ', False, 'nostate'),
        (4, b'tf2 1500 2 150 0 700 2100 6000 6.5 ', False, 'nostate'),
        # cut short inside or right after its last number (a write cut
        # off): 6000 read as 60 or 600 would be a wrong due time
        (4, b'tf2 1500 2 150 0 700 2100 6000 60', False, 'nostate'),
        (4, b'tf2 1500 2 150 0 700 2100 6000 6000', False, 'nostate'),
        # a due time out of its interval's reach of the time (corrupt, yet
        # parsed): a sleep of days, or a burst of runs
        (4, b'tf2 1500 2 150 0 700 2100 6000 13501 ', False, 'nostate'),
        (4, b'tf2 1500 2 150 0 700 799 6000 6000 ', False, 'nostate'),
        (4, b'tf2 1500 2 150 0 700 2100 6000 99999999 ', False, 'nostate'),
        (4, b'tf2 1500 2 150 0 700 2100 6000 13500 ', True, 'resumed'),  # the bounds
        (4, b'tf2 1500 2 150 0 700 800 6000 6000 ', True, 'resumed'),
        (4, b'tf2 1500 2 150 0 ', False, 'changed'),  # valid, no group
        (4, b'tf2 1500 2 150 0 700 2100 ', False, 'changed'),
        (4, b'tf2 1500 2 150 0 700 2100 3000 6000 ', False, 'changed'),
        (4, b'tf2 1500 2 150 0 6000 6000 700 2100 ', False, 'changed'),
        (4, b'tf2 1500 2 150 0 700 2100 6000 6000 900 0 ', False, 'changed'),
        (4, b'tf2 64534 0 150 0 700 64800 6000 66000 ', True, 'resumed'),  # due after the wrap
        (4, good, True, 'resumed'),
    ]
    for cause, mem, ret, status in cases:
        m = FakeMachine(BootClock(0, 90))
        m.cause = cause
        m.RTC().memory(mem)
        s, clk = _app(m, m.clock, Rec(), [7, 60])
        # boot only for a restored grid; a state is read once (a cold start
        # does not read it)
        assert (clk.status, clk.boot) == (status, 90 if ret else 0), (mem, clk.status)
        # read and cleared, also by a cold start (a state left then must not be
        # resumed by a later reset): one write, none when empty (flash wear)
        assert m.RTC().memory() == b'', mem
        assert m.RTC().writes == 1 + (mem != b''), (mem, m.RTC().writes)
        if ret:
            v = [int(x) for x in mem.split()[1:]]
            assert (s.time_in_ticks, s._wraps, s._ms) == (v[0], v[1], 0)
            assert [g[:2] for g in s._groups] == [v[4:6], v[6:8]]
        else:
            assert (s.time_in_ticks, s._wraps) == (0, 0)
            assert [g[:2] for g in s._groups] == [[700, 0], [6000, 0]]


def test_state_is_taken_at_the_wake_up_across_a_wrap():
    m = FakeMachine(BootClock(0, 0))
    s, clk = _app(m, m.clock, Rec(), [10, 600])
    s._get_tasks()
    s._advance_time(65000)
    s._get_tasks()  # both due: 10 s group next at 65000 + 1000, 600 s at 120000
    assert clk.state(10000) == b'tf2 465 1 0 10000 1000 465 60000 54465 '


def test_file_store_and_before_hooks():
    import os
    path = '/tmp/tf_power_test_%d.dat' % id(m_dummy)
    order = []
    m = FakeMachine(BootClock(0, 50))
    clk = DeepSleepClock(m, m.clock, file=path)
    s = Scheduler(clk)
    s.schedule_sensor(Sensor('x'), 30, Rec())
    clk.before.append(lambda: order.append('flush'))
    clk.before.append(lambda: order.append(m.calls[:]))
    clk.resume(s)
    raises(DeepSleepReset, s.run_forever)
    assert order == ['flush', []]  # hooks ran, in order, before deepsleep
    assert m.RTC().writes == 0
    with open(path, 'rb') as f:
        assert f.read() == b'tf2 3000 0 0 30000 3000 3000 '  # boot 0: a cold start; wall 0 + 30 s, in ms
    m.reboot(50)
    s2, clk2 = _app(m, m.clock, Rec(), [30], file=path)
    assert (clk2.status, clk2.boot, s2.time_in_ticks) == ('resumed', 50, 3000)
    with open(path, 'rb') as f:
        assert f.read() == b''  # used once
    os.remove(path)


def test_a_store_that_fails_still_sleeps_and_the_wake_up_starts_afresh():
    # file= on a full flash: the state cannot be written (OSError 28, the
    # file truncated as open('wb') leaves it); the board sleeps all the same
    # (raising would end the app and leave the board awake on its battery),
    # and the wake-up finds no state: 'nostate', a fresh grid
    import os
    path = '/tmp/tf_power_full_%d.dat' % id(m_dummy)
    m = FakeMachine(BootClock(0, 50))
    clk = DeepSleepClock(m, m.clock, file=path)
    real = clk.memory

    def full(b=None):
        if b:
            real(b'')  # truncated, then no room
            raise OSError(28)
        return real(b)
    clk.memory = full
    rec = Rec()
    s = Scheduler(clk)
    s.schedule_sensor(Sensor('x'), 30, rec)
    clk.resume(s)
    raises(DeepSleepReset, s.run_forever)
    assert (clk.deeps, m.calls, rec.times('x')) == (1, [('deepsleep', 30000)], [50]), (clk.deeps, m.calls)
    m.reboot(50)
    s2, clk2 = _app(m, m.clock, Rec(), [30], file=path)
    assert (clk2.status, clk2.boot, s2.time_in_ticks) == ('nostate', 0, 0)
    os.remove(path)


m_dummy = object()


def test_a_state_too_long_for_rtc_memory_still_sleeps():
    # 45 intervals (600 to 644 s): after the first run the state takes more
    # than an ESP8266's 492 bytes of RTC memory, whose memory(b) raises
    # ValueError('buffer too long'). That store failed as a full flash does:
    # the board sleeps all the same (the ValueError ended run_forever, the
    # board awake on its battery), the wake-up finds no state
    m = FakeMachine(BootClock(0, 50), rtc_size=492)
    s, clk = _app(m, m.clock, Rec(), [600 + k for k in range(45)])
    raises(DeepSleepReset, s.run_forever)
    assert len(clk.state(600000)) > 492
    assert (clk.deeps, m.calls, m.RTC().memory(), m.RTC().writes) == (1, [('deepsleep', 600000)], b'', 0)
    m.reboot(50)
    s, clk = _app(m, m.clock, Rec(), [600 + k for k in range(45)])
    assert (clk.status, clk.boot, s.time_in_ticks) == ('nostate', 0, 0)


def test_a_before_hook_that_fails_stores_no_state_and_sleeps_not():
    # the state is stored after the hooks, just before deepsleep(): a hook
    # that raises leaves none for a later reset to restore as a wake-up
    m = FakeMachine(BootClock(0, 50))
    clk = DeepSleepClock(m, m.clock)
    s = Scheduler(clk)
    s.schedule_sensor(Sensor('x'), 30, Rec())

    def bad():
        raise OSError(28)
    clk.before.append(bad)
    clk.resume(s)
    e = raises(OSError, s.run_forever)
    assert e.args == (28,)
    assert (clk.memory(), clk.deeps, m.calls, m.RTC().writes) == (b'', 0, [], 0)


def test_memory_is_the_store_rtc_or_file():
    import os
    m = FakeMachine()
    clk = DeepSleepClock(m)
    assert clk.memory == m.RTC().memory  # RTC memory itself, when no file
    path = '/tmp/tf_power_mem_%d.dat' % id(m_dummy)
    clk = DeepSleepClock(m, file=path)
    # (store, then read back): a missing file reads as no state
    assert clk.memory() == b''
    for b in (b'tf1 1 0 0 100 1', b'', b'x' * 600):
        clk.memory(b)
        assert clk.memory() == b
        with open(path, 'rb') as f:
            assert f.read() == b
    assert m.RTC().writes == 0
    os.remove(path)
    bad = DeepSleepClock(m, file='/nonexistent-dir/x.dat')
    assert bad.memory() == b''
    raises(OSError, bad.memory, b'tf1')  # a store that fails is reported


def test_port_without_deepsleep_reset_uses_a_state_once():
    class Rp2Like:  # deepsleep and no reset cause for it; no RTC memory
        PWRON_RESET = 1  # the two causes rp2 has (ports/rp2/modmachine.c):
        WDT_RESET = 3  # its deepsleep() is a light sleep, then a watchdog reset

        def __init__(self):
            self.calls = []
            self.cause = 3

        def deepsleep(self, ms=None):
            self.calls.append(ms)
            raise DeepSleepReset(ms)

        def reset_cause(self):
            return self.cause
    import os
    path = '/tmp/tf_power_rp2_%d.dat' % id(m_dummy)
    with open(path, 'wb') as f:
        f.write(b'tf2 2000 0 0 0 1000 2000 ')
    m = Rp2Like()
    clock = BootClock(0, 20)
    clk = DeepSleepClock(m, clock, file=path)
    s = Scheduler(clk)
    s.schedule_sensor(Sensor('x'), 10, Rec())
    assert clk.resume(s) is True and (s.time_in_ticks, clk.boot) == (2000, 20)
    clk2 = DeepSleepClock(m, clock, file=path)
    s2 = Scheduler(clk2)
    s2.schedule_sensor(Sensor('x'), 10, Rec())
    # cleared after use: a cold start, whose ticks need not count from a reset
    assert clk2.resume(s2) is False and (clk2.status, clk2.boot) == ('cold', 0)
    os.remove(path)


def test_rp2_power_on_ignores_a_state_left_by_a_cut_deep_sleep():
    # rp2 keeps the state in a file (no RTC memory) and has no
    # DEEPSLEEP_RESET: a board whose power was cut during a deep sleep
    # finds the state at power-on. It starts a fresh grid ('cold') and the
    # state is cleared: a machine.reset() or a watchdog before the next deep
    # sleep gives WDT_RESET, as the end of rp2's deep sleep does, and must
    # not resume it (the old grid, the RTC set to the old time). A state
    # stored by a deep sleep after that is resumed at its WDT_RESET
    import os
    path = '/tmp/tf_power_rp2on_%d.dat' % id(m_dummy)
    with open(path, 'wb') as f:
        f.write(b'tf2 2000 0 0 0 1000 2000 ')
    m = Rp2Machine(BootClock(0, 20))
    assert m.reset_cause() == m.PWRON_RESET == 1
    s, clk = _app(m, m.clock, Rec(), [10], file=path)
    assert (clk.status, clk.boot, s.time_in_ticks) == ('cold', 0, 0)
    with open(path, 'rb') as f:
        assert f.read() == b''
    m.cause = m.WDT_RESET  # machine.reset(), before any deep sleep
    s, clk = _app(m, m.clock, Rec(), [10], file=path)
    assert (clk.status, clk.boot, s.time_in_ticks) == ('cold', 0, 0)
    raises(DeepSleepReset, s.run_forever)  # a deep sleep stores a state
    m.reboot(20)  # ended by a watchdog reset
    s, clk = _app(m, m.clock, Rec(), [10], file=path)
    assert (clk.status, clk.boot, s.time_in_ticks) == ('resumed', 20, 1000)
    os.remove(path)


def test_rp2_time_goes_on_across_deep_sleeps_and_every_comes_due():
    # rp2 sets its clock to 2021-01-01 at every boot, also at the watchdog
    # reset that ends its deep sleep (ports/rp2/main.c): resume() sets the
    # RTC to the wake-up's time, so that time() goes on. A reading each 60 s,
    # a writer with every=300 and a spool (its cycle's start in <spool>.cyc,
    # by time()): it connects at 300 and 600 s and sends all 11 readings, as
    # on the ESP ports (before: never, the outbox filled). The writer's clock
    # is the board's (its default: the time module, the RTC's time)
    import os
    from mqtt_writer import MQTTWriter
    d = '/tmp/tf_power_rp2t_%d' % id(m_dummy)
    state, spool = d + '.dat', d + '.spool'
    m = Rp2Machine(BootClock(0, 100))
    c = _Broker()
    ts, conns, n = [], [], []

    class Seq:
        sensor_id = 's'

        def sample(self):
            n.append(0)
            return len(n)

    class Stamp(InputThing):
        def on_next(self, x):
            ts.append(x[1])
    try:
        for k in range(11):
            if k:
                m.reboot(300)
                assert int(m.clock.time()) == Rp2Machine.BOOT_TIME  # the clock at the boot
            clk = DeepSleepClock(m, m.clock, file=state)
            s = Scheduler(clk)
            w = MQTTWriter('b', 'h', 1883, 'g/{sensor_id}', client=c, every=300, spool=spool, status=False,
                           clock=m.clock, radio=lambda on: on and conns.append(m.clock.now // 1000))
            s.schedule_sensor(Seq(), 60, w, Stamp())
            assert clk.resume(s) is (k > 0) and m.reset_cause() == (m.WDT_RESET if k else m.PWRON_RESET)
            raises(DeepSleepReset, s.run_forever)
        import json
        assert [json.loads(x) for x in c.got] == [['s', ts[i], i + 1] for i in range(11)] and w.queued == 0
        assert conns == [300, 600]
        # time() went on: each reading 60 s after the one before (the wake-ups'
        # 300 ms boots counted in whole seconds)
        assert [int(t) - Rp2Machine.BOOT_TIME for t in ts] == [0] + [60 * k for k in range(1, 11)], ts
        assert len(m.RTC().sets) == 10  # set at each resumed wake-up
    finally:
        for f in (state, spool, spool + '.cyc'):
            try:
                os.remove(f)
            except OSError:
                pass


def test_rp2_clock_set_by_ntp_after_resume_goes_on():
    # the app sets the clock (ntptime.settime(): RTC().datetime()) after
    # resume(), as it connects the wifi then: the next wake-up's time goes
    # on from it (the state's wall time came from time() at resume() plus
    # the ticks: the NTP time was undone, 2021-01-01 00:01:00 at the wake-up)
    import os
    path = '/tmp/tf_power_rp2ntp_%d.dat' % id(m_dummy)
    m = Rp2Machine(BootClock(0, 100))
    for k in range(3):
        if k:
            m.reboot(100)
        s, clk = _app(m, m.clock, Rec(), [60], file=path)
        if not k:
            m.RTC().datetime((2025, 6, 1, 6, 12, 0, 0, 0))  # NTP
        assert tuple(m.RTC().datetime()[:7]) == (2025, 6, 1, 6, 12, k, 0), (k, m.RTC().datetime())
        raises(DeepSleepReset, s.run_forever)
    os.remove(path)


def test_rp2_state_with_a_wall_out_of_range_or_no_rtc_datetime():
    # a state that parses but whose wall time is out of range (corrupt) is
    # no state: it was given to time.gmtime (the Unix port crashed there,
    # a board raises OSError); a machine without RTC().datetime keeps its
    # time() as it is, and resume() does not fail
    import os
    path = '/tmp/tf_power_rp2w_%d.dat' % id(m_dummy)
    for wall, ret in ((b'99999999999999999999', False), (b'-1', False), (b'1609459260000', True)):
        with open(path, 'wb') as f:
            f.write(b'tf2 6000 0 0 ' + wall + b' 6000 6000 ')
        m = Rp2Machine(BootClock(0, 100))
        m.cause = m.WDT_RESET
        s, clk = _app(m, m.clock, Rec(), [60], file=path)
        assert (clk.status, s.time_in_ticks) == (('resumed', 6000) if ret else ('cold', 0)), (wall, clk.status)
    m = Rp2Machine(BootClock(0, 100))
    m.cause = m.WDT_RESET
    m._rtc = object()  # no datetime()
    with open(path, 'wb') as f:
        f.write(b'tf2 6000 0 0 1609459260000 6000 6000 ')
    s, clk = _app(m, m.clock, Rec(), [60], file=path)
    assert clk.status == 'resumed' and int(m.clock.time()) == Rp2Machine.BOOT_TIME
    os.remove(path)


def test_no_time_left_for_a_deep_sleep_keeps_the_grid():
    # boots of 2.98 s (a wifi connect before resume()), a 3 s task and a
    # before hook of 40 ms: a resumed wake-up has 3000 - 2980 - 40 = -20 ms
    # left for its deep sleep. deepsleep(1) woke 21 ms past the grid point
    # and the next boot stood for the grid: every run after it 21 ms later
    # (each run 21 ms later than the one before). Awake to the due instead,
    # the state cleared: the runs keep a constant lateness (the boot 2980 ms;
    # the cold run is the grid's start)
    m = FakeMachine(BootClock(0, 2980))
    rec = Rec()
    for k in range(3):
        if k:
            m.reboot(2980)
        clk = DeepSleepClock(m, m.clock)
        s = Scheduler(clk)
        s.schedule_sensor(Sensor('3'), 3, rec)
        clk.before.append(lambda: m.clock.advance(40))
        clk.resume(s)
        m.clock.stop_at = 15000
        try:
            s.run_forever()
        except DeepSleepReset:
            continue
        except StopIteration:
            break
    assert rec.times('3') == [2980, 5980 + 2980, 8980 + 2980, 11980 + 2980], rec.times('3')
    assert [c[1] for c in m.calls] == [3000 - 40], m.calls
    assert m.RTC().memory() == b''  # no state left for a later reset to take for a wake-up


def test_rp2_wall_time_is_the_reset_even_when_the_scan_takes_time():
    # the state's wall time (less its boot) is the world's time at the reset
    # that ends the sleep, though the scheduler's scan of its groups (inside
    # state(), 5 ms here, tens of us on a board) comes between sleep_ms()'s
    # ticks and state()'s: it was counted once more at each wake-up (rp2's
    # time() ran ahead by it: 5, 10, 15, 20, 25 ms)
    m = Rp2Machine(BootClock(0, 0))
    got = []
    for k in range(6):
        if k:
            m.reboot(300)
        clk = DeepSleepClock(m, m.clock, file=_WALL)
        s = Scheduler(clk)
        s.schedule_sensor(Sensor('60'), 60, Rec())
        clk.resume(s)
        scan = s._get_next_sleep_interval

        def slow():
            m.clock.advance(5)
            return scan()
        s._get_next_sleep_interval = slow
        raises(DeepSleepReset, s.run_forever)
        with open(_WALL, 'rb') as f:
            v = [int(x) for x in f.read().split()[1:]]
        got.append(v[3] - v[2] - (Rp2Machine.BOOT_TIME * 1000 + m.clock.now))
    __import__('os').remove(_WALL)
    assert got == [0] * 6, got


_WALL = '/tmp/tf_power_wall_%d.dat' % id(m_dummy)


def test_fake_machine_reboot_keeps_the_rtc_time():
    # the ESP ports' RTC runs through a deep sleep: time() goes on from the
    # time set before it (ntptime.settime() sets RTC().datetime())
    m = FakeMachine(BootClock(0, 100))
    m.RTC().datetime((2024, 5, 1, 2, 12, 0, 0, 0))
    t = m.clock.time()
    raises(DeepSleepReset, m.deepsleep, 60000)
    m.reboot(200)
    assert round(m.clock.time() - t, 3) == 60.2


class _Stamps(InputThing):
    def __init__(self):
        self.ts = []

    def on_next(self, x):
        self.ts.append(x[1])


def test_esp_deep_sleep_leaves_the_rtc_alone():
    # the ESP ports' RTC runs through a deep sleep (ports/esp8266/
    # machine_rtc.c: rtc_prepare_deepsleep; ESP-IDF on the ESP32): resume()
    # never sets it. Not with a boot of 2.5 s (a wifi connect before
    # resume()): it set the clock 2 s ahead at each wake-up, the boot
    # counted twice; nor at an ESP32's wake-up by a pin 60 s into a 600 s
    # sleep (DEEPSLEEP_RESET too, ports/esp32/modmachine.c): it set the
    # clock to the planned wake-up, 539 s ahead
    m = FakeMachine(BootClock(0, 2500), rtc_size=492)
    m.clock.epoch = 1700000000
    rec = _Stamps()
    for k in range(10):
        if k:
            m.reboot(2500)
        s, clk = _app(m, m.clock, rec, [60])
        assert clk.status == ('resumed' if k else 'cold')
        raises(DeepSleepReset, s.run_forever)
    assert m.RTC().sets == []
    assert [round((t - 1700000000) * 1000) for t in rec.ts] == [2500] + [2500 + 60000 * k + 2500 for k in range(1, 10)]
    m = FakeMachine(BootClock(0, 150))
    m.clock.epoch = 1700000000
    rec = _Stamps()
    s, clk = _app(m, m.clock, rec, [600])
    raises(DeepSleepReset, s.run_forever)
    m.clock.now -= 540000  # woken by a pin 60 s into the 600 s sleep
    m.reboot(200)
    s, clk = _app(m, m.clock, rec, [600])
    assert clk.status == 'resumed' and m.RTC().sets == []
    raises(DeepSleepReset, s.run_forever)
    assert [round(t - 1700000000, 1) for t in rec.ts] == [0.2, 60.3], rec.ts


def test_rp2_time_set_at_each_wake_up_does_not_drift():
    # rp2's clock is set at each restored wake-up to the state's wall time
    # (in ms, by the ticks), less the last boot the sleep was cut by, plus
    # this boot: with tasks that take 270 ms and boots of 300 to 2500 ms,
    # time() stays within 2 s of the world's time over 30 wake-ups, without
    # drift (it lost about 1 s per wake-up when the state kept whole
    # seconds, and gained the boot when that was counted twice)
    for boot in (300, 1500, 2500):
        m = Rp2Machine(BootClock(0, boot))
        rec = _Stamps()
        lags = []
        for k in range(30):
            if k:
                m.reboot(boot)
            clk = DeepSleepClock(m, m.clock, file=_RP2_STATE)
            s = Scheduler(clk)
            s.schedule_sensor(_Busy(m.clock, 270), 60, rec)
            assert clk.resume(s) is (k > 0)
            raises(DeepSleepReset, s.run_forever)
            # time() against the world's time (rp2's clock: 2021-01-01 at power-on)
            lags.append(m.clock.now / 1000 - (m.clock.time() - Rp2Machine.BOOT_TIME))
        # behind by the whole seconds of the cold start's time() and of each
        # set, less than 2 s, never ahead; no drift from one wake-up to the next
        assert 0 <= min(lags) and max(lags) < 2 and max(lags[1:]) - min(lags[1:]) < 1, (boot, lags)
        assert len(m.RTC().sets) == 29, boot
    __import__('os').remove(_RP2_STATE)


_RP2_STATE = '/tmp/tf_power_rp2d_%d.dat' % id(m_dummy)


class _Busy:
    # a sensor whose reading takes ms on the clock
    sensor_id = '60'

    def __init__(self, clock, ms):
        self.clock = clock
        self.ms = ms

    def sample(self):
        self.clock.advance(self.ms)
        return 1


def test_deep_sleep_clock_errors_and_unbound_sleep():
    class NoDeep:
        def lightsleep(self, ms):
            pass

    class NoRtcMemory:
        def deepsleep(self, ms):
            pass

        def RTC(self):
            return object()
    e = raises(ValueError, DeepSleepClock, NoDeep())
    assert 'machine.deepsleep' in msg(e)
    e = raises(ValueError, DeepSleepClock, NoRtcMemory())
    assert 'RTC().memory' in msg(e) and 'file=' in msg(e)
    DeepSleepClock(NoRtcMemory(), file='/tmp/x')  # fine with a file
    for bad in (-1, 2.5, '10', True, False):  # a bool is no ms (True was taken as 1)
        e = raises(ValueError, DeepSleepClock, FakeMachine(), min_ms=bad)
        assert msg(e) == 'min_ms %r: int >= 0' % (bad,), msg(e)
    # not bound by resume(): every sleep is the clock's own
    pc = PortClock()
    m = FakeMachine(pc)
    clk = DeepSleepClock(m, pc)
    clk.sleep_ms(60000)
    assert m.calls == [] and pc.now == 60000


def test_rtc_memory_limit_is_the_ports():
    r = RTC(492)
    e = raises(ValueError, r.memory, b'x' * 493)
    assert 'too long' in msg(e)
    r.memory(b'x' * 492)
    assert len(r.memory()) == 492


# ---- the radio duty cycle of an MQTTWriter in a sleeping app ----

class _Broker:
    """A client with umqtt's API over a broker that always answers;
    got: the payloads acknowledged."""

    def __init__(self):
        self.sock = None
        self.got = []
        self.timeout = 3

    def connect(self, clean=True):
        self.sock = 1
        return 0

    def publish(self, topic, msg, retain=False, qos=0):
        self.got.append(msg)

    def disconnect(self):
        self.sock = None


def test_radio_hook_that_fails_is_a_failed_cycle_not_a_crash():
    # radio=: wifi_connect raises OSError when the access point is not there;
    # in a light-sleep app with every=120 (readings each 60 s) the failed
    # cycle must be counted and retried, never raised into the scheduler
    # (that ended run_forever: on a board the app stops, awake, radio on)
    from mqtt_writer import MQTTWriter
    pc = PortClock()
    lc = LightSleepClock(FakeMachine(pc, stops=True), pc)
    calls = []
    down = OSError('wifi home: not connected after 5 s: no ap found (STAT_NO_AP_FOUND=3)')

    def radio(on):
        calls.append((pc.now // 1000, on))
        if on and 100000 < pc.now < 200000:
            raise down
    c = _Broker()
    w = MQTTWriter('b', 'h', 1883, 'g/{sensor_id}', client=c, every=120, radio=radio,
                   status=False, clock=lc)
    sched = Scheduler(lc)
    n = []

    class Seq:
        sensor_id = 't'

        def sample(self):
            n.append(0)
            return len(n)
    sched.schedule_sensor(Seq(), 60, w)
    run_until(sched, pc, 250000, every=60)  # (stops after the readings at 300 s)
    # the cycle at 120 s fails (radio off again), is retried at 180 s (the
    # back-off is over) and fails again; at 240 s the radio comes up
    assert calls == [(120, True), (120, False), (180, True), (180, False), (240, True), (240, False)], calls
    assert w.errors == 2 and w.last_error is down and w.connects == 1
    assert [int(p.split(b', ')[2][:-1]) for p in c.got] == [1, 2, 3, 4, 5]
    assert w.queued == 1  # the reading at 300 s waits for the next cycle
