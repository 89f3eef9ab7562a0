# LogWriter: an input thing that writes each event it receives to the
# global log of logger.py, so a pipeline can log events as well as publish
# them.
#
#   from logger import initialize_logging
#   from logwriter import LogWriter
#   initialize_logging('/app.log')
#   sched.schedule_sensor(sensor, 60, mqtt_writer, LogWriter())
#   # 2024-05-01 12:00:00 [INF] ('temp', 1714564800.0, 21.5)
#
# (from logger import LogWriter also works, through lograre.py.)
# RAM: see README.md (logger) (bench/bench_logger.py).
from thingflow import InputThing

import logger


class LogWriter(InputThing):
    """Logs each event it receives at level (INFO), the end of the stream
    as "completed" at level and an error as "error ValueError('bad')" at
    ERROR, in the global log, which must be initialised first
    (RuntimeError otherwise). ValueError for a level other than DEBUG,
    INFO, WARNING, ERROR."""

    def __init__(self, level=20):
        if type(level) is not int or level % 10 or not 0 < level < 50:
            raise __import__('lograre').err(3, level)
        logger.get_logger()
        self.level = level

    def on_next(self, x):
        logger._log(self.level, x, ())

    def on_completed(self):
        logger._log(self.level, 'completed', ())

    def on_error(self, e):
        # MicroPython writes ValueError('bad',): the line as CPython has it
        r = repr(e)
        if r[-2:] == ',)' and isinstance(e, Exception):
            r = r[:-2] + ')'
        logger._log(40, 'error %s', (r,))
