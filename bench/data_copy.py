"""`octoup data copy` on moto S3, as a command, against rclone, boto3 and the naive route.

Three cases, every client a separate process timed from its start to its exit (so each pays its own
start-up and creates its own bucket), each run against a freshly started moto:

* ``local``: 2,000 files × 512 KiB of incompressible bytes, a local folder → ``s3://B/N/``.
  Clients: ``octoup`` (``octoup data copy SRC --name N --cloud aws --bucket B`` in a fresh project
  folder), ``rclone`` (``rclone copy SRC :s3:B/N``, default settings), ``sdk-loop`` (single-threaded
  boto3 ``put_object`` per file) and the ceiling candidates ``ceiling:boto3-put_object-threads-16``
  and ``ceiling:rclone-transfers-16/32``. The fastest client of any kind is the emulator's ceiling.
  boto3 clients run with boto3's defaults (CRC32 checksums on), only the connection pool raised to the
  thread count.
* ``rerun``: after each octoup run of ``local``, the same command again in the same project
  (manifest + one bucket listing say everything is there); it must copy 0 files.
* ``tar``: a ``.tar.gz`` of ~500 MB of CSV-like text (random digits, so gzip matters) served by the
  tests' ``LocalHttpServer`` → one object per member. ``octoup data copy URL`` unpacks in flight;
  the ``naive`` route downloads the tarball to disk (urllib), extracts it (tarfile) and uploads the
  files (boto3, 16 threads). Peak RSS of each client process is its VmHWM; while it runs,
  a watcher lists the temp folder and the project folder, reads the process's open files
  (/proc/PID/fd) and the free disk space, to show whether anything was written to disk.

Clients take turns (round robin, each round starting one client later); each keeps its best of
``--repeat`` runs. All get the same environment: test credentials, AWS_CA_BUNDLE unset, bytecode
caching on. The whole run takes about 8 minutes on 2 cores.

Usage: env -u PYTHONDONTWRITEBYTECODE uv run python -m bench.data_copy [--repeat 3] [--cases local tar]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import RESULTS, Measurement, save, temp_dir

MiB = 2**20
BUCKET = "octoup-bench"
NAME = "bench"  # dataset name: objects land under s3://BUCKET/bench/
BIN = Path(sys.executable).parent
INSTALL = (sys.prefix, sys.base_prefix)  # files the clients read from their own install are not "on disk"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing-secret-key",
               "AWS_EC2_METADATA_DISABLED": "true"}
TOML = """[project]
name = "bench"
default_cloud = "local"
[clouds.aws]
endpoint_url = "{url}"
region = "us-east-1"
"""


# -- the peers' own code, run as `python -m bench.data_copy client ...` ------------------------

def _files(folder: Path) -> list[tuple[Path, str]]:
    return [(p, f"{NAME}/{p.relative_to(folder).as_posix()}") for p in sorted(folder.rglob("*"))
            if p.is_file()]


def _s3(endpoint: str, pool: int):
    import boto3
    from botocore.config import Config

    # boto3's defaults (CRC32 request checksums included); only the pool matches the thread count
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        config=Config(max_pool_connections=max(10, pool)))


def _put_all(s3, items: list[tuple[Path, str]], threads: int) -> None:
    def put(item: tuple[Path, str]) -> None:
        with item[0].open("rb") as fh:
            s3.put_object(Bucket=BUCKET, Key=item[1], Body=fh)

    if threads == 1:
        for item in items:
            put(item)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(put, items))


def client_main(argv: list[str]) -> None:
    """``put THREADS ENDPOINT SRC`` or ``naive URL ENDPOINT WORKDIR``; prints phase times as JSON."""
    kind, *rest = argv
    phases: dict[str, float] = {}
    began = time.perf_counter()
    if kind == "put":
        threads, endpoint, src = int(rest[0]), rest[1], Path(rest[2])
        s3 = _s3(endpoint, threads)
        s3.create_bucket(Bucket=BUCKET)
        _put_all(s3, _files(src), threads)
    elif kind == "naive":
        import tarfile
        import urllib.request

        url, endpoint, work = rest[0], rest[1], Path(rest[2])
        tarball, unpacked = work / "download.tar.gz", work / "unpacked"
        with urllib.request.urlopen(url) as response, tarball.open("wb") as fh:
            shutil.copyfileobj(response, fh, MiB)
        phases["download"] = time.perf_counter() - began
        with tarfile.open(tarball, "r:gz") as tar:
            tar.extractall(unpacked, filter="data")
        phases["extract"] = time.perf_counter() - began - sum(phases.values())
        s3 = _s3(endpoint, 16)
        s3.create_bucket(Bucket=BUCKET)
        _put_all(s3, _files(unpacked), 16)
        phases["upload"] = time.perf_counter() - began - sum(phases.values())
    else:
        raise SystemExit(f"unknown client {kind}")
    print(json.dumps({k: round(v, 3) for k, v in phases.items()}))


# -- running a client and watching it ----------------------------------------------------------

def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    drop = ("PYTHONDONTWRITEBYTECODE", "AWS_CA_BUNDLE", "AWS_PROFILE", "AWS_DEFAULT_PROFILE")
    return {k: v for k, v in os.environ.items() if k not in drop} | CREDENTIALS | (extra or {})


class Watch(threading.Thread):
    """Polls, every 50 ms while a process runs: new entries in the temp folder, new files under
    ``folder``, the process's open regular files and the free space of the temp folder's disk."""

    def __init__(self, folder: Path, ignore: set[str]):
        super().__init__(daemon=True)
        self.pid, self.folder, self.ignore = 0, folder, ignore
        self.tmp = Path(tempfile.gettempdir())
        self.tmp_before = set(os.listdir(self.tmp))
        self.folder_before = {p for p in folder.rglob("*")}
        self.new_tmp: set[str] = set()
        self.new_files: dict[str, int] = {}
        self.open_files: set[str] = set()
        self.free_before = self._free()
        self.min_free = self.free_before
        self.halt = threading.Event()

    def _free(self) -> int:
        st = os.statvfs(self.tmp)
        return st.f_bavail * st.f_frsize

    def poll(self) -> None:
        self.new_tmp |= set(os.listdir(self.tmp)) - self.tmp_before
        for path in self.folder.rglob("*"):
            if path not in self.folder_before and path.is_file():
                try:
                    size = path.stat().st_size
                except FileNotFoundError:
                    continue
                rel = path.relative_to(self.folder).as_posix()
                self.new_files[rel] = max(size, self.new_files.get(rel, 0))
        try:
            fds = os.listdir(f"/proc/{self.pid}/fd")
        except FileNotFoundError:
            fds = []
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{self.pid}/fd/{fd}")
            except OSError:
                continue
            if (target.startswith("/") and not target.startswith(("/dev/", "/proc/"))
                    and not os.path.isdir(target) and not target.startswith(INSTALL)
                    and not target.endswith((".py", ".pyc", ".so", ".pth"))
                    and target not in self.ignore):
                inside = target.startswith(f"{self.folder}/")
                self.open_files.add(os.path.relpath(target, self.folder) if inside else target)
        self.min_free = min(self.min_free, self._free())

    def run(self) -> None:
        while not self.halt.is_set():
            self.poll()
            time.sleep(0.05)

    def report(self) -> dict:
        self.halt.set()
        self.join()
        return {"new_in_tmp": sorted(self.new_tmp), "new_files": self.new_files,
                "open_files": sorted(self.open_files),
                "disk_dip_mb": round((self.free_before - self.min_free) / 1e6, 1)}


class PeakRss(threading.Thread):
    """The process's VmHWM (peak resident set since its exec), polled every 20 ms until it exits.

    Not ``wait4``'s ru_maxrss: a child forked from this (large) process starts its count from this
    process's own peak, so small clients would all read the same ~90 MB."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kib = pid, 0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            try:
                status = Path(f"/proc/{self.pid}/status").read_text()
            except (FileNotFoundError, ProcessLookupError):
                return
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_kib = max(self.peak_kib, int(line.split()[1]))
            time.sleep(0.02)


