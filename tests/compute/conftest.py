"""A moto server with EC2 validation on (unknown AMIs and instance types are refused, as on
AWS), and projects with a git origin that point clouds.aws at it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.services import _bin, free_port, start

ACCESS_KEY = "AKIAOCTOUPTEST000000"
SECRET_KEY = "octoup-test-secret-value-do-not-leak"
TOKEN_URL = "https://sarah:ghp_tokenSHOULDNOTLEAK@github.com/sarah/penguins.git"


@pytest.fixture(scope="session")
def ec2_server(tmp_path_factory):
    port = free_port()
    service = start("moto-ec2", [_bin("moto_server"), "-H", "127.0.0.1", "-p", str(port)], port,
                    tmp_path_factory.mktemp("moto-ec2"),
                    env={"MOTO_ENABLE_AMI_VALIDATION": "true",
                         "MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION": "true"})
    yield service
    service.stop()


def ec2_client(url: str):
    import boto3

    return boto3.client("ec2", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)


def make_project(root: Path, name: str, endpoint: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "octoup.toml").write_text(
        f'[project]\nname = "{name}"\ndefault_cloud = "aws"\n\n'
        f'[clouds.aws]\nendpoint_url = "{endpoint}"\nregion = "us-east-1"\n')
    (root / "requirements.txt").write_text("numpy\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "remote", "add", "origin", TOKEN_URL], check=True)
    return root


@pytest.fixture
def aws_env(isolated, ec2_server, monkeypatch) -> str:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return ec2_server.url


@pytest.fixture
def aws_project(isolated, aws_env) -> Path:
    import secrets

    return make_project(isolated, f"penguins-{secrets.token_hex(3)}", aws_env)


@pytest.fixture
def ami(aws_env) -> str:
    """A real AMI id from moto's catalogue (a Debian image is not in it)."""
    images = ec2_client(aws_env).describe_images(Filters=[{"Name": "name", "Values": ["ubuntu*"]}])
    return images["Images"][0]["ImageId"]


def tagged(url: str, project: str) -> dict[str, list[str]]:
    """Everything still tagged with ``project``, listed straight from EC2 (not through octoup)."""
    client = ec2_client(url)
    by_tag = [{"Name": "tag:octoup-project", "Values": [project]}]
    instances = [i["InstanceId"] for r in client.describe_instances(Filters=by_tag)["Reservations"]
                 for i in r["Instances"] if i["State"]["Name"] != "terminated"]
    return {
        "instances": instances,
        "volumes": [v["VolumeId"] for v in client.describe_volumes(Filters=by_tag)["Volumes"]],
        "security-groups": [g["GroupId"] for g in
                            client.describe_security_groups(Filters=by_tag)["SecurityGroups"]],
        "key-pairs": [k["KeyName"] for k in client.describe_key_pairs(Filters=by_tag)["KeyPairs"]],
    }
