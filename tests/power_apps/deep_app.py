# The reference battery app on deep sleep, as a board's main.py would be,
# except for the simulated clock (simboard) and the log file of the test:
# temperature every 60 s, light every 5 min. Each wake-up appends
# "sensor_id world_ms status" lines to $TF_POWER_DIR/log.
import os

import simboard  # test only: a board's clock is the time module (no clock= below)
from thingflow import Scheduler
from deepsleep import DeepSleepClock


class Reading:
    def __init__(self, sid):
        self.sensor_id = sid

    def sample(self):
        return 21


class Log:
    def __init__(self, path, clk):
        self.path = path
        self.clk = clk

    def on_next(self, x):
        with open(self.path, 'a') as f:
            f.write('%s %d %s\n' % (x[0], round(x[1] * 1000), self.clk.status))

    def on_completed(self):
        pass

    def on_error(self, e):
        raise e


clk = DeepSleepClock(clock=simboard.clock)  # the machine module's deep sleep and RTC memory
sched = Scheduler(clk)
log = Log(os.getenv('TF_POWER_DIR') + '/log', clk)
sched.schedule_sensor(Reading('temp'), 60, log)
sched.schedule_sensor(Reading('light'), 300, log)
if os.getenv('TF_EXTRA'):  # a changed app (a new interval) after an update
    sched.schedule_sensor(Reading('extra'), 45, log)
clk.resume(sched)
sched.run_forever()
