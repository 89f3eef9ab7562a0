"""A real Mosquitto broker for tests, benchmarks and `thingflow-mpy` (host
side, CPython only).

    from thingflow_mpy.broker import Broker
    with Broker(users={'dev': 's3cret'}, tls=True) as b:   # a free 127.0.0.1 port
        print(b.host, b.port, b.cafile)                     # cafile: the test CA
        b.stop(); ...; b.start()                            # same port again

The broker listens on 127.0.0.1 only, on a port that was free when the
Broker was made (never a fixed port); `restart()` and `start()` after
`stop()` reuse that port. Its configuration, password file, certificate and
log live in a temporary folder (or `workdir`) that `close()` removes when it
made it.

- `users`: {name: password}; when given, anonymous clients are refused
  (a password file is written with `mosquitto_passwd`, or in its format).
- `tls`: a throwaway CA and a server certificate for 127.0.0.1/localhost
  (made with the `cryptography` package); the listener speaks TLS only.
  `cafile` (PEM) and `ca_der` (DER bytes) are what a client trusts.
- `persist`: keep sessions and queued messages across stop/start (a
  subscriber with clean_session=False then misses nothing during a restart).
- `log()` returns the broker's log text; `pid` its process id.
"""
import datetime
import ipaddress
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

HOST = '127.0.0.1'


class BrokerError(RuntimeError):
    """Mosquitto is missing or did not start."""


def mosquitto_binary():
    """The mosquitto executable (PATH or /usr/sbin)."""
    exe = shutil.which('mosquitto') or ('/usr/sbin/mosquitto' if os.path.exists('/usr/sbin/mosquitto') else None)
    if not exe:
        raise BrokerError('no mosquitto binary: apt-get install -y mosquitto')
    return exe


def free_port():
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def write_password_file(path, users):
    """Write a Mosquitto password file for {name: password}."""
    tool = shutil.which('mosquitto_passwd') or ('/usr/bin/mosquitto_passwd'
                                                if os.path.exists('/usr/bin/mosquitto_passwd') else None)
    path = Path(path)
    path.write_text('')
    if tool:
        for u, p in users.items():
            subprocess.run([tool, '-b', str(path), u, p], check=True, capture_output=True)
        return path
    import base64
    import hashlib
    lines = []
    for u, p in users.items():  # Mosquitto 2's $7$ format: PBKDF2-SHA512, 101 rounds
        salt = os.urandom(12)
        h = hashlib.pbkdf2_hmac('sha512', p.encode(), salt, 101)
        lines.append('%s:$7$101$%s$%s' % (u, base64.b64encode(salt).decode(), base64.b64encode(h).decode()))
    path.write_text('\n'.join(lines) + '\n')
    return path


