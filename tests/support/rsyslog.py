"""A real rsyslogd on loopback, receiving over UDP, TCP and TLS, writing what it parsed as JSON lines.

Used by the tests, `make demo` and the benchmark. Each received message becomes one line in
`out.jsonl` with the fields rsyslog parsed: pri, facility, severity, hostname, appname, procid,
msgid, timestamp, structured data (raw, and as parsed by mmpstrucdata), msg and the input.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"

CONF = """
global(workDirectory="{dir}" maxMessageSize="256k" parser.escapeControlCharactersOnReceive="off"
       defaultNetstreamDriverCAFile="{dir}/ca.pem"
       defaultNetstreamDriverCertFile="{dir}/server.pem"
       defaultNetstreamDriverKeyFile="{dir}/server.key")
module(load="imudp")
module(load="imtcp" maxSessions="200")
module(load="mmpstrucdata")
input(type="imudp" address="127.0.0.1" port="{udp}" ruleset="received" name="udp")
input(type="imtcp" address="127.0.0.1" port="{tcp}" ruleset="received" name="tcp")
input(type="imtcp" address="127.0.0.1" port="{tls}" ruleset="received" name="tls"
      streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="anon")
template(name="parsed" type="list" option.jsonf="on") {{
  property(outname="pri" name="pri" format="jsonf")
  property(outname="facility" name="syslogfacility" format="jsonf")
  property(outname="severity" name="syslogseverity" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="appname" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="sd" name="structured-data" format="jsonf")
  property(outname="sdparsed" name="$!rfc5424-sd" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
  property(outname="input" name="inputname" format="jsonf")
}}
ruleset(name="received") {{
  action(type="mmpstrucdata" sd_name.lowercase="off")
  action(type="omfile" file="{dir}/out.jsonl" template="parsed")
}}
"""


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(process: subprocess.Popen, timeout: float = 5) -> None:
    """Terminate a server process, and kill it if it has not exited within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()


def make_cert(directory: Path, name: str, cn: str = "localhost", loopback: bool = True) -> tuple[Path, Path]:
    """A self-signed certificate for `cn` (and 127.0.0.1 when `loopback`); returns (cert, key) paths."""
    names = f"DNS:{cn},IP:127.0.0.1" if loopback else f"DNS:{cn}"
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            f"/CN={cn}",
            "-addext",
            f"subjectAltName={names}",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@dataclass
class Rsyslog:
    """A running rsyslogd. `ca` is the PEM file clients must trust for the TLS port."""

    directory: Path
    udp: int
    tcp: int
    tls: int
    process: subprocess.Popen

    @property
    def ca(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def output(self) -> Path:
        return self.directory / "out.jsonl"

    @property
    def ports(self) -> dict[str, int]:
        return {"udp": self.udp, "tcp": self.tcp, "tls": self.tls}

    def url(self, transport: str) -> str:
        return f"{transport}://127.0.0.1:{getattr(self, transport)}"

    def lines(self) -> list[dict]:
        """Everything received so far, one dict per message."""
        if not self.output.exists():
            return []
        out = []
        for line in self.output.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            if item.get("sdparsed"):
                item["sdparsed"] = json.loads(item["sdparsed"])
            out.append(item)
        return out

    def drop_partial_line(self) -> int:
        """After the receiver was killed: cut the output at its last complete line and return how many bytes
        went. omfile writes in 4 KiB buffers, so a SIGKILL can leave half a message that was never
        acknowledged (it is sent again); a receiver started on the same file would glue its first line to
        it."""
        try:
            data = self.output.read_bytes()
        except FileNotFoundError:
            return 0
        keep = data.rfind(b"\n") + 1
        if keep < len(data):
            with open(self.output, "r+b") as f:
                f.truncate(keep)
        return len(data) - keep

    def count(self) -> int:
        """How many messages were received so far (complete lines in the output)."""
        try:
            return self.output.read_bytes().count(b"\n")
        except FileNotFoundError:
            return 0

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict]:
        """Poll until at least `count` messages arrived (or `timeout` passed); return them all."""
        end = time.monotonic() + timeout
        while self.count() < count and time.monotonic() < end:
            time.sleep(0.01)
        return self.lines()

    def clear(self) -> None:
        """Forget what was received so far (rsyslog reopens the file on HUP)."""
        if self.output.exists():
            self.output.unlink()
        self.process.send_signal(signal.SIGHUP)
        time.sleep(0.05)

    def stop(self) -> None:
        stop_process(self.process)


def _refuse_taken(ports: dict[str, int]) -> None:
    """Fail clearly when a port is taken: the readiness check would otherwise connect to someone else."""
    for transport, port in ports.items():
        kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
        with socket.socket(socket.AF_INET, kind) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                raise RuntimeError(f"{transport} port {port} on 127.0.0.1 is already in use") from None


#: The same receiver over RELP (rsyslog imrelp, Debian rsyslog-relp): `tcp` is the plain RELP port, `tls` RELP
#: over TLS, which asks for a client certificate (librelp's GnuTLS server does): `start_relp` makes one.
#: Queues are direct, so a message is written to out.jsonl before imrelp answers it "200 OK": a
#: receiver killed mid-stream has written everything it acknowledged.
RELP_CONF = """
global(workDirectory="{dir}" maxMessageSize="256k" parser.escapeControlCharactersOnReceive="off")
main_queue(queue.type="Direct")
module(load="imrelp")
module(load="mmpstrucdata")
input(type="imrelp" address="127.0.0.1" port="{tcp}" ruleset="received" name="relp" maxDataSize="256k")
input(type="imrelp" address="127.0.0.1" port="{tls}" ruleset="received" name="relp-tls" maxDataSize="256k"
      tls="on" tls.cacert="{dir}/clients.pem" tls.mycert="{dir}/server.pem" tls.myprivkey="{dir}/server.key"
      tls.authMode="certvalid")
""" + CONF[CONF.index("template(") :].replace(
    'ruleset(name="received") {{', 'ruleset(name="received" queue.type="Direct") {{'
)


def start_relp(directory: Path, ports: dict[str, int] | None = None) -> Rsyslog:
    """rsyslogd with RELP_CONF; `directory/client.pem` and `client.key` are the client certificate it trusts."""
    directory.mkdir(parents=True, exist_ok=True)
    if not (directory / "clients.pem").exists():
        cert, _ = make_cert(directory, "client", cn="oci-forwarder")
        shutil.copy(cert, directory / "clients.pem")
    return start_rsyslog(directory, ports, RELP_CONF)


def start_rsyslog(directory: Path, ports: dict[str, int] | None = None, conf_text: str = CONF) -> Rsyslog:
    """Start rsyslogd in `directory` (a self-signed server certificate is made once per directory).

    `ports` ({"udp", "tcp", "tls"}) reuses the ports of an earlier instance; default: free ones.
    `conf_text` is CONF (syslog over UDP, TCP, TLS) or RELP_CONF (RELP on the tcp and tls ports).
    """
    directory.mkdir(parents=True, exist_ok=True)
    if ports:
        _refuse_taken(ports)
    if not (directory / "ca.pem").exists():
        cert, _ = make_cert(directory, "server")
        shutil.copy(cert, directory / "ca.pem")
    ports = ports or {"udp": free_port(socket.SOCK_DGRAM), "tcp": free_port(), "tls": free_port()}
    conf = directory / "rsyslog.conf"
    conf.write_text(conf_text.format(dir=directory, **ports))
    log = open(directory / "rsyslogd.log", "wb")
    process = subprocess.Popen(
        [RSYSLOGD, "-n", "-f", str(conf), "-i", str(directory / "rsyslogd.pid")],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "RSYSLOG_DEBUG": ""},
    )
    server = Rsyslog(directory, process=process, **ports)
    end = time.monotonic() + 10
    for port in (ports["tcp"], ports["tls"]):
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"rsyslogd exited: {(directory / 'rsyslogd.log').read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > end:
                    server.stop()
                    raise RuntimeError("rsyslogd did not start listening") from None
                time.sleep(0.02)
    return server
