"""thingflow-mpy run's supervision of the app (runner._supervise), with a
small CPython child standing in for the app: the wait for published events
still on their way to the listener, and the exit status from the app's
final report. (Fast: no MicroPython, no broker.)"""
import io
import sys
import threading
import time

from thingflow_mpy import runner


class SlowListener:
    """A Listener stand-in whose events arrive `late` s after the start."""

    def __init__(self, n, late):
        self.received = 0
        self.other = 0
        self.stopped = False
        t = threading.Timer(late, self._arrive, (n,))
        t.daemon = True
        t.start()

    def _arrive(self, n):
        self.received = n

    def stop(self):
        self.stopped = True


def supervise(code, lst=None):
    out, err = io.StringIO(), io.StringIO()
    con = runner._Console(out, err)
    rc = runner._supervise([sys.executable, '-c', code], None, '.', con, lst, None, 'cpython', None)
    return rc, out.getvalue().splitlines(), err.getvalue()


def test_the_summary_waits_for_events_still_on_their_way():
    # README: "the runner waits up to 3 s for published events still on
    # their way to the listener, then prints the summary"
    lst = SlowListener(2, 0.8)
    t0 = time.monotonic()
    rc, out, err = supervise('print("@tf end 1 2 2 0 0 0 0 -1 -1 done")', lst)
    assert rc == 0 and time.monotonic() - t0 < 3.0
    assert out[-1].split(' s, ', 1)[1] == ('app ended; wake-ups 1, sampled 2, published 2, queued 0, '
                                           'dropped 0, refused 0, errors 0; received 2 events')
    assert lst.stopped


def test_the_wait_for_events_ends_after_3_s():
    lst = SlowListener(2, 60)
    t0 = time.monotonic()
    rc, out, err = supervise('print("@tf end 1 2 2 0 0 0 0 -1 -1 done")', lst)
    assert rc == 0 and 2.9 < time.monotonic() - t0 < 5
    assert out[-1].endswith('; received 0 events')


def test_exit_status_follows_the_final_report():
    rc, out, err = supervise('print("hi")\nprint("@tf end 1 1 -1 -1 -1 -1 -1 -1 -1 stopped")')
    assert (rc, out[0]) == (0, 'hi') and ', app stopped; ' in out[-1]
    rc, out, err = supervise('print("@tf end 1 1 -1 -1 -1 -1 -1 -1 -1 error")')
    assert rc == 1 and ', app failed; ' in out[-1]
    rc, out, err = supervise('print("@tf 1 1 -1 -1 -1 -1 -1")\nraise SystemExit(3)')
    assert rc == 1
    assert out[-1].split(' s, ', 1)[1] == ('app ended without its final report (exit status 3); wake-ups 1, '
                                           'sampled 1, published -, queued -, dropped -, refused -, errors -')
