"""octoup up --cloud aws and octoup compute ls/status/ssh/down against a real moto EC2 server:
create, inspect and tear down, then list EC2 directly to prove nothing is left."""

from __future__ import annotations

import base64
import json

import yaml

from tests.compute.conftest import SECRET_KEY, ec2_client, make_project, tagged


def test_up_status_ssh_down_leaves_nothing(octoup, aws_project, aws_env, ami):
    name = aws_project.joinpath("octoup.toml").read_text().split('"')[1]
    result = octoup("up", "--cloud", "aws", "--size", "small", "--image", ami, "--name", "m1")
    assert result.returncode == 0, result.stderr
    assert "small = t3.medium on aws ($0.0416/hour; chosen with --size)" in result.stderr
    assert "octoup compute ssh m1" in result.stderr

    listed = json.loads(octoup("compute", "ls", "--json").stdout)
    assert [(m["name"], m["instance_type"], m["size"], m["project"]) for m in listed] == [
        ("m1", "t3.medium", "small", name)]
    assert listed[0]["state"] in ("pending", "running")
    status = octoup("compute", "status", "m1")
    assert status.returncode == 0, status.stderr
    for kind in ("instance", "volume", "security-group", "key-pair"):
        assert f"  {kind}: " in status.stdout
    left = tagged(aws_env, name)
    assert all(len(ids) == 1 for ids in left.values()), left

    # the machine's cloud-init clones the project (credentials stripped) and runs octoup up
    client = ec2_client(aws_env)
    user_data = base64.b64decode(client.describe_instance_attribute(
        InstanceId=left["instances"][0], Attribute="userData")["UserData"]["Value"]).decode()
    config = yaml.safe_load(user_data)
    commands = "\n".join(config["runcmd"])
    assert "https://github.com/sarah/penguins.git" in commands
    assert "octoup up" in commands and "jupyter lab" in commands and "--ip=127.0.0.1" in commands
    assert "ghp_" not in user_data and SECRET_KEY not in user_data
    assert config["users"][1]["ssh_authorized_keys"][0].startswith("ssh-ed25519 ")

    ssh = octoup("compute", "ssh", "m1", "--print")
    assert ssh.returncode == 0, ssh.stderr
    assert "-L 8888:localhost:8888" in ssh.stdout and " octo@" in ssh.stdout
    assert ".ssh/octoup_ed25519" in ssh.stdout

    down = octoup("compute", "down", "m1")
    assert down.returncode == 0, down.stderr
    assert f"nothing tagged with {name} is left on aws" in down.stderr
    assert tagged(aws_env, name) == {"instances": [], "volumes": [], "security-groups": [],
                                     "key-pairs": []}
    assert json.loads(octoup("compute", "ls", "--json").stdout) == []
    again = octoup("compute", "down")
    assert again.returncode == 0 and f"nothing tagged with {name} on aws: nothing to delete" in again.stderr


def test_failed_up_tears_down_what_it_created(octoup, aws_project, aws_env):
    name = aws_project.joinpath("octoup.toml").read_text().split('"')[1]
    result = octoup("up", "--cloud", "aws", "--size", "small", "--image", "ami-0badbadbadbad0000")
    assert result.returncode == 2
    assert "InvalidAMIID" in result.stderr and "Traceback" not in result.stderr
    assert "Deleted what had been created: key-pair" in result.stderr
    assert "security-group sg-" in result.stderr
    assert tagged(aws_env, name) == {"instances": [], "volumes": [], "security-groups": [],
                                     "key-pairs": []}