def run_client(argv: list[str], cwd: Path, env: dict[str, str], log: Path,
               watch_folder: Path | None = None) -> dict:
    """Run one client to completion: wall seconds, peak RSS, its output, what it wrote."""
    with log.open("wb") as out:
        watch = Watch(watch_folder, {str(log)}) if watch_folder else None  # baseline before the start
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        rss = PeakRss(proc.pid)
        rss.start()
        if watch:
            watch.pid = proc.pid
            watch.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        rss.halt.set()
        rss.join()
    output = log.read_text(errors="replace")
    if proc.returncode:
        raise RuntimeError(f"{argv[:3]} exited with {proc.returncode}:\n{output[-3000:]}")
    result = {"seconds": seconds, "peak_rss_mb": round(rss.peak_kib * 1024 / 1e6, 1), "output": output,
              "cpu_s": usage.ru_utime + usage.ru_stime}
    if watch:
        result["disk"] = watch.report()
    return result


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bucket_contents(url: str) -> tuple[int, int]:
    """(objects, bytes) in BUCKET."""
    s3 = _s3(url, 1)
    count = size = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for obj in page.get("Contents", []):
            count, size = count + 1, size + obj["Size"]
    return count, size


def project(folder: Path, url: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "octoup.toml").write_text(TOML.format(url=url))
    return folder


