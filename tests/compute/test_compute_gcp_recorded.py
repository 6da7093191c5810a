"""octoup up --cloud gcp / compute ls / down against recorded Compute Engine API shapes (no GCE
emulator exists: tests/compute/gce_replay.py serves Google's response shapes over HTTP)."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.compute.conftest import TOKEN_URL
from tests.compute.gce_replay import GceReplay


@pytest.fixture
def gce(isolated):
    with GceReplay() as replay:
        (isolated / "octoup.toml").write_text(
            '[project]\nname = "penguins"\ndefault_cloud = "gcp"\n\n'
            f'[clouds.gcp]\nendpoint_url = "{replay.url}"\nproject = "octo-test"\n'
            'region = "us-central1"\n')
        subprocess.run(["git", "init", "-q", str(isolated)], check=True)
        subprocess.run(["git", "-C", str(isolated), "remote", "add", "origin", TOKEN_URL], check=True)
        yield replay


def test_recorded_gce_shapes_up_ls_down_leaves_nothing(octoup, gce):
    result = octoup("up", "--cloud", "gcp", "--size", "small", "--name", "m1")
    assert result.returncode == 0, result.stderr
    assert "small = e2-medium on gcp ($0.0335/hour" in result.stderr
    instance = gce.instances["m1"]
    assert instance["labels"] == {"octoup-project": "penguins", "octoup-machine": "m1",
                                  "octoup-size": "small"}
    metadata = {item["key"]: item["value"] for item in instance["metadata"]["items"]}
    assert metadata["ssh-keys"].startswith("octo:ssh-ed25519 ")
    assert "https://github.com/sarah/penguins.git" in metadata["user-data"]
    assert "ghp_" not in metadata["user-data"]
    assert gce.firewalls["m1"]["allowed"] == [{"IPProtocol": "tcp", "ports": ["22"]}]
    listed = json.loads(octoup("compute", "ls", "--json").stdout)
    assert [(m["name"], m["instance_type"], m["public_ip"]) for m in listed] == [
        ("m1", "e2-medium", "34.123.45.67")]
    status = octoup("compute", "status", "m1")
    assert "  volume: m1" in status.stdout and "  security-group: m1" in status.stdout
    down = octoup("compute", "down", "m1")
    assert down.returncode == 0, down.stderr
    assert "nothing tagged with penguins is left on gcp" in down.stderr
    assert (gce.instances, gce.disks, gce.firewalls) == ({}, {}, {})


def test_recorded_gce_quota_error_is_clear_and_tears_down(octoup, gce):
    result = octoup("up", "--cloud", "gcp", "--size", "gpu")
    assert result.returncode == 2
    assert "QUOTA_EXCEEDED" in result.stderr and "GPUS_ALL_REGIONS" in result.stderr
    assert "request more quota" in result.stderr and "Deleted what had been created" in result.stderr
    assert (gce.instances, gce.disks, gce.firewalls) == ({}, {}, {})
