"""An MQTT broker inside the thingflow-mpy process, for `run` on a machine
without Mosquitto: amqtt (the optional dependency `[broker]`) on a free port
of 127.0.0.1, in a background thread with its own asyncio loop.

    with EmbeddedBroker() as b:      # b.port: the port the OS chose
        print(b.url)                 # mqtt://127.0.0.1:<port>

Only ever binds 127.0.0.1: the broker takes anonymous clients, so it must
not be reachable from the network."""
import asyncio
import logging
import threading


class BrokerMissing(RuntimeError):
    """amqtt is not installed."""


class EmbeddedBroker:
    """amqtt on 127.0.0.1 and a port chosen by the OS (port=0) or given.
    start() returns once the port is listening (RuntimeError naming the
    reason when it cannot, e.g. a port in use); stop() shuts it down, and
    does nothing when it is not running.
    timeout: seconds to wait for start and stop (default 10)."""

    def __init__(self, port=0, timeout=10.0):
        self.host = '127.0.0.1'
        self.port = port
        self.timeout = timeout
        self._loop = None
        self._broker = None
        self._thread = None
        self._error = None

    @property
    def url(self):
        return 'mqtt://%s:%d' % (self.host, self.port)

    def start(self):
        try:
            from amqtt.broker import Broker
        except ImportError:
            raise BrokerMissing("no embedded broker: amqtt is not installed "
                                "(pip install -e '.[broker]'), or give --broker mqtt://HOST:PORT")
        # amqtt logs every connection at INFO; keep the console for events
        logging.getLogger('amqtt').setLevel(logging.ERROR)
        logging.getLogger('transitions').setLevel(logging.ERROR)
        ready = threading.Event()
        config = {
            'listeners': {'default': {'type': 'tcp', 'bind': '%s:%d' % (self.host, self.port)}},
            'plugins': {'amqtt.plugins.authentication.AnonymousAuthPlugin': {'allow_anonymous': True}},
        }

        def main():
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                async def boot():
                    self._broker = Broker(config)
                    await self._broker.start()
                    server = self._broker._servers['default']
                    inst = getattr(server, 'instance', None) or getattr(server, '_instance')
                    self.port = inst.sockets[0].getsockname()[1]
                loop.run_until_complete(boot())
            except Exception as e:  # reported by start()
                self._error = e
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=main, name='embedded-broker', daemon=True)
        self._thread.start()
        if not ready.wait(self.timeout):
            raise RuntimeError('embedded broker did not start within %.0f s' % self.timeout)
        if self._error is not None:
            raise RuntimeError('embedded broker failed to start: %s' % (self._error,))
        return self

    def stop(self):
        loop = self._loop
        if loop is None or self._error is not None or self._thread is None or not self._thread.is_alive():
            return  # (never started, already stopped, or start failed: its thread closes its loop)
        fut = asyncio.run_coroutine_threadsafe(self._broker.shutdown(), loop)
        try:
            fut.result(self.timeout)
        except Exception:  # shutting down anyway
            pass
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(self.timeout)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