def make_certificates(folder, days=2, cn=HOST, dns=('localhost',), ips=(HOST,), key_ids=True):
    """A throwaway CA and a server certificate for cn, with the
    subjectAltNames dns and ips (default: 127.0.0.1 and localhost).
    key_ids=False leaves out the key identifiers, so that a verifier
    tries a CA of the same name by its signature (a test of a foreign CA).
    Returns (ca.pem, server.pem, server.key) paths in folder."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    folder = Path(folder)
    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    end = now + datetime.timedelta(days=days)

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name('thingflow test CA')).issuer_name(name('thingflow test CA'))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True))
    if key_ids:
        ca = ca.add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
    ca = ca.sign(ca_key, hashes.SHA256())
    key = ec.generate_private_key(ec.SECP256R1())
    san = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    cert = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName(san), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True))
    if key_ids:
        cert = cert.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                                  critical=False)
    cert = cert.sign(ca_key, hashes.SHA256())
    pem = serialization.Encoding.PEM
    paths = folder / 'ca.pem', folder / 'server.pem', folder / 'server.key'
    paths[0].write_bytes(ca.public_bytes(pem))
    paths[1].write_bytes(cert.public_bytes(pem))
    paths[2].write_bytes(key.private_bytes(pem, serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    os.chmod(paths[2], 0o600)
    return paths


class Broker:
    """A Mosquitto process on 127.0.0.1:port (see the module docstring).
    Started by the constructor unless start=False."""

    def __init__(self, users=None, tls=False, port=None, workdir=None, start=True, extra='',
                 persist=False):
        self.host = HOST
        self.port = port or free_port()
        self.users = dict(users or {})
        self.tls = tls
        self._own = workdir is None
        self.dir = Path(tempfile.mkdtemp(prefix='mosq-') if workdir is None else workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.logfile = self.dir / 'mosquitto.log'
        self.cafile = self.ca_der = None
        self.proc = None
        conf = ['listener %d %s' % (self.port, HOST),
                'allow_anonymous %s' % ('false' if self.users else 'true'),
                'persistence %s' % ('true' if persist else 'false'),
                'persistence_location %s/' % self.dir,
                'log_dest file %s' % self.logfile,
                'log_type error', 'log_type warning', 'log_type notice', 'log_type information',
                'connection_messages true',
                'max_queued_messages 100000',
                'max_inflight_messages 0']
        if hasattr(os, 'geteuid') and os.geteuid() == 0:
            conf.append('user root')  # else mosquitto drops to a user that cannot read these files
        if self.users:
            conf.append('password_file %s' % write_password_file(self.dir / 'passwd', self.users))
        if tls:
            ca, crt, key = make_certificates(self.dir)
            self.cafile = ca
            from cryptography import x509
            from cryptography.hazmat.primitives import serialization
            self.ca_der = x509.load_pem_x509_certificate(ca.read_bytes()).public_bytes(serialization.Encoding.DER)
            conf += ['cafile %s' % ca, 'certfile %s' % crt, 'keyfile %s' % key, 'tls_version tlsv1.2']
        if extra:
            conf.append(extra)
        self.conf = self.dir / 'mosquitto.conf'
        self.conf.write_text('\n'.join(conf) + '\n')
        if start:
            try:
                self.start()
            except BaseException:  # no Broker to close(): its folder goes now
                self.close()
                raise

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=10.0):
        """Start mosquitto (again) on the same port; returns when it accepts
        connections. BrokerError with the log when it does not."""
        if self.running():
            return self
        deadline = time.monotonic() + timeout
        while True:
            # ours once its log says so: a process that took the port
            # meanwhile accepts connections too, while ours fails to bind
            runs = self.log().count(' running\n')
            self.proc = subprocess.Popen([mosquitto_binary(), '-c', str(self.conf)],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            while time.monotonic() < deadline and self.proc.poll() is None:
                if self.log().count(' running\n') > runs and self._listening() and self.proc.poll() is None:
                    return self
                time.sleep(0.02)
            err = b''
            if self.proc.poll() is not None:
                err = self.proc.stderr.read()
            else:
                self.proc.kill()
                self.proc.wait()
            if time.monotonic() >= deadline:
                raise BrokerError('mosquitto did not start on %s:%d: %s %s'
                                  % (HOST, self.port, err.decode(errors='replace'), self.log()[-2000:]))
            time.sleep(0.2)  # the port may still be in TIME_WAIT use: retry

    def _listening(self):
        try:
            with socket.create_connection((HOST, self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self):
        """Stop the broker (SIGTERM, then SIGKILL after 5 s)."""
        p, self.proc = self.proc, None
        if p is not None and p.poll() is None:
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p is not None and p.stderr:
            p.stderr.close()

    def restart(self):
        self.stop()
        return self.start()

    def cpu_seconds(self):
        """User + system CPU seconds the running broker has used (Linux /proc)."""
        with open('/proc/%d/stat' % self.pid) as f:
            parts = f.read().rsplit(')', 1)[1].split()
        return (int(parts[11]) + int(parts[12])) / os.sysconf('SC_CLK_TCK')

    def log(self):
        try:
            return self.logfile.read_text(errors='replace')
        except OSError:
            return ''

    def close(self):
        self.stop()
        if self._own:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return 'Broker(%s:%d%s%s)' % (HOST, self.port, ', tls' if self.tls else '', ', users' if self.users else '')