def octoup_argv(source: str) -> list[str]:
    return [str(BIN / "octoup"), "data", "copy", source, "--name", NAME, "--cloud", "aws",
            "--bucket", BUCKET]


def local_clients(src: Path, work: Path) -> dict:
    """name → f(service, run_dir) -> (argv, cwd, env) for the local-folder case."""
    def octoup(service, run_dir):
        return octoup_argv(str(src)), project(run_dir / "project", service.url), _env()

    def rclone(transfers: int | None):
        def make(service, run_dir):
            env = _env({"RCLONE_CONFIG": str(work / "no-rclone.conf"), "RCLONE_S3_PROVIDER": "Other",
                        "RCLONE_S3_ENDPOINT": service.url, "RCLONE_S3_REGION": "us-east-1",
                        "RCLONE_S3_ACCESS_KEY_ID": CREDENTIALS["AWS_ACCESS_KEY_ID"],
                        "RCLONE_S3_SECRET_ACCESS_KEY": CREDENTIALS["AWS_SECRET_ACCESS_KEY"]})
            flags = ["--transfers", str(transfers)] if transfers else []
            return ["rclone", "copy", str(src), f":s3:{BUCKET}/{NAME}", *flags], run_dir, env
        return make

    def put(threads: int):
        def make(service, run_dir):
            return ([sys.executable, "-m", "bench.data_copy", "client", "put", str(threads), service.url,
                     str(src)], Path.cwd(), _env())
        return make

    return {"octoup": octoup, "rclone": rclone(None), "sdk-loop": put(1),
            "ceiling:boto3-put_object-threads-16": put(16),
            "ceiling:rclone-transfers-16": rclone(16), "ceiling:rclone-transfers-32": rclone(32)}


# -- data --------------------------------------------------------------------------------------

def make_files(folder: Path, files: int, file_kib: int) -> list[Path]:
    """Incompressible files: slices of one 64 MiB random block, each with its own first 8 bytes."""
    block = os.urandom(64 * MiB)
    folder.mkdir()
    out = []
    for i in range(files):
        path = folder / f"{i:05d}.bin"
        start = (i * 7919) % (len(block) - file_kib * 1024)
        path.write_bytes(i.to_bytes(8, "little") + block[start + 8: start + file_kib * 1024])
        out.append(path)
    return out


_DIGITS = bytes(48 + b % 10 for b in range(256))
_ROW = b"00000000,000000.0000,000.000000,0000000000,00000,00.00\n"  # '0' = a random digit


def csv_text(nbytes: int) -> bytes:
    """CSV-like rows of random decimal numbers: gzip gets them to roughly half."""
    rows = nbytes // len(_ROW)
    buf = bytearray(os.urandom(rows * len(_ROW)).translate(_DIGITS))
    for pos, char in enumerate(_ROW):
        if char != ord("0"):
            buf[pos::len(_ROW)] = bytes([char]) * rows
    return b"id,a,b,c,d,e\n" + bytes(buf)


def make_tarball(folder: Path, members: int, member_mb: float, level: int) -> tuple[Path, int]:
    """x.tar.gz of ``members`` CSV files under csv/; returns its path and the unpacked bytes."""
    import tarfile

    raw = folder / "csv"
    raw.mkdir()
    total = 0
    for i in range(members):
        data = csv_text(int(member_mb * 1e6))
        (raw / f"part-{i:04d}.csv").write_bytes(data)
        total += len(data)
    tarball = folder / "http" / "x.tar.gz"
    tarball.parent.mkdir()
    with tarfile.open(tarball, "w:gz", compresslevel=level) as tar:
        tar.add(raw, arcname="csv")
    for path in raw.iterdir():
        path.unlink()
    raw.rmdir()
    return tarball, total


# -- the cases ---------------------------------------------------------------------------------

def _emulator(logs: Path):
    from bench.upload import emulator

    return emulator("aws", logs)


