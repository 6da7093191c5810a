"""``octoup stack preview`` offline, per cloud, against the floor of importing that cloud's Pulumi SDK.

Each case is a fresh ``octoup`` process (as a user runs it) with bytecode caching on, best of 3
after one warm-up: the Pulumi program runs under mocks, no live state (``--no-live``), with a
machine (``--size small``). Peer/floor: ``python -c 'import pulumi, <sdk modules the program uses>'``.
Goal: the default stack (aws) previews in ≤ 5 s.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys

from bench.common import Measurement, best_of, save, temp_dir

IMPORTS = {"aws": "import pulumi, pulumi_aws.s3, pulumi_aws.iam, pulumi_aws.ec2",
           "gcp": "import pulumi, pulumi_gcp.storage, pulumi_gcp.compute, pulumi_gcp.serviceaccount",
           "azure": "from pulumi_azure_native import authorization, compute, managedidentity, network, "
                    "resources, storage"}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    rows = []
    with temp_dir("stack") as root:
        (root / "octoup.toml").write_text('[project]\nname = "bench"\ndefault_cloud = "aws"\n')
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        subprocess.run(["git", "-C", str(root), "remote", "add", "origin", "https://example.org/b.git"],
                       check=True)
        env["HOME"] = str(root / "home")
        for cloud, imports in IMPORTS.items():
            preview = [sys.executable, "-m", "octoup", "stack", "preview", "--cloud", cloud,
                       "--size", "small", "--no-live"]
            floor = [sys.executable, "-c", imports]

            def run(argv=preview):
                subprocess.run(argv, cwd=root, env=env, check=True, capture_output=True)

            run()
            run(floor)
            for client, argv in (("octoup", preview), ("import SDK (floor)", floor)):
                before = _children_cpu()
                wall = best_of(3, lambda argv=argv: run(argv))
                cpu = (_children_cpu() - before) / 3
                rows.append(Measurement("stack", f"preview {cloud}", client, wall,
                                        extra={"cpu_seconds": round(cpu, 2)}))
    aws = next(r for r in rows if r.case == "preview aws" and r.client == "octoup")
    save("stack", rows, {"goal_seconds": 5.0, "aws_seconds": round(aws.seconds, 2),
                         "aws_cpu_seconds": aws.extra["cpu_seconds"], "load_average": os.getloadavg()[0]})
    for row in rows:
        cpu = row.extra["cpu_seconds"]
        print(f"{row.case:16} {row.client:20} {row.seconds:6.2f} s wall, {cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
