"""The no-account tour: a project, a bucket on a provider, a dataset copied in, listed, pulled back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from octoup import config, registry
from octoup.provider import ObjectInfo, Progress

DATA = Path(__file__).parent / "demo_data" / "penguins"


@dataclass
class DemoResult:
    project_root: Path
    bucket_uri: str
    bucket_created: bool
    objects: list[ObjectInfo]
    pulled: list[Path]


def run(folder: Path, *, cloud: str | None = None, announce: Callable[[str], None] = print,
        progress: Callable[[int], Progress] | None = None) -> DemoResult:
    """Copy the bundled penguins dataset into ``cloud`` for the project in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    project = config.open_project(folder, announce=announce)
    cloud = cloud or project.config.project.default_cloud
    storage = registry.for_project(project, cloud)
    bucket = storage.settings.bucket or f"{project.name}-data"
    info = storage.ensure_bucket(bucket)
    if not storage.settings.bucket:
        config.set_value(project.root, f"clouds.{cloud}.bucket", bucket)
    announce(f"{'Created' if info.created else 'Using'} bucket {info.uri} "
             f"(tags: {', '.join(f'{k}={v}' for k, v in info.tags.items()) or 'none'}).")
    files = sorted(p for p in DATA.iterdir() if p.is_file())
    total = sum(p.stat().st_size for p in files)
    uploaded = storage.upload_files([(p, f"penguins/{p.name}") for p in files], bucket,
                                    progress=progress(total) if progress else None)
    announce(f"Copied {len(uploaded)} files ({total:,} bytes) to {storage.uri(bucket, 'penguins/')}.")
    objects = list(storage.list(bucket, "penguins/"))
    target = project.root / "data" / "raw" / "penguins"
    pulled = []
    for result in uploaded:
        path = target / Path(result.info.key).name
        storage.download_file(bucket, result.info.key, path, expected_sha256=result.sha256)
        pulled.append(path)
    announce(f"Pulled them back into {target.relative_to(project.root)}/ and verified SHA-256.")
    return DemoResult(project.root, info.uri, info.created, objects, pulled)