def case_local(args, work: Path, logs: Path, results: list[Measurement], meta: dict) -> None:
    src = work / "src"
    files = make_files(src, args.files, args.file_kib)
    os.sync()  # else the first client runs while 1 GB of fresh pages is written back
    nbytes = sum(p.stat().st_size for p in files)
    clients = local_clients(src, work)
    if args.only:
        clients = {k: v for k, v in clients.items() if args.only in k or k == "octoup"}
    times: dict[str, list[float]] = {name: [] for name in clients}
    rss: dict[str, float] = {}
    cpu: dict[str, list[tuple[float, float]]] = {name: [] for name in clients}
    reruns: list[float] = []
    rerun_outputs: set[str] = set()
    counter = iter(range(10**6))
    names = list(clients)
    for rep in range(args.repeat):  # round robin, each round starting one client later: drift hits all alike
        for name in names[rep % len(names):] + names[:rep % len(names)]:
            make = clients[name]
            run_dir = work / f"run-{next(counter)}"
            run_dir.mkdir()
            with _emulator(logs) as service:
                argv, cwd, env = make(service, run_dir)
                moto_before = cpu_seconds(service.proc.pid)
                result = run_client(argv, cwd, env, run_dir / "out.log")
                moto_cpu = cpu_seconds(service.proc.pid) - moto_before
                assert bucket_contents(service.url) == (len(files), nbytes), name
                times[name].append(result["seconds"])
                cpu[name].append((result["cpu_s"], moto_cpu))
                rss[name] = max(rss.get(name, 0), result["peak_rss_mb"])
                print(f"local  {name:40s} {result['seconds']:7.2f} s {nbytes / 1e6 / result['seconds']:7.1f}"
                      f" MB/s  rss {result['peak_rss_mb']:.0f} MB  cpu: client {result['cpu_s']:.1f} s, "
                      f"moto {moto_cpu:.1f} s", flush=True)
                if name == "octoup":
                    print("       " + result["output"].strip().splitlines()[-2], flush=True)
                    for _ in range(args.rerun_runs):
                        again = run_client(argv, cwd, env, run_dir / "rerun.log")
                        reruns.append(again["seconds"])
                        line = next(line for line in again["output"].splitlines() if "nothing copied" in line
                                    or "copied" in line)
                        rerun_outputs.add(line.strip().replace(service.url, "URL"))
                        assert f"all {len(files)} files are already in" in line, line
                    print(f"rerun  octoup  {min(reruns):.3f}–{max(reruns):.3f} s: {line.strip()}", flush=True)
            shutil.rmtree(run_dir, ignore_errors=True)
    for name, seconds in times.items():
        best = seconds.index(min(seconds))
        results.append(Measurement("data_copy", "local", name, min(seconds), nbytes, runs=len(seconds),
                                   extra={"all_seconds": [round(t, 2) for t in seconds],
                                          "peak_rss_mb": rss[name],
                                          "client_cpu_s": round(cpu[name][best][0], 1),
                                          "moto_cpu_s": round(cpu[name][best][1], 1)}))
    if reruns:
        results.append(Measurement("data_copy", "rerun", "octoup", min(reruns), 0, runs=len(reruns),
                                   notes=" | ".join(sorted(rerun_outputs)),
                                   extra={"all_seconds": [round(t, 3) for t in reruns],
                                          "max_seconds": round(max(reruns), 3)}))
    meta.update(files=len(files), file_kib=args.file_kib, local_bytes=nbytes)


