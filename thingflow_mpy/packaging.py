"""package.json (for mip) and manifest.py (for freezing into firmware), made
from the files of lib/. A test checks that both list exactly lib/.

    python -m thingflow_mpy.packaging          # rewrite both after lib/ changed
    python -m thingflow_mpy.packaging --check  # exit status 1 when one is stale

Installing on a board:  mpremote mip install github:OWNER/REPO
(mip reads package.json at the repository root; its URLs are relative to it,
so the files land in the board's /lib exactly as lib/ has them)."""
import json
import sys
import tomllib

from . import mpy

PACKAGE_JSON = mpy.ROOT / 'package.json'
MANIFEST = mpy.ROOT / 'manifest.py'


def version():
    """The version in pyproject.toml."""
    with open(mpy.ROOT / 'pyproject.toml', 'rb') as f:
        return tomllib.load(f)['project']['version']


def package_json(files=None):
    """The text of package.json: {"urls": [[dest, src], ...], "version": ...}."""
    files = mpy.lib_sources() if files is None else files
    d = {'urls': [[p.as_posix(), 'lib/' + p.as_posix()] for p in files], 'version': version()}
    return json.dumps(d, indent=2) + '\n'


def manifest(files=None):
    """The text of manifest.py: module() for top-level files of lib/,
    package() with its files for each folder."""
    files = mpy.lib_sources() if files is None else files
    # No metadata(): include() pushes no metadata of its own, so ours would be the
    # firmware's top-level one: every module frozen outside a require() (the
    # board's _boot.py, asyncio, ...) would get our __version__, and a second
    # metadata() (the user's manifest, another library) stops the build.
    out = ['# Freeze ThingFlow-MicroPython %s into a firmware build (the modules then take' % version(),
           '# no RAM for their code). Write a manifest.py of your own for the firmware:',
           '#     include("$(BOARD_DIR)/manifest.py")   # what the board freezes already (_boot.py, ...)',
           '#     include("/path/to/thingflow-micropython/manifest.py")',
           '# and build with it, e.g.:',
           '#     make -C ports/esp8266 BOARD=ESP8266_GENERIC FROZEN_MANIFEST=/path/to/your/manifest.py',
           '# Made from lib/ by: python -m thingflow_mpy.packaging (a test checks it lists exactly lib/).',
           '# (No metadata() here: an include()d manifest would set it for the whole firmware.)',
           '']
    pkgs = {}
    for p in files:
        if len(p.parts) == 1:
            out.append('module("%s", base_path="lib")' % p.name)
        else:
            pkgs.setdefault(p.parent.as_posix(), []).append(p.name)
    for name, fs in sorted(pkgs.items()):
        out.append('package("%s", files=(%s), base_path="lib")'
                   % (name, ' '.join('"%s",' % f for f in fs)))
    return '\n'.join(out) + '\n'


def main(argv):
    want = {PACKAGE_JSON: package_json(), MANIFEST: manifest()}
    if argv == ['--check']:
        stale = [p.name for p, t in want.items() if not p.is_file() or p.read_text() != t]
        if stale:
            print('stale: %s (python -m thingflow_mpy.packaging)' % ', '.join(stale), file=sys.stderr)
            return 1
        return 0
    if argv:
        print('usage: python -m thingflow_mpy.packaging [--check]', file=sys.stderr)
        return 2
    for p, t in want.items():
        p.write_text(t)
        print('wrote %s' % p)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
