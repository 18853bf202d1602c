"""A real one-node SLURM cluster on localhost for the tests (no mock).

munged, MariaDB, slurmdbd, slurmctld and slurmd run as separate processes from Debian's packages, with every
config, state, socket, log and PID file under one scratch folder, on free ports, so nothing in /etc is changed,
only one link in /run (see _link_node_conf), and a system SLURM is left alone. Each daemon's PID is recorded in
<scratch>/pids/ and the daemons are stopped by those PIDs, in reverse start order.

The accounting database is there because real clusters have one: the SLURM executor plugin then polls job
states with sacct, as it would at a user's site, and the test can check every job's state in sacct.

    python -m tests.slurm_cluster /tmp/cluster     # start one by hand and leave it up; Ctrl-C stops it
"""

import getpass
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PACKAGES = ["slurmctld", "slurmd", "slurm-client", "slurmdbd", "munge", "mariadb-server"]
BINARIES = ["munged", "mariadbd", "mariadb-install-db", "mariadb", "slurmdbd", "slurmctld", "slurmd", "sbatch",
            "sacct", "sacctmgr", "sinfo", "scontrol"]
SBIN = "/usr/sbin:/usr/bin:/sbin:/bin"


class Unavailable(RuntimeError):
    """SLURM cannot run here; the message says why (the test is skipped with it)."""


def _missing():
    path = os.pathsep.join([os.environ.get("PATH", ""), SBIN])
    return [b for b in BINARIES if shutil.which(b, path=path) is None]


