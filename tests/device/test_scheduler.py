# Device tests of the scheduler: the internal layer (ticks, no sleeping) with
# exact task lists and sleep times, and the public layer in virtual time.
from thingflow import Scheduler, OutputThing, InputThing, SensorAsOutputThing
from vclock import VirtualClock, run_for
from tcheck import raises, msg


class Task(OutputThing):
    """An output thing that records the logical time of each run."""

    def __init__(self, name, sched=None, action=None):
        OutputThing.__init__(self)
        self.name = name
        self.sched = sched
        self.action = action
        self.runs = []

    def _observe(self):
        s = self.sched
        self.runs.append(s.clock.now if s else None)
        if self.action:
            self.action(self)

    def __repr__(self):
        return self.name


def trace(s, until):
    """Drive the internal layer: [(tick, [task names])] of every wake-up up to
    tick `until`, advancing by exactly the planned sleep each time. Ticks are
    counted from the start, without the logical clock's wraps."""
    out = []
    while True:
        tasks = s._get_tasks()
        if tasks:
            out.append((s._wraps * 65535 + s.time_in_ticks, [t.name for t in tasks]))
        sl = s._get_next_sleep_interval()
        if sl is None or s._wraps * 65535 + s.time_in_ticks + sl > until:
            return out
        s._advance_time(sl)


class Count:
    def __init__(self, sid='c', limit=None):
        self.sensor_id = sid
        self.n = 0
        self.limit = limit

    def sample(self):
        if self.limit is not None and self.n >= self.limit:
            raise StopIteration
        self.n += 1
        return self.n


class Rec(InputThing):
    def __init__(self):
        self.events = []
        self.done = 0
        self.errors = []

    def on_next(self, x):
        self.events.append(x)

    def on_completed(self):
        self.done += 1

    def on_error(self, e):
        self.errors.append(e)


# ---- internal layer ----

def test_same_interval_runs_together_and_sleep_times():
    s = Scheduler()
    a, b = Task('a'), Task('b')
    s._add_task(a, 1000)
    s._add_task(b, 1000)
    assert s._get_tasks() == [a, b]
    assert s._get_next_sleep_interval() == 1000
    s._advance_time(400)
    assert s._get_tasks() == []
    assert s._get_next_sleep_interval() == 600
    s._advance_time(600)
    assert s._get_tasks() == [a, b]


def test_new_task_of_an_existing_interval_waits_for_that_group():
    # seed rule 1: a task with the same interval as an older one is not
    # scheduled until the existing one runs
    s = Scheduler()
    s._add_task(Task('a'), 1000)
    assert trace(s, 0) == [(0, ['a'])]
    s._advance_time(300)
    s._add_task(Task('b'), 1000)
    assert s._get_tasks() == []
    assert s._get_next_sleep_interval() == 700
    assert trace(s, 3000) == [(1000, ['a', 'b']), (2000, ['a', 'b']), (3000, ['a', 'b'])]


def test_a_task_joins_its_intervals_group_only_when_that_is_due_at_its_first_point():
    s = Scheduler()
    a, b, c = Task('a'), Task('b'), Task('c')
    s._add_task(a, 1000)
    s._advance_time(5000)
    assert s._get_tasks() == [a]  # a late run at 5000: a's group is due at 6000 now
    s._add_task(b, 1000)  # added at 5000, a point of the grid that a's group has used
    assert s._get_next_sleep_interval() == 0
    assert s._get_tasks() == [b]  # b runs at 5000, its first point, not first at 6000
    assert trace(s, 7000) == [(6000, ['a', 'b']), (7000, ['a', 'b'])]
    s = Scheduler()
    s._add_task(a, 1000)
    s._get_tasks()
    s._advance_time(1003)  # a is late: its run for 1000 has not happened yet
    s._add_task(c, 1000)  # c's first point is 2000: not a's late run, which is early for c
    assert s._get_tasks() == [a]
    assert trace(s, 3000) == [(2000, ['a', 'c']), (3000, ['a', 'c'])]


def test_seed_example_60_joins_the_30_second_tasks():
    # seed rule 2: new interval 60 s, old 30 and 45 s: the 60 s task only ever
    # runs together with the 30 s tasks
    s = Scheduler()
    s._add_task(Task('30'), 3000)
    s._add_task(Task('45'), 4500)
    assert trace(s, 500) == [(0, ['30', '45'])]
    s._advance_time(500 - s.time_in_ticks)
    s._add_task(Task('60'), 6000)
    assert trace(s, 18000) == [
        (3000, ['30']), (4500, ['45']), (6000, ['30', '60']), (9000, ['30', '45']),
        (12000, ['30', '60']), (13500, ['45']), (15000, ['30']),
        (18000, ['30', '45', '60'])]


