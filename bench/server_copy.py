"""Server-side copy of a 1 GiB object on moto S3: CopyObject and UploadPartCopy vs going
through the client (download + upload), with the client's own byte counters (/proc/self/io).

Usage: uv run python -m bench.server_copy [--mib 1024]
"""

from __future__ import annotations

import argparse
import os
import time

from bench.common import Measurement, save, temp_dir
from bench.upload import BUCKET, emulator, make_bucket, octoup_storage
from tests.conformance import process_io_bytes

MiB = 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=int, default=1024)
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench-secret-key")
    import octoup_aws.storage as s3

    size = args.mib * MiB
    results = []
    with temp_dir("copy") as folder:
        source = folder / "source.bin"
        with source.open("wb") as fh:
            block = os.urandom(64 * MiB)
            for i in range(size // len(block)):
                fh.write(i.to_bytes(8, "little") + block[8:])
        logs = folder / "logs"
        logs.mkdir()

        def copy_object(store):
            store.copy(BUCKET, "source.bin", BUCKET, "copy.bin")

        def part_copy(part_mib):
            def run(store):
                limit, part = s3.COPY_OBJECT_LIMIT, s3.COPY_PART_SIZE
                s3.COPY_OBJECT_LIMIT, s3.COPY_PART_SIZE = 0, part_mib * MiB
                try:
                    store.copy(BUCKET, "source.bin", BUCKET, "copy.bin")
                finally:
                    s3.COPY_OBJECT_LIMIT, s3.COPY_PART_SIZE = limit, part
            return run

        def through_client(store):
            store.download_file(BUCKET, "source.bin", folder / "down.bin")
            store.upload_file(BUCKET, "copy.bin", folder / "down.bin")
            (folder / "down.bin").unlink()

        cases = {"CopyObject (octoup default up to 5 GiB)": copy_object,
                 "UploadPartCopy, 512 MiB parts (octoup above 5 GiB)": part_copy(512),
                 "UploadPartCopy, 64 MiB parts": part_copy(64),
                 "download + upload through the client": through_client}
        for name, fn in cases.items():
            with emulator("aws", logs) as service:
                make_bucket("aws", service)
                store = octoup_storage("aws", service)
                store.upload_file(BUCKET, "source.bin", source)
                before = process_io_bytes()
                start = time.perf_counter()
                fn(store)
                seconds = time.perf_counter() - start
                moved = process_io_bytes() - before
                assert store.stat(BUCKET, "copy.bin").size == size
            if name != "download + upload through the client":
                assert moved < MiB, f"{name} moved {moved} bytes through the client"
            m = Measurement("server_copy", f"aws:{args.mib}MiB", name, seconds, size,
                            extra={"client_bytes": moved})
            results.append(m)
            print(f"{name:52s} {seconds:7.2f} s  client bytes {moved:>14,}", flush=True)
    save("server_copy", results, {"mib": args.mib})


if __name__ == "__main__":
    main()
