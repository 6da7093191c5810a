"""Upload throughput to the real emulators: octoup's adapter vs the plain SDK loop vs the ceiling.

Two cases per cloud: one 1 GiB file, and 2,000 files of 512 KiB. Clients:

* ``sdk-loop``  — the obvious single-threaded SDK call per file (boto3 ``put_object``,
  ``blob.upload_from_filename``, ``upload_blob``);
* ``octoup``    — octoup's storage adapter with its default transfer settings;
* ``ceiling:*`` — every other fast client we could find for that emulator (SDK transfer
  managers, thread pools of 4–32); the best of them is the emulator's ceiling.

Every run gets a freshly started emulator so earlier uploads cannot slow it down; each client
runs ``--repeat`` times and its best time is reported (the emulators are noisy).
Usage: uv run python -m bench.upload --cloud aws|gcp|azure [--big-mib 1024] [--files 2000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from bench.common import Measurement, save, temp_dir
from tests import services

MiB = 2**20
BUCKET = "octoup-bench"


# -- emulators -------------------------------------------------------------------------------

@contextmanager
def emulator(cloud: str, logs: Path):
    port = services.free_port()
    if cloud == "aws":
        argv = [services._bin("moto_server"), "-H", "127.0.0.1", "-p", str(port)]
    elif cloud == "gcp":
        argv = [services._bin("gcp-storage-emulator"), "start", "--host", "127.0.0.1",
                "--port", str(port), "--in-memory"]
    else:
        argv = [str(services.azurite_bin()), "--blobHost", "127.0.0.1", "--blobPort", str(port),
                "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--silent"]
    service = services.start(f"{cloud}-bench", argv, port, logs)
    try:
        yield service
    finally:
        service.stop()


def octoup_storage(cloud: str, service):
    from octoup import registry

    settings = registry.settings_model(cloud)
    if cloud == "azure":
        os.environ["AZURE_STORAGE_CONNECTION_STRING"] = services.azurite_connection_string(service)
        return registry.storage(cloud, settings(), project="bench")
    if cloud == "gcp":
        os.environ["STORAGE_EMULATOR_HOST"] = service.url
        return registry.storage(cloud, settings(endpoint_url=service.url), project="bench")
    return registry.storage(cloud, settings(endpoint_url=service.url, region="us-east-1"),
                            project="bench")


# -- SDK clients -----------------------------------------------------------------------------

def boto3_client(service, pool: int = 64, checksums: str = "when_required"):
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=service.url, region_name="us-east-1",
                        config=Config(max_pool_connections=pool,
                                      request_checksum_calculation=checksums))


def gcs_bucket(service):
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    client = storage.Client(project="bench", credentials=AnonymousCredentials(),
                            client_options={"api_endpoint": service.url})
    return client.bucket(BUCKET)


def azure_container(service):
    from azure.storage.blob import BlobServiceClient

    client = BlobServiceClient.from_connection_string(services.azurite_connection_string(service))
    return client.get_container_client(BUCKET)


def threaded(n: int, fn: Callable[[Path, str], None]) -> Callable[[list[tuple[Path, str]]], None]:
    def run(items):
        with ThreadPoolExecutor(n) as pool:
            list(pool.map(lambda item: fn(*item), items))
    return run


def clients(cloud: str, service, case: str) -> dict[str, Callable[[list[tuple[Path, str]]], None]]:
    """Name → function uploading [(path, key)] to BUCKET, for every client of this cloud."""
    out: dict[str, Callable] = {}
    store = octoup_storage(cloud, service)
    big = case == "big"
    if big:
        out["octoup"] = lambda items: [store.upload_file(BUCKET, k, p) for p, k in items]
    else:
        out["octoup"] = lambda items: store.upload_files(items, BUCKET)
    if cloud == "aws":
        s3 = boto3_client(service)

        def put(path: Path, key: str) -> None:
            with path.open("rb") as fh:
                s3.put_object(Bucket=BUCKET, Key=key, Body=fh)

        out["sdk-loop"] = lambda items: [put(p, k) for p, k in items]
        if big:
            from boto3.s3.transfer import TransferConfig

            for n in (4, 10, 16):
                cfg = TransferConfig(max_concurrency=n, multipart_chunksize=16 * MiB)
                out[f"ceiling:boto3-transfer-{n}"] = (
                    lambda items, cfg=cfg: [s3.upload_file(str(p), BUCKET, k, Config=cfg)
                                            for p, k in items])
        else:
            for n in (4, 8, 16, 32):
                out[f"ceiling:put_object-threads-{n}"] = threaded(n, put)
            # the same with the integrity check boto3 sends by default (CRC32)
            checked = boto3_client(service, checksums="when_supported")

            def put_checked(path: Path, key: str) -> None:
                with path.open("rb") as fh:
                    checked.put_object(Bucket=BUCKET, Key=key, Body=fh)

            out["peer:put_object-threads-8+crc32"] = threaded(8, put_checked)
    elif cloud == "gcp":
        bucket = gcs_bucket(service)

        def upload(path: Path, key: str) -> None:
            bucket.blob(key).upload_from_filename(str(path))

        out["sdk-loop"] = lambda items: [upload(p, k) for p, k in items]
        if big:
            for mib in (8, 32, 100):
                def chunked(items, mib=mib):
                    for p, k in items:
                        blob = bucket.blob(k, chunk_size=mib * MiB)
                        blob.upload_from_filename(str(p))
                out[f"ceiling:resumable-chunk-{mib}MiB"] = chunked
        else:
            for n in (4, 8, 16):
                out[f"ceiling:upload_from_filename-threads-{n}"] = threaded(n, upload)
    else:
        container = azure_container(service)

        def upload_blob(path: Path, key: str, concurrency: int = 1) -> None:
            with path.open("rb") as fh:
                container.upload_blob(key, fh, overwrite=True, max_concurrency=concurrency)

        out["sdk-loop"] = lambda items: [upload_blob(p, k) for p, k in items]
        if big:
            for n in (4, 8, 16):
                out[f"ceiling:upload_blob-max_concurrency-{n}"] = (
                    lambda items, n=n: [upload_blob(p, k, n) for p, k in items])
        else:
            for n in (4, 8, 16, 32):
                out[f"ceiling:upload_blob-threads-{n}"] = threaded(n, upload_blob)

            def upload_validated(path: Path, key: str) -> None:
                with path.open("rb") as fh:
                    container.upload_blob(key, fh, overwrite=True, validate_content=True)

            out["peer:upload_blob-threads-8+validate_content"] = threaded(8, upload_validated)
    return out


def make_bucket(cloud: str, service) -> None:
    if cloud == "aws":
        boto3_client(service).create_bucket(Bucket=BUCKET)
    elif cloud == "gcp":
        bucket = gcs_bucket(service)
        bucket.client.create_bucket(bucket)
    else:
        azure_container(service).create_container()


# -- data ------------------------------------------------------------------------------------

def make_data(folder: Path, big_mib: int, files: int, file_kib: int) -> dict[str, list]:
    block = os.urandom(64 * MiB)
    big = folder / "big.bin"
    with big.open("wb") as fh:
        for i in range(big_mib * MiB // len(block)):
            fh.write(i.to_bytes(8, "little") + block[8:])
        fh.write(block[: big_mib * MiB % len(block)])
    small_dir = folder / "small"
    small_dir.mkdir()
    small = []
    for i in range(files):
        path = small_dir / f"{i:05d}.bin"
        start = (i * 7919) % (len(block) - file_kib * 1024)
        path.write_bytes(i.to_bytes(8, "little") + block[start + 8: start + file_kib * 1024])
        small.append((path, f"small/{i:05d}.bin"))
    return {"big": [(big, "big.bin")], "small": small}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--cloud", choices=["aws", "gcp", "azure"], required=True)
    parser.add_argument("--big-mib", type=int, default=1024)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--file-kib", type=int, default=512)
    parser.add_argument("--only", help="run only clients whose name contains this")
    parser.add_argument("--repeat", type=int, default=3, help="runs per client (best is kept)")
    parser.add_argument("--cases", nargs="+", choices=["big", "small"], default=["big", "small"])
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench-secret-key")
    results: list[Measurement] = []
    with temp_dir("upload") as folder:
        data = make_data(folder, args.big_mib, args.files, args.file_kib)
        logs = folder / "logs"
        logs.mkdir()
        for case, items in data.items():
            if case not in args.cases:
                continue
            nbytes = sum(p.stat().st_size for p, _ in items)
            with emulator(args.cloud, logs) as service:
                names = list(clients(args.cloud, service, case))
            for name in names:
                if args.only and args.only not in name:
                    continue
                times = []
                for _ in range(args.repeat):
                    with emulator(args.cloud, logs) as service:
                        make_bucket(args.cloud, service)
                        upload = clients(args.cloud, service, case)[name]
                        start = time.perf_counter()
                        upload(items)
                        times.append(time.perf_counter() - start)
                m = Measurement("upload", f"{args.cloud}:{case}", name, min(times), nbytes,
                                runs=args.repeat, extra={"all_seconds": [round(t, 2) for t in times]})
                results.append(m)
                print(f"{args.cloud:6s} {case:6s} {name:40s} {m.seconds:8.2f} s "
                      f"{m.mb_per_s:8.1f} MB/s  (runs: {m.extra['all_seconds']})", flush=True)
    save(f"upload-{args.cloud}", results, {"big_mib": args.big_mib, "files": args.files,
                                           "file_kib": args.file_kib},
         merge=bool(args.only) or len(args.cases) < 2)


if __name__ == "__main__":
    sys.exit(main())
