# The rarely used parts of thingflow.py, loaded on first use: most apps never
# raise these errors, use named input ports, nor print events. thingflow's
# module __getattr__ finds ExcInDispatch, PortError, Output and sleep_ms here, so
# `from thingflow import Output` works as usual and costs no heap until used.
# Each function is named after the thingflow method whose rare path it holds.
from thingflow import FatalError, InputThing, default_clock

sleep_ms = default_clock.sleep_ms


class ExcInDispatch(FatalError):
    """A downstream thing raised while an event, a completion or an error
    was dispatched to it; the message names the event and the exception."""


class PortError(FatalError):
    """Connecting or dispatching to an unknown or closed port."""


class Output(InputThing):
    """Prints every event and error."""
    on_next = on_error = print


def _port(c, port):
    # Raise for a port the thing does not have (c 0) or a closed one (c None).
    raise PortError('%s port %r' % ('closed' if c is None else 'unknown', port))


class _Port:
    # What a plain callable (port 'default': called with each event, errors
    # raised again, completion ignored) or a thing's named input port
    # (on_<port>_next, _completed, _error) is connected through.
    def __init__(self, thing, port):
        if port == 'default':
            if not callable(thing):
                thing.on_next  # AttributeError naming what is missing
            self.on_next = thing
        else:  # a missing method raises AttributeError naming it
            for k in ('next', 'completed', 'error'):
                setattr(self, 'on_' + k, getattr(thing, 'on_%s_%s' % (port, k)))

    def on_completed(self):
        pass

    def on_error(self, e):
        raise e


connect = _Port


def cancel(conns, port, c):
    # Disconnect input thing c from conns[port], once (nothing when the
    # port has closed or c is gone already).
    cs = conns.get(port)
    if cs:
        n = ()
        for x in cs:
            if x is c:
                c = None  # one connection only: the thing may be there twice
            else:
                n += (x,)
        conns[port] = n


def _dispatch_next(x, e):
    # What dispatching x raises when a downstream thing raised e: a
    # FatalError passes through untouched, anything else is wrapped. An
    # error x that met a closed port (a second source's, after the first
    # completed the thing) is named with it, once: else it would be lost.
    if isinstance(e, FatalError):
        m = str(e)
        k = ' (dispatching '
        if type(e) is PortError and isinstance(x, Exception) and k not in m:
            e = PortError(m + k + repr(x) + ')')
        return e
    return ExcInDispatch('dispatching %r: %r' % (x, e))


def schedule_periodic(interval, slack):
    # Raise the error that names the bad argument.
    for v, hi, m in ((interval, 655.345, 'interval %r s: want a number of seconds from 0.01 to 655.34'),
                     (slack, 0.5, 'slack %r: want a fraction of the interval from 0 to 0.49')):
        try:
            ok = 0 <= v < hi
        except TypeError:  # not a number
            raise TypeError(m % (v,))
        if not ok or v is interval and round(v * 100) < 1:
            raise ValueError(m % (v,))