def test_factor_added_later_keeps_to_the_grid():
    s = Scheduler()
    s._add_task(Task('60'), 6000)
    s._get_tasks()
    s._advance_time(730)
    s._add_task(Task('20'), 2000)
    assert s._get_next_sleep_interval() == 2000 - 730
    assert trace(s, 12000) == [(2000, ['20']), (4000, ['20']), (6000, ['20', '60']),
                               (8000, ['20']), (10000, ['20']), (12000, ['20', '60'])]


def test_unrelated_interval_starts_on_its_own_grid():
    s = Scheduler()
    s._add_task(Task('10'), 1000)
    s._get_tasks()
    s._advance_time(730)
    s._add_task(Task('45'), 4500)
    assert trace(s, 9000) == [
        (1000, ['10']), (2000, ['10']), (3000, ['10']), (4000, ['10']), (4500, ['45']),
        (5000, ['10']), (6000, ['10']), (7000, ['10']), (8000, ['10']), (9000, ['10', '45'])]


def test_late_run_keeps_the_phase_without_catch_up_burst():
    # seed rule 3: a late task keeps its grid; missed runs are skipped
    s = Scheduler()
    a = Task('a')
    s._add_task(a, 1000)
    assert s._get_tasks() == [a]
    s._advance_time(2750)  # 1.75 intervals late for the run due at 1000
    assert s._get_tasks() == [a]  # one run, not two
    assert s._get_tasks() == []
    assert s._get_next_sleep_interval() == 250  # next grid point: 3000
    s._advance_time(250)
    assert s._get_tasks() == [a]


def test_next_sleep_is_zero_when_overdue_and_none_when_empty():
    s = Scheduler()
    assert s._get_next_sleep_interval() is None
    s._add_task(Task('a'), 500)
    assert s._get_next_sleep_interval() == 0
    s._get_tasks()
    s._advance_time(700)
    assert s._get_next_sleep_interval() == 0


def test_logical_clock_wraps_without_losing_or_doubling_runs():
    s = Scheduler()
    a, b = Task('a'), Task('b')
    s._add_task(a, 700)
    s._add_task(b, 65534)
    times = trace(s, 65535 * 3 + 2000)
    a_times = [t for t, n in times if 'a' in n]
    b_times = [t for t, n in times if 'b' in n]
    assert a_times == list(range(0, 65535 * 3 + 2000 + 1, 700))
    assert b_times == [0, 65534, 131068, 196602]
    assert s._wraps == 3
    assert 0 <= s.time_in_ticks < 65535


def test_wrap_in_one_large_advance():
    s = Scheduler()
    s._add_task(Task('a'), 100)
    s._get_tasks()
    s._advance_time(65535 * 2 + 50)
    assert s.time_in_ticks == 50 and s._wraps == 2
    assert [t.name for t in s._get_tasks()] == ['a']  # once, though 1311 runs were missed
    # the next run is on the 1 s grid counted from the start: 131200 ticks
    assert s._get_next_sleep_interval() == 80
    assert s._get_tasks() == []


def test_grid_survives_wraps_for_a_task_added_later():
    # a 45 s task added after two wraps still lands on multiples of 45 s
    # counted from the scheduler's start
    s = Scheduler()
    s._add_task(Task('10'), 1000)
    s._get_tasks()
    s._advance_time(65535 * 2 + 123)
    s._add_task(Task('45'), 4500)
    g = [g for g in s._groups if g[0] == 4500][0]
    assert g[1] + 65535 * 2 == 135000  # the first multiple of 45 s after 1311.93 s


def test_remove_task():
    s = Scheduler()
    a, b = Task('a'), Task('b')
    s._add_task(a, 100)
    s._add_task(b, 100)
    assert s._remove_task(a) is True
    assert s._remove_task(a) is False
    assert s._get_tasks() == [b]
    assert s._remove_task(b, 200) is False
    assert s._remove_task(b, 100) is True
    assert s._groups == []


def test_slack_runs_a_task_early_or_late_to_share_wake_ups():
    # A: 10 s exact; B: 11 s with 10% slack (window 110 ticks each side).
    # Wake at the earliest window end; run every group whose window is open.
    s = Scheduler()
    s._add_task(Task('A'), 1000)
    s._add_task(Task('B'), 1100, 110)
    assert trace(s, 6000) == [
        (0, ['A', 'B']), (1000, ['A', 'B']),  # B early by 100 ticks
        (2000, ['A']), (2310, ['B']),  # B's window 2090..2310 misses A
        (3000, ['A']), (3410, ['B']), (4000, ['A']), (4510, ['B']),
        (5000, ['A']), (5610, ['B']), (6000, ['A'])]