def case_tar(args, work: Path, logs: Path, results: list[Measurement], meta: dict) -> None:
    from tests.data.http_fixtures import LocalHttpServer

    began = time.perf_counter()
    tarball, unpacked = make_tarball(work, args.tar_members, args.tar_member_mb, args.gzip_level)
    compressed = tarball.stat().st_size
    os.sync()
    print(f"tar    {args.tar_members} CSV members, {unpacked / 1e6:.1f} MB unpacked, {compressed / 1e6:.1f} "
          f"MB as .tar.gz (level {args.gzip_level}; made in {time.perf_counter() - began:.0f} s)", flush=True)
    server = LocalHttpServer(tarball.parent)
    server.start()
    url = server.url(tarball.name)
    def octoup(service, run_dir):
        return octoup_argv(url), project(run_dir / "project", service.url), _env()

    def naive(service, run_dir):
        return ([sys.executable, "-m", "bench.data_copy", "client", "naive", url, service.url, str(run_dir)],
                Path.cwd(), _env())

    clients = {"octoup": octoup, "naive: download → extract → boto3-16": naive}
    rows: dict[str, list[dict]] = {name: [] for name in clients}
    counter = iter(range(10**6))
    try:
        names = list(clients)
        for rep in range(args.repeat):
            for name in names[rep % len(names):] + names[:rep % len(names)]:
                make = clients[name]
                run_dir = work / f"tar-run-{next(counter)}"
                run_dir.mkdir()
                with _emulator(logs) as service:
                    argv, cwd, env = make(service, run_dir)
                    moto_before = cpu_seconds(service.proc.pid)
                    result = run_client(argv, cwd, env, work / f"{run_dir.name}.log", watch_folder=run_dir)
                    result["moto_cpu_s"] = cpu_seconds(service.proc.pid) - moto_before
                    assert bucket_contents(service.url) == (args.tar_members, unpacked), name
                rows[name].append(result)
                disk = result["disk"]
                print(f"tar    {name:40s} {result['seconds']:7.2f} s "
                      f"{unpacked / 1e6 / result['seconds']:7.1f} MB/s  rss {result['peak_rss_mb']:.0f} MB  "
                      f"cpu: client {result['cpu_s']:.1f} s, moto {result['moto_cpu_s']:.1f} s  "
                      f"disk dip {disk['disk_dip_mb']} MB  new in tmp {disk['new_in_tmp']}  "
                      f"new files {len(disk['new_files'])}", flush=True)
                shutil.rmtree(run_dir, ignore_errors=True)
    finally:
        server.stop()
    for name, runs in rows.items():
        best = min(runs, key=lambda r: r["seconds"])
        extra = {"all_seconds": [round(r["seconds"], 2) for r in runs],
                 "client_cpu_s": round(best["cpu_s"], 1), "moto_cpu_s": round(best["moto_cpu_s"], 1),
                 "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
                 "disk_dip_mb": max(r["disk"]["disk_dip_mb"] for r in runs),
                 "new_in_tmp": sorted({n for r in runs for n in r["disk"]["new_in_tmp"]}),
                 "new_files": {k: v for r in runs for k, v in r["disk"]["new_files"].items()},
                 "open_files": sorted({f for r in runs for f in r["disk"]["open_files"]})}
        if name != "octoup":
            extra["phases"] = json.loads(best["output"].strip().splitlines()[-1])
            extra["new_files"] = {"count": len(extra["new_files"]),
                                  "bytes": sum(extra["new_files"].values())}
        results.append(Measurement("data_copy", "tar", name, best["seconds"], unpacked, runs=len(runs),
                                   extra=extra))
    meta.update(tar_members=args.tar_members, tar_unpacked_bytes=unpacked, tar_compressed_bytes=compressed,
                gzip_level=args.gzip_level)


def main() -> None:
    if sys.argv[1:2] == ["client"]:
        return client_main(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--file-kib", type=int, default=512)
    parser.add_argument("--tar-members", type=int, default=250)
    parser.add_argument("--tar-member-mb", type=float, default=2.0)
    parser.add_argument("--gzip-level", type=int, default=6, help="gzip's own default")
    parser.add_argument("--repeat", type=int, default=3, help="runs per client (best is kept)")
    parser.add_argument("--rerun-runs", type=int, default=3, help="reruns after each octoup run")
    parser.add_argument("--cases", nargs="+", choices=["local", "tar"], default=["local", "tar"])
    parser.add_argument("--only", help="local case: only clients whose name contains this (and octoup)")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    os.environ.update(CREDENTIALS)  # for the bench's own checks of the bucket
    results: list[Measurement] = []
    meta: dict = {"repeat": args.repeat, "moto": _version("moto"), "rclone": _rclone_version()}
    began = time.perf_counter()
    with temp_dir("data_copy") as work:
        logs = work / "logs"
        logs.mkdir()
        if "local" in args.cases:
            case_local(args, work, logs, results, meta)
        if "tar" in args.cases:
            case_tar(args, work, logs, results, meta)
    print(f"total {time.perf_counter() - began:.0f} s")
    if args.no_save:
        return
    path = RESULTS / "data_copy.json"
    partial = len(args.cases) < 2 or bool(args.only)
    if partial and path.exists():
        meta = json.loads(path.read_text())["meta"] | meta
    save("data_copy", results, meta, merge=partial)


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


def _rclone_version() -> str:
    out = subprocess.run(["rclone", "version"], capture_output=True, text=True, check=True).stdout
    return out.splitlines()[0].split()[-1]


if __name__ == "__main__":
    main()
