# The device-test runner for MicroPython (it runs on CPython too).
#
#   micropython tests/device/mprun.py [test_module ...] [-k substring]
#
# Imports each device test module (all test_*.py beside this file when none
# are named), calls every function whose name starts with test_ in source
# order, and prints one line per test, tracebacks of failures, and at the end
#   micropython: N passed, M failed
# The exit status is 1 when a test failed or a module did not import.
import gc
import sys

try:
    import os
    listdir = os.listdir
except ImportError:  # pragma: no cover
    listdir = None


def _here():
    f = __file__
    i = f.rfind('/')
    return f[:i] if i >= 0 else '.'


def _print_exc(e):
    if hasattr(sys, 'print_exception'):
        sys.print_exception(e)
    else:
        import traceback
        traceback.print_exception(type(e), e, e.__traceback__)


def _tests(mod):
    # test functions in source order: MicroPython keeps no definition order
    # in module dicts, so order by the line where each function starts
    names = [n for n in dir(mod) if n.startswith('test_') and callable(getattr(mod, n))]
    src = None
    try:
        with open(_here() + '/' + mod.__name__ + '.py') as f:
            src = f.read()
    except OSError:
        pass
    if src:
        def pos(n):
            i = src.find('def %s(' % n)
            return i if i >= 0 else len(src)
        names.sort(key=pos)
    else:
        names.sort()
    return names


def main(argv):
    key = None
    mods = []
    i = 0
    while i < len(argv):
        if argv[i] == '-k':
            key = argv[i + 1]
            i += 2
            continue
        m = argv[i]
        if m.endswith('.py'):
            m = m[:-3]
        mods.append(m.split('/')[-1])
        i += 1
    if not mods:
        mods = sorted(f[:-3] for f in listdir(_here()) if f.startswith('test_') and f.endswith('.py'))
    passed = failed = 0
    for name in mods:
        try:
            mod = __import__(name)
        except Exception as e:
            print('ERROR %s: import failed' % name)
            _print_exc(e)
            failed += 1
            continue
        for t in _tests(mod):
            if key and key not in t:
                continue
            gc.collect()  # each test starts with the garbage of the earlier ones collected
            try:
                getattr(mod, t)()
            except Exception as e:
                failed += 1
                print('FAIL %s.%s' % (name, t))
                _print_exc(e)
            else:
                passed += 1
                print('ok   %s.%s' % (name, t))
    print('micropython: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
