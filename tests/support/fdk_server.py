"""The real fdk server (`fdk func.py handler`) on a unix socket, and a client that invokes it.

As OCI Functions runs it: FN_FORMAT=http-stream, FN_LISTENER=unix:<dir>/lsnr.sock; ready when
the `lsnr.sock` symlink appears. Configuration keys are passed as environment variables, as
function config arrives on the platform. One server is one container: its settings and
connections live as long as it does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from forwarder.settings import KEY_NAMES
from tests.support.rsyslog import stop_process

ROOT = Path(__file__).resolve().parents[2]
FDK = Path(sys.executable).with_name("fdk")


@dataclass
class Invocation:
    status: int
    summary: dict
    text: str


class FunctionServer:
    """A running fdk server. `invoke(body)` posts to /call as the Functions platform does."""

    def __init__(self, directory: Path, config: dict[str, str], extra_env: dict[str, str] | None = None):
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.socket = directory / "lsnr.sock"
        env = {k: v for k, v in os.environ.items() if k not in KEY_NAMES and not k.startswith("OCI_RESOURCE_PRINCIPAL")}
        env.update(config)
        env.update(extra_env or {})
        # The fn Python images run with PYTHONPATH=/function (the function directory).
        env.update(
            FN_FORMAT="http-stream", FN_LISTENER=f"unix:{self.socket}", PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT)
        )
        self.log_path = directory / "function.log"
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [str(FDK), str(ROOT / "func.py"), "handler"], cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        end = time.monotonic() + 30
        while not self.socket.exists():
            if self.process.poll() is not None or time.monotonic() > end:
                self.stop()
                raise RuntimeError(f"fdk server did not start: {self.log_path.read_text()}")
            time.sleep(0.02)
        self.client = httpx.Client(transport=httpx.HTTPTransport(uds=str(self.socket)), timeout=60)

    def invoke(self, body: bytes, deadline_seconds: float = 30.0, fn_deadline: str | None = None) -> Invocation:
        """POST /call with `Fn-Deadline` `deadline_seconds` from now, or the literal `fn_deadline` header."""
        deadline = datetime.now(UTC) + timedelta(seconds=deadline_seconds)
        response = self.client.post(
            "http://localhost/call",
            content=body,
            headers={
                "Fn-Call-Id": uuid.uuid4().hex,
                "Fn-Deadline": fn_deadline or deadline.isoformat().replace("+00:00", "Z"),
                "Content-Type": "application/json",
            },
        )
        try:
            summary = json.loads(response.text)
        except ValueError:
            summary = {}
        return Invocation(response.status_code, summary, response.text)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if getattr(self, "client", None):
            self.client.close()
        stop_process(self.process)
        self._log.close()
