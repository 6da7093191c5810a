"""octoup up --cloud azure / compute ls / down against recorded Azure Resource Manager shapes (no
Azure compute emulator exists: tests/compute/arm_replay.py serves ARM's response shapes over HTTP)."""

from __future__ import annotations

import base64
import json
import subprocess

import pytest

from tests.compute.arm_replay import ArmReplay
from tests.compute.conftest import TOKEN_URL


@pytest.fixture
def arm(isolated, monkeypatch):
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "00000000-0000-0000-0000-000000000000")
    with ArmReplay() as replay:
        (isolated / "octoup.toml").write_text(
            '[project]\nname = "penguins"\ndefault_cloud = "azure"\n\n'
            f'[clouds.azure]\nendpoint_url = "{replay.url}"\nregion = "eastus"\n')
        subprocess.run(["git", "init", "-q", str(isolated)], check=True)
        subprocess.run(["git", "-C", str(isolated), "remote", "add", "origin", TOKEN_URL], check=True)
        yield replay


def test_recorded_arm_shapes_up_ls_down_leaves_nothing(octoup, arm):
    result = octoup("up", "--cloud", "azure", "--size", "small", "--name", "m1")
    assert result.returncode == 0, result.stderr
    assert "small = Standard_B2s on azure ($0.0416/hour" in result.stderr
    assert arm.groups["m1"]["tags"]["octoup-project"] == "penguins"
    vm = next(r for r in arm.resources.values() if r["id"].endswith("/virtualMachines/m1"))
    user_data = base64.b64decode(vm["properties"]["osProfile"]["customData"]).decode()
    assert "https://github.com/sarah/penguins.git" in user_data and "ghp_" not in user_data
    nsg = next(r for r in arm.resources.values() if "/networkSecurityGroups/" in r["id"])
    rules = nsg["properties"]["securityRules"]
    assert [rule["properties"]["destinationPortRange"] for rule in rules] == ["22"]
    listed = json.loads(octoup("compute", "ls", "--json").stdout)
    assert [(m["name"], m["instance_type"], m["public_ip"]) for m in listed] == [
        ("m1", "Standard_B2s", "20.42.0.7")]
    down = octoup("compute", "down", "m1")
    assert down.returncode == 0, down.stderr
    assert "deleted resource-group m1" in down.stderr
    assert "nothing tagged with penguins is left on azure" in down.stderr
    assert (arm.groups, arm.resources) == ({}, {})


def test_recorded_arm_quota_error_is_clear_and_deletes_the_group(octoup, arm):
    result = octoup("up", "--cloud", "azure", "--size", "gpu")
    assert result.returncode == 2
    assert "OperationNotAllowed" in result.stderr and "Cores quota" in result.stderr
    assert "request more quota" in result.stderr and "resource-group octoup-penguins-" in result.stderr
    assert (arm.groups, arm.resources) == ({}, {})


def test_missing_subscription_is_a_credentials_error(octoup, arm):
    result = octoup("up", "--cloud", "azure", env={"AZURE_SUBSCRIPTION_ID": ""})
    assert result.returncode == 2
    assert "AZURE_SUBSCRIPTION_ID is not set" in result.stderr and "az login" in result.stderr