def test_down_all_removes_every_project(octoup, aws_project, aws_env, ami, tmp_path):
    first = aws_project.joinpath("octoup.toml").read_text().split('"')[1]
    other = make_project(tmp_path / "other", first + "-b", aws_env)
    assert octoup("up", "--cloud", "aws", "--image", ami, "--size", "gpu").returncode == 0
    made = octoup("up", "--cloud", "aws", "--image", ami, "--size", "medium", cwd=other)
    assert made.returncode == 0, made.stderr
    everything = json.loads(octoup("compute", "ls", "--all", "--json").stdout)
    assert {(m["project"], m["instance_type"]) for m in everything} >= {
        (first, "g4dn.xlarge"), (first + "-b", "m5.xlarge")}
    down = octoup("compute", "down", "--all")
    assert down.returncode == 0, down.stderr
    for project in (first, first + "-b"):
        assert tagged(aws_env, project) == {"instances": [], "volumes": [], "security-groups": [],
                                            "key-pairs": []}


def test_bad_input_is_refused_before_anything_is_created(octoup, aws_project, aws_env, ami):
    name = aws_project.joinpath("octoup.toml").read_text().split('"')[1]
    unknown = octoup("up", "--cloud", "aws", "--size", "huge", "--image", ami)
    assert unknown.returncode == 2 and "unknown size 'huge'" in unknown.stderr
    assert "small, medium, large, gpu" in unknown.stderr
    missing = octoup("compute", "status", "nope")
    assert missing.returncode == 2 and "no machine 'nope'" in missing.stderr
    no_compute = octoup("up", "--cloud", "local")
    assert no_compute.returncode == 2 and "has no compute adapter" in no_compute.stderr
    assert tagged(aws_env, name)["instances"] == []


def test_missing_credentials_say_what_to_set(octoup, aws_project, aws_env, ami, isolated):
    env = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
           "AWS_SHARED_CREDENTIALS_FILE": str(isolated / "none"), "AWS_CONFIG_FILE": str(isolated / "none")}
    result = octoup("up", "--cloud", "aws", "--image", ami, env=env)
    assert result.returncode == 2
    assert "no AWS credentials found" in result.stderr and "AWS_ACCESS_KEY_ID" in result.stderr


def test_project_without_git_remote_is_refused(octoup, aws_project, ami):
    import subprocess

    subprocess.run(["git", "-C", str(aws_project), "remote", "remove", "origin"], check=True)
    result = octoup("up", "--cloud", "aws", "--image", ami)
    assert result.returncode == 2 and "no git remote 'origin'" in result.stderr


def test_quota_error_from_recorded_ec2_reply_is_clear_and_tears_down(tmp_path, monkeypatch):
    """No emulator returns quota errors, so the EC2 replies here are recorded API shapes played
    back with botocore's Stubber (the adapter code and the teardown are the real ones)."""
    import pytest
    from botocore.stub import Stubber
    from octoup_aws.compute import Ec2Compute, QuotaError
    from octoup_aws.settings import AwsSettings

    from octoup.compute.machines import teardown
    from octoup.provider import CloudResource, MachineSpec

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    compute = Ec2Compute(AwsSettings(region="us-east-1"), project="p")
    spec = MachineSpec(name="octoup-p-1", project="p", size="gpu", instance_type="g4dn.xlarge",
                       image="ami-0123456789abcdef0", user_data="#cloud-config\n",
                       ssh_public_key="ssh-ed25519 AAAA test", disk_gb=200)
    with Stubber(compute.client) as stub:
        stub.add_response("import_key_pair", {"KeyName": spec.name, "KeyPairId": "key-1"})
        stub.add_response("create_security_group", {"GroupId": "sg-0abc"})
        stub.add_response("authorize_security_group_ingress", {"Return": True})
        stub.add_client_error(
            "run_instances", service_error_code="VcpuLimitExceeded", http_status_code=400,
            service_message="You have requested more vCPU capacity than your current vCPU limit of 0 allows")
        stub.add_response("delete_security_group", {}, {"GroupId": "sg-0abc"})
        stub.add_response("delete_key_pair", {}, {"KeyName": spec.name})
        created: list[CloudResource] = []
        with pytest.raises(QuotaError) as caught:
            compute.create(spec, created)
        assert "VcpuLimitExceeded" in caught.value.message and "quota" in caught.value.hint
        assert [r.kind for r in created] == ["key-pair", "security-group"]
        assert teardown(compute, created) == []
        stub.assert_no_pending_responses()
