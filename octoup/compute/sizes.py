"""Cloud-neutral sizes (small/medium/large/gpu) from ``sizes.toml``, and which one a project needs."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from octoup.errors import OctoupError

GPU_PACKAGES = ("torch", "tensorflow", "tensorflow-gpu", "jax", "jaxlib", "cupy", "cupy-cuda12x",
                "cudf", "pytorch", "pytorch-cuda", "cudatoolkit", "nvidia-cudnn-cu12", "xformers")
GB = 10**9


@dataclass(frozen=True)
class Size:
    name: str
    cpus: int
    memory_gb: int
    gpus: int
    disk_gb: int
    types: dict[str, tuple[str, float]] = field(default_factory=dict)
    """cloud → (instance type, USD per hour)."""

    def instance_type(self, cloud: str) -> str:
        return self.for_cloud(cloud)[0]

    def price(self, cloud: str) -> float:
        return self.for_cloud(cloud)[1]

    def for_cloud(self, cloud: str) -> tuple[str, float]:
        if cloud not in self.types:
            raise OctoupError(f"size {self.name!r} has no instance type for {cloud}",
                              f"Clouds with sizes: {', '.join(sorted(self.types))}.")
        return self.types[cloud]


@cache
def sizes() -> dict[str, Size]:
    data = tomllib.loads((Path(__file__).with_name("sizes.toml")).read_text(encoding="utf-8"))
    result = {}
    for name, entry in data["sizes"].items():
        types = {cloud: (value["type"], float(value["price"]))
                 for cloud, value in entry.items() if isinstance(value, dict)}
        result[name] = Size(name, entry["cpus"], entry["memory_gb"], entry["gpus"], entry["disk_gb"],
                            types)
    return result


def get(name: str) -> Size:
    known = sizes()
    if name not in known:
        raise OctoupError(f"unknown size {name!r}",
                          f"Sizes: {', '.join(known)} (`octoup compute sizes` shows them per cloud).")
    return known[name]


@dataclass(frozen=True)
class Recommendation:
    size: Size
    reason: str


def recommend(root: Path) -> Recommendation:
    """The size a project needs: gpu when its env has GPU packages, else by its data volume."""
    gpu = _gpu_packages(root)
    if gpu:
        return Recommendation(get("gpu"), f"the env needs a GPU ({', '.join(gpu)})")
    data = _data_bytes(root)
    shown = f"{data / GB:.1f} GB of data"
    if data > 50 * GB:
        return Recommendation(get("large"), f"{shown} in the project's datasets")
    if data > 5 * GB:
        return Recommendation(get("medium"), f"{shown} in the project's datasets")
    return Recommendation(get("small"), f"{shown}, no GPU packages in the env")


def _gpu_packages(root: Path) -> list[str]:
    from octoup.env.detect import detect

    try:
        spec = detect(root).spec
    except OctoupError:
        return []
    if spec is None:
        return []
    names = {r.key for r in spec.declared() if r.key}
    if spec.conda:
        names |= {text.split("=")[0].split(" ")[0].split("<")[0].split(">")[0].lower()
                  for text, _ in spec.conda.specs}
    return sorted(n for n in names if n in GPU_PACKAGES)


def _data_bytes(root: Path) -> int:
    """Total bytes of the datasets the project's manifests describe (0 when there are none)."""
    from octoup.data.manifest import datasets

    try:
        return sum(manifest.total_bytes for manifest in datasets(root))
    except OctoupError:
        return 0