def test_slack_keeps_each_task_on_its_grid_over_a_day():
    s = Scheduler()
    ivs = (700, 1100, 1300, 6000)
    for iv in ivs:
        s._add_task(iv, iv, iv // 10)
    runs = {}  # interval -> runs so far (a day of trace() is too big for a board heap)
    wakes = 0
    now = 0
    while now < 8640000:
        due = s._get_tasks()
        wakes += 1
        for iv in due:
            k = runs.get(iv, 0)
            # the k-th run serves grid point k * iv, inside its window: no drift
            assert abs(now - k * iv) <= iv // 10, (iv, k, now)
            runs[iv] = k + 1
        sl = s._get_next_sleep_interval()
        s._advance_time(sl)
        now += sl
    for iv in ivs:
        # one run per grid point (the next day's first may come early)
        assert runs[iv] - -(-8640000 // iv) in (0, 1), (iv, runs[iv])
    assert wakes == 18212  # 25290 without slack (see bench wakeups_slack)


def test_slack_is_validated_and_reaches_schedule_sensor():
    s = Scheduler(VirtualClock())
    for bad, exc in ((-0.1, ValueError), (0.5, ValueError), (1, ValueError),
                     ('x', TypeError), (None, TypeError)):
        e = raises(exc, s.schedule_periodic, Task('t'), 10, bad)
        assert msg(e) == 'slack %r: want a fraction of the interval from 0 to 0.49' % (bad,)
    assert s._groups == []
    s.schedule_sensor(Count(), 10, Rec(), slack=0.25)
    s.schedule_periodic(Task('t'), 10, 0.049)
    assert [(g[0], g[2]) for g in s._groups] == [(1000, 250), (1000, 49)]


# ---- public layer, in virtual time ----

def test_schedule_sensor_events_in_virtual_time():
    clk = VirtualClock(epoch=1000)
    s = Scheduler(clk)
    r = Rec()
    s.schedule_sensor(Count('temp'), 10, r)
    run_for(s, 35)
    assert r.events == [('temp', 1000.0, 1), ('temp', 1010.0, 2), ('temp', 1020.0, 3),
                        ('temp', 1030.0, 4)]
    assert clk.now == 35000
    assert s.wakeups == 4


def test_run_forever_returns_when_every_stream_completes():
    clk = VirtualClock()
    s = Scheduler(clk)
    r1, r2 = Rec(), Rec()
    s.schedule_sensor(Count('a', limit=3), 2, r1)
    s.schedule_sensor(Count('b', limit=1), 5, r2)
    s.run_forever()
    assert [e[2] for e in r1.events] == [1, 2, 3] and r1.done == 1
    assert [e[2] for e in r2.events] == [1] and r2.done == 1
    assert clk.now == 6000  # 'a' completes at its 4th run, at 6 s
    assert s._groups == []



def test_a_sensor_ended_by_another_task_is_dropped_not_sampled():
    # another task ends the sensor's stream between its runs: at its next
    # wake-up the sensor is not sampled and the scheduler drops it (it raised
    # PortError out of run_forever: the sample had nowhere to go)
    clk = VirtualClock()
    s = Scheduler(clk)
    r = Rec()
    c = Count('a')
    s.schedule_sensor(c, 1, r)
    sensor = s._groups[0][3]

    def end(t):
        if len(r.events) == 3:  # at 2.5 s (not at 0 s)
            sensor._dispatch_completed()
            off()  # and stop itself
    off = s.schedule_periodic(Task('ender', s, end), 2.5)
    s.run_forever()
    assert [e[2] for e in r.events] == [1, 2, 3] and r.done == 1
    assert c.n == 3 and s._groups == []
    assert clk.now == 3000 and s.wakeups == 5  # 0, 1, 2, 2.5 and 3 s

def test_run_forever_with_nothing_scheduled_returns():
    s = Scheduler(VirtualClock())
    s.run_forever()
    assert s.wakeups == 0


def test_sensor_error_ends_only_that_sensor():
    class Flaky:
        sensor_id = 'flaky'

        def __init__(self):
            self.n = 0

        def sample(self):
            self.n += 1
            if self.n == 2:
                raise OSError(19)
            return self.n
    clk = VirtualClock()
    s = Scheduler(clk)
    rf, rc = Rec(), Rec()
    s.schedule_sensor(Flaky(), 1, rf)
    s.schedule_sensor(Count('ok'), 1, rc)
    run_for(s, 5)
    assert [e[2] for e in rf.events] == [1]
    assert len(rf.errors) == 1 and isinstance(rf.errors[0], OSError)
    assert [e[2] for e in rc.events] == [1, 2, 3, 4, 5, 6]


def test_cancel_before_and_during_run():
    clk = VirtualClock()
    s = Scheduler(clk)
    victim = Task('victim', s)
    cancel_victim = s.schedule_periodic(victim, 1)

    def kill(t):
        if len(t.runs) == 3:
            cancel_victim()
    killer = Task('killer', s, kill)
    # the killer's interval is shorter, so at 2 s it runs before the victim
    s.schedule_periodic(killer, 0.5)
    run_for(s, 4)
    # cancelled by the killer at 1 s, in the same wake-up: it does not run then
    assert victim.runs == [0]
    assert killer.runs == [0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000]
    c = s.schedule_periodic(Task('x', s), 2)
    c()
    c()  # a second cancel is harmless
    assert [g[0] for g in s._groups] == [50]


def test_add_task_while_running():
    clk = VirtualClock()
    s = Scheduler(clk)
    late, now = Task('late', s), Task('now', s)

    def add(t):
        if len(t.runs) == 3:  # at 2 s
            s.schedule_periodic(late, 3)
            s.schedule_periodic(now, 2)  # due at once (2 s is on its grid)
    s.schedule_periodic(Task('adder', s, add), 1)
    # wake-ups at 0, 1 ... 10 s: `now`'s first run is another pass of the
    # wake-up at 2 s, without a sleep before it (it counted as a 12th)
    assert run_for(s, 10) == 11 and clk.sleeps == 10
    assert late.runs == [3000, 6000, 9000] and now.runs == [2000, 4000, 6000, 8000, 10000]


def test_stop_returns_after_the_current_wakeup():
    clk = VirtualClock()
    s = Scheduler(clk)
    other = Task('other', s)

    def stopper(t):
        if len(t.runs) == 3:
            s.stop()
    s.schedule_periodic(Task('stopper', s, stopper), 1)
    s.schedule_periodic(other, 1)
    s.run_forever()
    assert clk.now == 2000
    assert other.runs == [0, 1000, 2000]  # the rest of that wake-up still ran


def test_stop_during_a_sleep_returns_after_the_next_wakeup():
    # stop() from outside the tasks while the scheduler sleeps (an IRQ
    # handler or a micropython.schedule callback runs during sleep_ms, a
    # signal handler on CPython): it was put in the last wake-up's list,
    # which the next wake-up replaced, so the scheduler never stopped
    class StopClock(VirtualClock):
        n = 0

        def sleep_ms(self, ms):
            VirtualClock.sleep_ms(self, ms)
            self.n += 1
            if self.n == 2:  # during the second sleep
                s.stop()
    clk = StopClock()
    s = Scheduler(clk)
    t = Task('t', s)
    s.schedule_periodic(t, 1)
    assert run_for(s, 10) == 3
    assert t.runs == [0, 1000, 2000] and clk.now == 2000
    assert run_for(s, 2) == 5 and t.runs[3:] == [3000, 4000]  # a later run goes on as usual


def test_a_task_cancelled_after_stop_does_not_run_in_that_wakeup():
    clk = VirtualClock()
    s = Scheduler(clk)
    b = Task('b', s)
    cancel_b = [None]

    def stop_then_cancel(t):
        s.stop()
        cancel_b[0]()  # b is due later in this same wake-up
    a = Task('a', s, stop_then_cancel)
    s.schedule_periodic(a, 1)
    cancel_b[0] = s.schedule_periodic(b, 1)
    s.run_forever()
    assert a.runs == [0] and b.runs == [] and clk.now == 0
    assert [g[3:] for g in s._groups] == [[a]]
    s.stop()  # not running: nothing to stop, and no error
    run_for(s, 5)
    assert a.runs == [0, 1000] and clk.now == 1000  # its next run stops it again


def test_a_second_run_counts_the_time_between_and_runs_a_new_task_once():
    clk = VirtualClock()
    s = Scheduler(clk)
    a = Task('a', s)
    s.schedule_periodic(a, 7)
    run_for(s, 30)  # wake-ups at 0, 7, 14, 21, 28 s; the clock stops at 30 s
    assert a.runs == [0, 7000, 14000, 21000, 28000] and clk.now == 30000
    b = Task('b', s)
    s.schedule_periodic(b, 1)  # added between the runs, at 30 s
    run_for(s, 3)
    assert b.runs == [30000, 31000, 32000, 33000]  # once at 30 s, not twice
    assert a.runs == [0, 7000, 14000, 21000, 28000] and s.wakeups == 9


def test_a_task_scheduled_after_run_for_waits_for_its_grid_point():
    # run_for leaves the logical time at its end (30 s), not at the last
    # wake-up (28 s): a 4 s task added then first runs at 32 s, its grid
    # point, sharing no wake-up it does not need (it ran at once at 30 s,
    # off its grid: one wake-up more than the lower bound)
    clk = VirtualClock()
    s = Scheduler(clk)
    a = Task('a', s)
    s.schedule_periodic(a, 7)
    run_for(s, 30)
    assert s.time_in_ticks == 3000 and s.clock_faults == 0
    b = Task('b', s)
    s.schedule_periodic(b, 4)
    run_for(s, 10)
    assert b.runs == [32000, 36000, 40000]
    assert a.runs == [0, 7000, 14000, 21000, 28000, 35000]
    assert s.wakeups == 9 and s.clock_faults == 0


def test_cancel_of_one_scheduling_leaves_another_of_the_same_thing():
    clk = VirtualClock()
    s = Scheduler(clk)
    t = Task('t', s)
    c1 = s.schedule_periodic(t, 10)
    s.schedule_periodic(t, 10)  # a second scheduling, with its own cancel
    c1()
    c1()  # once only: the second call must not cancel the other scheduling
    assert [g[3:] for g in s._groups] == [[t]]
    run_for(s, 30)
    assert t.runs == [0, 10000, 20000, 30000]


def test_task_duration_is_counted_and_phase_kept():
    # each run takes 230 ms of (virtual) time; the 1 s grid is kept exactly
    clk = VirtualClock()
    s = Scheduler(clk)
    t = Task('slow', s, lambda t: clk.advance(230))
    s.schedule_periodic(t, 1)
    run_for(s, 5)
    assert t.runs == [0, 1000, 2000, 3000, 4000, 5000]
    assert clk.sleeps == 5 and clk.slept == 5 * 770
    assert s.clock_faults == 0


def test_overrunning_task_skips_runs_instead_of_bursting():
    clk = VirtualClock()
    s = Scheduler(clk)
    t = Task('hog', s, lambda t: clk.advance(2500 if len(t.runs) == 2 else 0))
    s.schedule_periodic(t, 1)
    run_for(s, 6)
    # the run due at 2 s happens late, at 3.5 s, once; then the grid again;
    # it is part of the wake-up at 1 s, no sleep before it (it counted as a 6th)
    assert t.runs == [0, 1000, 3500, 4000, 5000, 6000]
    assert s.wakeups == 5 and clk.sleeps == 4


class Tally(InputThing):
    """Counts events per sensor and keeps the last one (a day of events
    would not fit a board-sized heap)."""

    def __init__(self):
        self.n = {}
        self.last = {}

    def on_next(self, x):
        self.n[x[0]] = self.n.get(x[0], 0) + 1
        self.last[x[0]] = x


def test_small_wrapping_clocks_keep_a_simulated_day_exact():
    for period in (1 << 16, 1 << 30):
        clk = VirtualClock(period=period, start=period - 3000)
        s = Scheduler(clk)
        r = Tally()
        s.schedule_sensor(Count('t'), 7, r)
        s.schedule_sensor(Count('u'), 60, r)
        run_for(s, 86400)
        assert s.clock_faults == 0, period
        assert r.n == {'t': 86400 // 7 + 1, 'u': 86400 // 60 + 1}, (period, r.n)
        assert r.last['t'][1] * 1000 == period - 3000 + 86394000
        assert r.last['u'][2] == 1441
        assert clk.now == period - 3000 + 86400000


class JumpClock(VirtualClock):
    """A clock whose tick counter jumps (forwards or back) on one sleep."""

    def __init__(self, at, jump):
        VirtualClock.__init__(self)
        self.at = at
        self.jump = jump
        self.offset = 0

    def sleep_ms(self, ms):
        VirtualClock.sleep_ms(self, ms)
        if self.sleeps == self.at:
            self.offset += self.jump

    def ticks_ms(self):
        return (self.now + self.offset) & (self.period - 1)


def test_clock_that_jumps_is_not_trusted_and_not_fatal():
    for jump in (1069506000, -20000, 40000):
        clk = JumpClock(3, jump)
        s = Scheduler(clk)
        t = Task('t', s)
        s.schedule_periodic(t, 10)
        run_for(s, 60)
        assert s.clock_faults == 1, jump
        # the planned sleep was used instead: the schedule is undisturbed
        assert t.runs == [0, 10000, 20000, 30000, 40000, 50000, 60000], (jump, t.runs)



def test_time_between_runs_that_cannot_be_true_is_a_clock_fault():
    # 40 s between two runs on a clock of period 2**16 ms reads as -25.5 s:
    # not counted (the schedule moves by the 40 s nobody can measure), and
    # counted in clock_faults (it was dropped silently)
    clk = VirtualClock(period=1 << 16)
    s = Scheduler(clk)
    t = Task('t', s)
    s.schedule_periodic(t, 10)
    run_for(s, 20)
    clk.advance(40000)
    run_for(s, 20)
    assert s.clock_faults == 1
    assert t.runs == [0, 10000, 20000, 70000, 80000]
    clk.advance(5000)  # a true gap is counted: the next run is on time
    run_for(s, 15)
    assert s.clock_faults == 1 and t.runs[2:] == [20000, 70000, 80000, 90000, 100000]

def test_a_clock_that_runs_backwards_during_a_wake_up_is_a_clock_fault():
    # each run sets the clock back 500 ms: the busy time reads -500 ms, not
    # to be trusted: counted, taken as 0, and the planned 10 s slept
    clk = VirtualClock()
    s = Scheduler(clk)
    t = Task('t', s, lambda t: clk.advance(-500))
    s.schedule_periodic(t, 10)
    run_for(s, 30)
    assert t.runs == [0, 9500, 19000, 28500]
    # the fourth run (logical 30 s) was at 28.5 s on the clock; run_for
    # ends at 30 s on the clock: 31.5 s of logical time
    assert s.clock_faults == 4 and s.time_in_ticks == 3150


def test_run_for_on_a_small_period_never_takes_the_logical_time_back():
    # period 1024 ms: the 2 s from the last wake-up (10 s) to the end (12 s)
    # cannot be measured (they read as -48 ms): a clock fault, the logical
    # time stays at the last wake-up (it went back to 9.95 s)
    clk = VirtualClock(period=1024)
    s = Scheduler(clk)
    t = Task('t', s)
    s.schedule_periodic(t, 5)
    run_for(s, 12)
    assert t.runs == [0, 5000, 10000] and s.time_in_ticks == 1000
    assert s.clock_faults == 3  # two sleeps of 5 s, and the end


def test_the_ms_below_a_tick_between_runs_are_kept():
    # run_for ends 5 ms into a tick and the next run starts 7 ms later:
    # 12 ms, one tick and 2 ms kept, so the next run is exactly on its grid
    # (dropping the 5 ms would make it 5 ms late)
    clk = VirtualClock()
    s = Scheduler(clk)
    t = Task('t', s)
    s.schedule_periodic(t, 10)
    run_for(s, 25.005)
    assert (s.time_in_ticks, s._ms) == (2500, 5)
    clk.advance(7)
    run_for(s, 5)
    assert t.runs == [0, 10000, 20000, 30000] and s.clock_faults == 0


def test_default_clock_runs_in_real_time():
    s = Scheduler()
    r = Rec()
    s.schedule_sensor(Count('rt', limit=3), 0.05, r)
    s.run_forever()
    assert [e[2] for e in r.events] == [1, 2, 3] and r.done == 1
    d = r.events[2][1] - r.events[0][1]
    assert d > 0.05, d  # never early (only the first run may be late, by < 1 interval)


# ---- bad input ----

def test_bad_intervals_are_refused_naming_the_value():
    s = Scheduler(VirtualClock())
    t = Task('t')
    for bad, exc in (('10', TypeError), (None, TypeError), ([1], TypeError),
                     (0, ValueError), (-1, ValueError), (0.004, ValueError),
                     (655.35, ValueError), (700, ValueError), (float('nan'), ValueError),
                     (float('inf'), ValueError)):
        e = raises(exc, s.schedule_periodic, t, bad)
        assert msg(e) == 'interval %r s: want a number of seconds from 0.01 to 655.34' % (bad,), msg(e)
        raises(exc, s.schedule_sensor, Count(), bad)
    assert s._groups == []


def test_good_intervals_round_to_ticks():
    s = Scheduler(VirtualClock())
    for iv, ticks in ((0.01, 1), (0.006, 1), (1, 100), (2.5, 250), (0.07, 7), (655.34, 65534)):
        s._groups = []
        s.schedule_periodic(Task('t'), iv)
        assert s._groups[0][0] == ticks, (iv, s._groups)


def test_things_that_cannot_be_scheduled():
    s = Scheduler(VirtualClock())
    e = raises(AttributeError, s.schedule_periodic, InputThing(), 1)
    assert '_observe' in msg(e)
    e = raises(AttributeError, s.schedule_sensor, object(), 1)
    assert 'sample' in msg(e)
    e = raises(AttributeError, s.schedule_sensor, Count(), 1, object())
    assert 'on_next' in msg(e)
    assert s._groups == []


def test_what_is_not_a_clock_is_refused_at_construction():
    # not at the first run_forever, a wake-up or a deployment later
    for bad in (5, 'vclock', [VirtualClock()]):
        e = raises(AttributeError, Scheduler, bad)
        assert msg(e) == "'%s' object has no attribute 'ticks_ms'" % type(bad).__name__, msg(e)
    assert Scheduler(None).clock is Scheduler().clock  # the default clock
    s = Scheduler(VirtualClock(5))
    assert (s.clock.now, s.time_in_ticks, s.wakeups, s.clock_faults) == (5, 0, 0, 0)


def test_sensor_as_output_thing_uses_the_scheduler_clock():
    clk = VirtualClock(epoch=5)
    sa = SensorAsOutputThing(Count('z'), clk)
    got = []
    sa.connect(got.append)
    clk.advance(1500)
    sa._observe()
    assert got == [('z', 6.5, 1)]



def test_run_for_resets_the_clock_when_a_task_raises():
    # the error goes out of run_for; the clock's stop_at goes with it (it
    # stayed set: a later sleep past it, e.g. a plain run_forever(), raised
    # StopIteration)
    clk = VirtualClock()
    s = Scheduler(clk)

    def fail(t):
        if len(t.runs) == 3:
            raise ValueError('bus down')
    s.schedule_periodic(Task('t', s, fail), 1)
    e = raises(ValueError, run_for, s, 60)
    assert msg(e) == 'bus down' and clk.now == 2000
    assert clk.stop_at is None and s._run is False
    clk.sleep_ms(120000)
    assert clk.now == 122000

def test_run_for_refuses_a_time_that_is_not_a_number_at_least_0():
    # a negative time ran one wake-up and returned; NaN and inf failed
    # inside round(), a str multiplied itself first
    clk = VirtualClock()
    s = Scheduler(clk)
    t = Task('t', s)
    s.schedule_periodic(t, 1)
    for bad in (-1, -0.5, float('nan'), float('inf'), '5', None, True):
        e = raises(ValueError, run_for, s, bad)
        assert msg(e) == 'seconds %r' % (bad,), msg(e)
    assert t.runs == [] and clk.now == 0 and clk.stop_at is None and s.wakeups == 0
    assert run_for(s, 0) == 1 and len(t.runs) == 1 and clk.now == 0
    assert run_for(s, 2.5) == 3 and len(t.runs) == 3 and clk.now == 2500  # (wake-ups in all)


def test_a_run_with_nothing_scheduled_counts_its_time_once():
    # run_forever() that found no task returned without noting the clock
    # reading its logical time stood for: the next run counted that time
    # again, and a task scheduled then left the grid (ran 5 s early)
    class T(OutputThing):
        def __init__(self, clk, log):
            OutputThing.__init__(self)
            self.clk = clk
            self.log = log

        def _observe(self):
            self.log.append(self.clk.now)
    clk = VirtualClock()
    s = Scheduler(clk)
    cancel = s.schedule_periodic(T(clk, []), 10)
    run_for(s, 10)
    cancel()
    clk.advance(5000)
    s.run_forever()  # nothing scheduled: returns at once
    assert s.time_in_ticks == 1500 and s._ms == 0
    s.run_forever()  # again, with no time in between: no time counted
    assert s.time_in_ticks == 1500
    clk.advance(5000)
    log = []
    s.schedule_periodic(T(clk, log), 10)
    run_for(s, 30)
    assert log == [20000, 30000, 40000, 50000], log
    assert s.time_in_ticks * 10 + s._ms == clk.now == 50000


def test_a_pass_without_tasks_that_plans_no_sleep_keeps_the_count():
    # a pass that ran nothing and found the next due time within its own
    # duration took one off wakeups all the same: the wake-up after it
    # went uncounted
    class Slow(VirtualClock):  # reading the clock takes 1 ms
        slow = False

        def ticks_ms(self):
            if self.slow:
                self.now += 1
            return VirtualClock.ticks_ms(self)
    clk = Slow()
    s = Scheduler(clk)
    t = Task('t', s)
    s.schedule_periodic(t, 10)
    assert run_for(s, 9.998) == 1
    clk.slow = True
    assert run_for(s, 25) == len(t.runs) == 4, (s.wakeups, t.runs)  # at 0, 10, 20 and 30 s (+1 ms)


def test_cancel_removes_its_own_scheduling_of_a_thing_scheduled_twice():
    # the same thing every 10 s, with slack and without: each cancel takes
    # out its own (it took the first group of that interval)
    clk = VirtualClock()
    s = Scheduler(clk)
    x = Task('x', s)
    keep = s.schedule_periodic(x, 10, slack=0.3)
    drop = s.schedule_periodic(x, 10)
    s.schedule_periodic(Task('y', s), 7)
    drop()
    assert [(g[0], g[2], g[3:]) for g in s._groups if x in g[3:]] == [(1000, 300, [x])]
    run_for(s, 30)
    assert x.runs == [0, 7000, 21000, 28000], x.runs  # as if only the slack one was made
    keep()
    drop()  # once only: nothing left to take
    assert [g for g in s._groups if x in g[3:]] == []


def test_virtual_clock_stop_at_never_moves_time_back():
    clk = VirtualClock(stop_at=10)
    clk.advance(11)  # a task ran past the stop time
    raises(StopIteration, clk.sleep_ms, 5)
    assert clk.now == 11
    clk = VirtualClock(stop_at=10)
    raises(StopIteration, clk.sleep_ms, 15)
    assert clk.now == 10 and clk.sleeps == 0 and clk.slept == 0
    raises(ValueError, clk.sleep_ms, -1)
    raises(ValueError, VirtualClock, 0, 1000)  # period must be a power of two
    assert VirtualClock(period=1 << 16).ticks_diff(5, 65530) == 11
    assert VirtualClock(period=1 << 16).ticks_diff(65530, 5) == -11


def test_run_for_ends_in_a_sensor_that_sleeps_past_the_end():
    # a sensor that waits for its reading on the clock (as the TSL2591 does
    # after a gain change) while the run's end passes gets the clock's
    # StopIteration: its stream ends (as the README says); time stops at
    # the end, not after the whole wait
    clk = VirtualClock()
    s = Scheduler(clk)

    class Slow:
        sensor_id = 'slow'
        n = 0

        def sample(self):
            clk.sleep_ms(150)
            self.n += 1
            return self.n
    r = Rec()
    s.schedule_sensor(Slow(), 1, r)
    assert run_for(s, 1.05) == 2 and clk.now == 1050
    assert [e[2] for e in r.events] == [1] and r.done == 1 and s._groups == []
    assert clk.stop_at is None


def test_run_for_passes_on_a_stop_iteration_a_task_raises():
    clk = VirtualClock()
    s = Scheduler(clk)

    def stop(t):
        if len(t.runs) == 2:
            raise StopIteration
    s.schedule_periodic(Task('t', s, stop), 1)
    raises(StopIteration, run_for, s, 60)  # not taken for the end of the run
    assert clk.now == 1000 and clk.stop_at is None and s._run is False


def test_run_for_passes_on_a_stop_iteration_a_task_raises_at_the_end():
    # a task due at the end's ms runs (2 s: at 0, 1000, 2000); its own
    # StopIteration then was taken for the end (now == stop_at)
    clk = VirtualClock()
    s = Scheduler(clk)

    def stop(t):
        if len(t.runs) == 3:
            raise StopIteration
    t = Task('t', s, stop)
    s.schedule_periodic(t, 1)
    raises(StopIteration, run_for, s, 2)
    assert t.runs == [0, 1000, 2000] and clk.now == 2000 and clk.stop_at is None
    e = raises(StopIteration, VirtualClock(stop_at=10).sleep_ms, 11)  # the clock's own: names it
    assert len(e.args) == 1 and isinstance(e.args[0], VirtualClock)


def test_virtual_clock_refuses_a_nan_sleep_and_a_period_that_is_no_int():
    clk = VirtualClock()
    e = raises(ValueError, clk.sleep_ms, float('nan'))  # time stayed a number
    assert msg(e) == 'cannot sleep nan ms' and clk.now == 0 and clk.sleeps == 0
    for p in (2.0, 1024.0, '1024', True):  # TypeError or accepted before, not naming it
        e = raises(ValueError, VirtualClock, 0, p)
        assert msg(e) == 'period must be a power of two, not %r' % (p,), msg(e)


def test_virtual_clock_start_and_advance_refuse_what_is_no_int():
    # a float or str start (or advance) made `now` no int, and the first
    # ticks_ms() failed far from the cause. (run_for's seconds are not
    # checked: that check made the reference app of min_heap_kb need 15 KB)
    for bad in (0.5, '0', None):
        e = raises(ValueError, VirtualClock, bad)
        assert msg(e) == 'start %r: want int ms' % (bad,), msg(e)
    clk = VirtualClock(5)
    for bad in (1.5, '3', None):
        e = raises(ValueError, clk.advance, bad)
        assert msg(e) == 'cannot advance %r ms' % (bad,), msg(e)
    clk.advance(-2)  # (a clock that runs back: the clock-fault tests)
    assert clk.now == 3


def test_virtual_clock_refuses_a_float_sleep_at_the_call():
    # a board's time.sleep_ms(333.3) is a TypeError at the call; the virtual
    # clock took it, `now` became a float and the scheduler's next
    # ticks_ms() failed far from the cause ("unsupported operand type(s) for
    # &: 'float' and 'int'"), after an event with a fractional time went out
    clk = VirtualClock()
    for bad in (1000 / 3, 2.0, '5', None):
        e = raises(ValueError, clk.sleep_ms, bad)
        assert msg(e) == 'cannot sleep %r ms' % (bad,), msg(e)
    assert clk.now == 0 and clk.sleeps == 0 and clk.slept == 0
    clk.sleep_ms(0)
    clk.sleep_ms(7)
    assert (clk.now, clk.sleeps, clk.slept, clk.ticks_ms()) == (7, 2, 7, 7)
    s = Scheduler(clk)

    class Slow:  # waits for its reading on the scheduler's clock
        sensor_id = 'slow'

        def sample(self):
            clk.sleep_ms(1000 / 3)
            return 1
    r = Rec()
    s.schedule_sensor(Slow(), 1, r)
    # its stream ends at the first sample with the error naming the value
    assert run_for(s, 2.5) == 1 and s._groups == [] and clk.now == 7
    assert r.events == [] and len(r.errors) == 1 and r.done == 0
    assert msg(r.errors[0]) == 'cannot sleep %r ms' % (1000 / 3,)


def test_run_for_counts_the_seconds_to_the_nearest_ms():
    # 2.01 * 1000 is 2009.9999999999998: truncated, the run ended 1 ms before
    # the task due at 2.01 s (run_for(s, 2) runs a task due at 2 s)
    clk = VirtualClock()
    s = Scheduler(clk)
    t = Task('t', s)
    s.schedule_periodic(t, 2.01)
    assert run_for(s, 2.01) == 2 and clk.now == 2010
    assert t.runs == [0, 2010]
