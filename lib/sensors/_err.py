# Errors of the sensor drivers, raised from here: this module is imported only
# when a driver fails (bad setting, absent chip, no data, saturation), so the
# messages' text takes no RAM while all is well.


def fail(n, chip, *a):
    """Raise error n for chip (its class name) with the values a:
    0: OSError(ENODEV, 'no CHIP at 0x29 (why)'), a = (address, why), where why
       is the bus error or the ID as read (an int, or (int, digits));
    1: ValueError('CHIP name value'), a = (name, value);
    2: OSError(ETIMEDOUT, 'CHIP 0x29: no data'), a = (address,), with the
       port's ETIMEDOUT (110 on most ports, 116 on the ESP32, whose errno
       numbers are newlib's);
    3: RuntimeError('CHIP 0x29 saturated: ch0, ch1 at gain g, t ms'),
       a = (address, ch0, ch1, g, t)."""
    if n == 0:
        w = a[1]
        if not isinstance(w, OSError):
            w, d = w if isinstance(w, tuple) else (w, 2)
            w = 'ID 0x%0*x' % (d, w)
        raise OSError(19, 'no %s at 0x%02x (%s)' % (chip, a[0], w))
    if n == 1:
        raise ValueError('%s %s %r' % (chip, a[0], a[1]))
    if n == 2:
        from errno import ETIMEDOUT
        raise OSError(ETIMEDOUT, '%s 0x%02x: no data' % (chip, a[0]))
    raise RuntimeError('%s 0x%02x saturated: %d, %d at gain %d, %d ms' % ((chip,) + a))
