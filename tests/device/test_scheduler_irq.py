# A task cancelled and scheduled again while the scheduler
# sleeps (an IRQ handler or a micropython.schedule callback run during
# sleep_ms: a button that switches a sensor from every 10 s to every 1 s)
# runs when it is due at the next wake-up. Since the run keeps one list of
# the cancelled tasks, cleared before the sleep, the cancel made during the
# sleep stayed in it and the next wake-up skipped the task (its first run
# lost).
from thingflow import Scheduler, OutputThing
from vclock import VirtualClock, run_for


class _Tick(OutputThing):
    def __init__(self, clk):
        OutputThing.__init__(self)
        self.clk = clk
        self.at = []

    def _observe(self):
        self.at.append(self.clk.now)


class _IrqClock(VirtualClock):
    # the callback runs at 2.5 s inside the sleep, which goes on to its end
    hook = None

    def sleep_ms(self, ms):
        if self.hook and self.now + ms >= 2500:
            end = self.now + ms
            VirtualClock.sleep_ms(self, 2500 - self.now)
            h = self.hook
            self.hook = None
            h()
            VirtualClock.sleep_ms(self, end - self.now)
            return
        VirtualClock.sleep_ms(self, ms)


def test_a_task_rescheduled_during_a_sleep_runs_at_the_next_wakeup():
    clk = _IrqClock()
    s = Scheduler(clk)
    a = _Tick(clk)
    b = _Tick(clk)
    cancel = [s.schedule_periodic(a, 10)]
    s.schedule_periodic(b, 10)

    def irq():
        cancel[0]()
        cancel[0] = s.schedule_periodic(a, 1)
    clk.hook = irq
    run_for(s, 13)
    assert b.at == [0, 10000], b.at
    assert a.at == [0, 10000, 11000, 12000, 13000], a.at


def test_a_stop_during_a_sleep_still_ends_the_run_after_the_next_wakeup():
    # the fix keeps what the list is for: a stop() during the sleep
    clk = _IrqClock()
    s = Scheduler(clk)
    a = _Tick(clk)
    s.schedule_periodic(a, 1)
    clk.hook = s.stop
    s.run_forever()
    assert a.at == [0, 1000, 2000, 3000], a.at
    assert clk.now == 3000, clk.now