def ensure_packages():
    """Install SLURM, munge and MariaDB from Debian packages if any binary is missing."""
    missing = _missing()
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise Unavailable(f"missing {', '.join(missing)}; installing {' '.join(PACKAGES)} needs root and apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES]
    result = subprocess.run(install, capture_output=True, text=True, env=env)
    if result.returncode != 0:  # perhaps stale package lists: refresh them once
        subprocess.run(["apt-get", "update"], capture_output=True, text=True, env=env)
        result = subprocess.run(install, capture_output=True, text=True, env=env)
    if result.returncode != 0 or _missing():
        raise Unavailable(f"'{' '.join(install)}' failed (exit {result.returncode}): {result.stderr[-800:]}")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _memory_mb():
    with open("/proc/meminfo") as f:
        total_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    return int(total_kb / 1024 * 0.8)  # below the real total, or slurmd drains the node for low memory


class Cluster:
    """Start with start(), stop with stop() (or use as a context manager). env holds SLURM_CONF for clients."""

    cluster_name = "nnptest"
    partition = "nnpq"  # not the default partition: jobs only land here when the profile passes it
    account = "nnpacct"

    def __init__(self, scratch):
        self.root = Path(scratch)
        self.node = socket.gethostname().split(".")[0]
        self.ports = {name: _free_port() for name in ("mysql", "dbd", "ctld", "slurmd")}
        self.db_password = "nnp-test"
        self.env = {**os.environ, "SLURM_CONF": str(self.root / "etc" / "slurm.conf"),
                    "PATH": os.pathsep.join([os.environ.get("PATH", ""), SBIN])}
        self.started = []  # (name, Popen) in start order
        self.node_conf = None  # the /run/slurm/conf link, when this cluster made it
        self.made_run_dir = False  # whether it made /run/slurm too

    # --- configuration -------------------------------------------------------------------------------------
    def _write_configs(self):
        r = self.root
        for d in ("etc", "pids", "log", "state", "spool", "munge", "mysql"):
            (r / d).mkdir(parents=True, exist_ok=True)
        auth = f"AuthType=auth/munge\nAuthInfo=socket={r / 'munge' / 'munge.socket'}\n"
        (r / "etc" / "slurm.conf").write_text(f"""\
ClusterName={self.cluster_name}
SlurmctldHost={self.node}(127.0.0.1)
SlurmctldPort={self.ports['ctld']}
SlurmdPort={self.ports['slurmd']}
SlurmUser=root
SlurmdUser=root
{auth}StateSaveLocation={r / 'state'}
SlurmdSpoolDir={r / 'spool' / '%n'}
SlurmctldPidFile={r / 'log' / 'slurmctld.pid'}
SlurmdPidFile={r / 'log' / 'slurmd.pid'}
SlurmctldLogFile={r / 'log' / 'slurmctld.log'}
SlurmdLogFile={r / 'log' / 'slurmd.log'}
# No cgroups in containers: plain process tracking, no task confinement.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
ReturnToService=2
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort={self.ports['dbd']}
# For the slurmdbd connection SLURM takes the munge socket from here, not from AuthInfo.
AccountingStoragePass={r / 'munge' / 'munge.socket'}
# As on most sites: a job needs a valid account.
AccountingStorageEnforce=associations
NodeName={self.node} NodeAddr=127.0.0.1 CPUs={os.cpu_count()} RealMemory={_memory_mb()} State=UNKNOWN
PartitionName=other Nodes=ALL Default=YES MaxTime=INFINITE State=UP
PartitionName={self.partition} Nodes=ALL Default=NO MaxTime=INFINITE State=UP
""")
        dbd = r / "etc" / "slurmdbd.conf"  # slurmdbd finds it beside $SLURM_CONF
        dbd.write_text(f"""\
{auth}DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort={self.ports['dbd']}
SlurmUser=root
PidFile={r / 'log' / 'slurmdbd.pid'}
LogFile={r / 'log' / 'slurmdbd.log'}
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort={self.ports['mysql']}
StorageUser=slurm
StoragePass={self.db_password}
StorageLoc=slurm_acct_db
""")
        dbd.chmod(0o600)  # slurmdbd refuses a readable password file

    # --- processes -----------------------------------------------------------------------------------------
    def _spawn(self, name, command, **kwargs):
        log = open(self.root / "log" / f"{name}.out", "ab")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                   start_new_session=True, **kwargs)
        log.close()
        (self.root / "pids" / f"{name}.pid").write_text(f"{process.pid}\n")
        self.started.append((name, process))
        return process

    def _wait(self, what, ready, timeout=60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.started:
                if process.poll() is not None:
                    raise Unavailable(f"{name} exited with {process.returncode} while waiting for {what}: "
                                      f"{self._tail(name)}")
            if ready():
                return
            time.sleep(0.5)
        raise Unavailable(f"timed out after {timeout:.0f} s waiting for {what}: {self._tail(self.started[-1][0])}")

    def _tail(self, name):
        logs = [self.root / "log" / f"{name}.out", self.root / "log" / f"{name}.log"]
        text = "".join(p.read_text(errors="replace") for p in logs if p.exists())
        return text[-1500:] or "(no log output)"

    def run(self, *command, check=True):
        result = subprocess.run(command, capture_output=True, text=True, env=self.env, timeout=60)
        if check and result.returncode != 0:
            raise Unavailable(f"'{' '.join(command)}' failed (exit {result.returncode}): {result.stdout[-500:]}"
                              f"{result.stderr[-800:]}")
        return result

    def _ok(self, *command):
        try:
            return self.run(*command, check=False).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    def _port_open(self, port):
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    def _start_munge(self):
        import pwd

        munge_dir = self.root / "munge"
        key = munge_dir / "munge.key"
        shutil.copyfile("/etc/munge/munge.key", key)
        user = pwd.getpwnam("munge")
        for path in (munge_dir, key):
            os.chown(path, user.pw_uid, user.pw_gid)
        munge_dir.chmod(0o755)  # clients (root, the jobs) reach the socket through it
        key.chmod(0o400)
        # munged refuses to run as root; Popen's user= execs it directly, so the recorded PID is munged's own.
        self._spawn("munged", ["munged", "--foreground", f"--socket={munge_dir / 'munge.socket'}",
                               f"--key-file={key}", f"--pid-file={munge_dir / 'munged.pid'}",
                               f"--log-file={munge_dir / 'munged.log'}", f"--seed-file={munge_dir / 'munged.seed'}"],
                    user=user.pw_uid, group=user.pw_gid)
        self._wait("munged", lambda: (munge_dir / "munge.socket").exists())

    def _start_mariadb(self):
        data, sock = self.root / "mysql" / "data", self.root / "mysql" / "mysqld.sock"
        init = subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--user=root",
                               "--auth-root-authentication-method=normal", "--skip-test-db"],
                              capture_output=True, text=True, env=self.env)
        if init.returncode != 0:
            raise Unavailable(f"mariadb-install-db failed: {init.stderr[-800:]}")
        self._spawn("mariadbd", ["mariadbd", "--no-defaults", f"--datadir={data}", f"--socket={sock}",
                                 f"--port={self.ports['mysql']}", "--bind-address=127.0.0.1", "--user=root",
                                 f"--pid-file={self.root / 'mysql' / 'mariadbd.pid'}", "--skip-name-resolve",
                                 f"--log-error={self.root / 'log' / 'mariadbd.log'}",
                                 "--innodb-buffer-pool-size=64M", "--innodb-lock-wait-timeout=900"])
        client = ["mariadb", "--no-defaults", f"--socket={sock}", "-uroot"]
        self._wait("MariaDB", lambda: self._ok(*client, "-e", "SELECT 1"))
        self.run(*client, "-e", f"CREATE DATABASE slurm_acct_db; "
                                f"CREATE USER 'slurm'@'127.0.0.1' IDENTIFIED BY '{self.db_password}'; "
                                f"GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';")

    def _link_node_conf(self):
        """Inside a job, the executor's job step strips SLURM_* variables (SLURM_CONF too) before its srun, so
        srun finds the config the way commands do on a configless node: through /run/slurm/conf, where slurmd
        itself keeps its config cache. This is the one path outside the scratch folder; stop() removes it."""
        link = Path("/run/slurm/conf")
        if link.is_symlink() and not link.exists() and "nnpdistill-slurm-" in os.readlink(link):
            link.unlink()  # left by a test cluster that was killed before it could stop
        if Path("/etc/slurm/slurm.conf").exists() or link.exists() or link.is_symlink():
            raise Unavailable("a SLURM config already exists on this machine (/etc/slurm/slurm.conf or "
                              "/run/slurm/conf): jobs would read it instead of the test cluster's")
        try:
            if not link.parent.exists():
                link.parent.mkdir(parents=True)
                self.made_run_dir = True
            link.symlink_to(self.root / "etc")
        except OSError as err:
            raise Unavailable(f"cannot create {link}: {err}")
        self.node_conf = link

    def start(self):
        ensure_packages()
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)  # munged (user munge) must reach its folder inside
        self._write_configs()
        try:
            self._link_node_conf()
            self._start_munge()
            self._start_mariadb()
            self._spawn("slurmdbd", ["slurmdbd", "-D"])
            self._wait("slurmdbd", lambda: self._port_open(self.ports["dbd"]))
            # The cluster, an account and this user's association exist before slurmctld registers.
            self.run("sacctmgr", "-i", "add", "cluster", self.cluster_name)
            self.run("sacctmgr", "-i", "add", "account", self.account, "cluster=" + self.cluster_name)
            self.run("sacctmgr", "-i", "add", "user", getpass.getuser(), f"account={self.account}",
                     "cluster=" + self.cluster_name)
            self._spawn("slurmctld", ["slurmctld", "-D", "-i"])
            self._wait("slurmctld", lambda: self._ok("scontrol", "ping"))
            self._spawn("slurmd", ["slurmd", "-D", "-N", self.node])
            self._wait("an idle node", lambda: "idle" in self.run("sinfo", "-h", "-o", "%T", check=False).stdout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        # slurmd first: it may ignore SIGTERM for a while when slurmctld is already gone.
        for name, process in reversed(self.started):
            if process.poll() is None:
                os.kill(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.kill(process.pid, signal.SIGKILL)
                    process.wait()
        self.started = []
        if self.node_conf is not None:
            self.node_conf.unlink(missing_ok=True)
            if self.made_run_dir:
                self.node_conf.parent.rmdir()
            self.node_conf = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="nnpdistill-slurm-"))
    with Cluster(folder) as cluster:
        print(f"export SLURM_CONF={cluster.env['SLURM_CONF']}   # partition {cluster.partition}, "
              f"account {cluster.account}; PIDs in {folder / 'pids'}; Ctrl-C stops it", flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
