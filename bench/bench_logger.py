"""Logger and wifi figures (issue 3: logger.py and wifi.py)."""
import os
import tempfile

from common import DEVICE, metric, qstr_delta, qstr_lines, values


def _shm():
    # a flush is an fsync on the Unix port: measure on tmpfs when there is one
    return '/dev/shm' if os.path.isdir('/dev/shm') else tempfile.gettempdir()


def run(ctx):
    d = tempfile.mkdtemp(prefix='tflog-', dir=_shm())
    try:
        out = ctx.micropython(DEVICE / 'logger_mem.py', d + '/a.log', 'thingflow')
        v = values(out)
        yield metric('logger_bytes', 'micropython', v['logger_bytes'], 'bytes', target_max=3000,
                     import_bytes=v['logger_import'], init_bytes=v['logger_init'],
                     **qstr_delta(*qstr_lines(out)),
                     note='import logger + initialize_logging(), thingflow already imported; '
                          'includes the qstr pool block this import makes the interpreter grow')
        w = values(ctx.micropython(DEVICE / 'logger_mem.py', d + '/b.log', 'warm', 'thingflow'))
        yield metric('logger_bytes_warm', 'micropython', w['logger_bytes'], 'bytes',
                     import_bytes=w['logger_import'], init_bytes=w['logger_init'],
                     note='the same, the qstr pool already grown by an earlier module')
        b = ctx.import_bytes('thingflow', 'logger', 'logwriter')
        yield metric('logwriter_import_bytes', 'micropython', b['logwriter'], 'bytes',
                     note='LogWriter (logwriter.py), thingflow and logger already imported')
        b = ctx.import_bytes('thingflow', 'logger', 'lograre')
        yield metric('lograre_import_bytes', 'micropython', b['lograre'], 'bytes',
                     note='the rarely run code, loaded at the first error, long line, '
                          'dropped-line report or failed write; thingflow and logger already imported')
        b = ctx.import_bytes('thingflow', 'wifi')
        yield metric('wifi_import_bytes', 'micropython', b['wifi'], 'bytes',
                     note='thingflow already imported; network is imported at the first call')
        for rt, fn in (('micropython', ctx.micropython), ('cpython', ctx.cpython)):
            s = values(fn(DEVICE / 'logger_speed.py', d))
            yield metric('log_lines_per_s', rt, s['log_lines_per_s'], 'lines/s',
                         note='info() with one argument, each line flushed, tmpfs, best of 3 x 2000')
            yield metric('filtered_lines_per_s', rt, s['filtered_lines_per_s'], 'lines/s',
                         note='debug() below the level')
            yield metric('logwriter_events_per_s', rt, s['logwriter_events_per_s'], 'events/s',
                         lograre_loaded=s['lograre_loaded'],
                         note='SensorAsOutputThing -> LogWriter, each line flushed, tmpfs; '
                              'lograre_loaded: 1 if the rare-path module was loaded by the run')
            t = values(fn(DEVICE / 'wifi_timeout.py'))
            yield metric('wifi_timeout_real_ms', rt, t['wifi_timeout_real_ms'], 'ms',
                         virtual_ms=t['wifi_timeout_virtual_ms'], polls=t['wifi_timeout_polls'],
                         note='a 30 s wifi_connect timeout in virtual time (fake network)')
    finally:
        for f in os.listdir(d):
            os.remove(os.path.join(d, f))
        os.rmdir(d)
