# Shared parts of the device-side benchmark scripts (they run on MicroPython
# and CPython; the script's folder is on the path, so `import benchkit` works).


class Sensor:
    """A sensor that counts: 1, 2, 3 ..."""

    def __init__(self, sid='s'):
        self.sensor_id = sid
        self.n = 0

    def sample(self):
        self.n += 1
        return self.n


class Sink:
    """An input thing that counts events; an error is raised, never hidden."""

    def __init__(self):
        self.n = 0

    def on_next(self, x):
        self.n += 1

    def on_completed(self):
        pass

    def on_error(self, e):
        raise e
