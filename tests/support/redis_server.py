"""A real redis-server (Debian `redis-server`) on a loopback port, started and stopped by the tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.support.rsyslog import free_port, make_cert, stop_process

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class RedisServer:
    """`redis-server --port N --save '' --appendonly no` in `directory`; `url` is `redis://127.0.0.1:N/0`."""

    def __init__(self, directory: Path, password: str | None = None, tls: bool = False):
        directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.password = password
        self.ca: Path | None = None
        args = [
            REDIS_SERVER,
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--dir",
            str(directory),
        ]
        if tls:  # TLS only, as OCI Cache serves it; the certificate is its own CA
            cert, key = make_cert(directory, "redis")
            self.ca = cert
            args += [
                "--port",
                "0",
                "--tls-port",
                str(self.port),
                "--tls-cert-file",
                str(cert),
                "--tls-key-file",
                str(key),
                "--tls-ca-cert-file",
                str(cert),
                "--tls-auth-clients",
                "no",
            ]
        else:
            args += ["--port", str(self.port)]
        if password:
            args += ["--requirepass", password]
        self._log = open(directory / "redis.log", "wb")
        self.process = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT)
        end = time.monotonic() + 10
        while not (self._listening() if tls else self._answers()):
            if self.process.poll() is not None or time.monotonic() > end:
                self.stop()
                raise RuntimeError(f"redis-server did not start: {(directory / 'redis.log').read_text()}")
            time.sleep(0.02)

    @property
    def url(self) -> str:
        return f"{'rediss' if self.ca else 'redis'}://127.0.0.1:{self.port}/0"

    def _listening(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                return s.recv(64).startswith((b"+PONG", b"-NOAUTH"))
        except OSError:
            return False

    def keys(self) -> int:
        """How many keys the server holds."""
        import redis

        tls = {"ssl_ca_certs": str(self.ca)} if self.ca else {}
        client = redis.Redis.from_url(self.url, password=self.password, **tls)
        try:
            return client.dbsize()
        finally:
            client.close()

    def kill(self) -> None:
        """Kill the server at once (SIGKILL), as a crash would."""
        self.process.kill()
        self.process.wait(5)

    def stop(self) -> None:
        if self.process.poll() is None:
            stop_process(self.process)
        self._log.close()
