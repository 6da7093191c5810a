"""octoup stack preview/export/up: the real Pulumi programs in stacks/ run under Pulumi's mock
runtime (no Pulumi CLI or engine exists here); live state comes from moto S3 + EC2 for aws."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

from tests.compute.conftest import SECRET_KEY, TOKEN_URL, ec2_client


def project_name(root) -> str:
    return (root / "octoup.toml").read_text().split('"')[1]


def types(plan: dict) -> dict[str, str]:
    return {step["type"]: step["op"] for step in plan["plan"]["steps"]}


def test_aws_preview_offline_lists_bucket_network_identity_and_machine(octoup, aws_project):
    name = project_name(aws_project)
    result = octoup("stack", "preview", "--cloud", "aws", "--size", "gpu", "--image", "ami-1", "--no-live",
                    "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    resources = {r["type"]: r["inputs"] for r in data["resources"]}
    assert resources["aws:s3/bucket:Bucket"]["bucket"] == f"octoup-{name}"
    assert resources["aws:ec2/instance:Instance"]["instanceType"] == "g4dn.xlarge"
    assert resources["aws:ec2/instance:Instance"]["rootBlockDevice"]["volumeSize"] == 200
    ingress = resources["aws:ec2/securityGroup:SecurityGroup"]["ingress"]
    assert [(rule["fromPort"], rule["toPort"]) for rule in ingress] == [(22, 22)]
    assert "aws:iam/role:Role" in resources and "aws:iam/rolePolicy:RolePolicy" in resources
    assert all(op == "+" for op in types(data).values())
    for resource in data["resources"]:
        if "tags" in resource["inputs"]:
            assert resource["inputs"]["tags"]["octoup-project"] == name
    # the machine's user data clones without the token in the remote URL; no cloud secret anywhere
    assert "ghp_" not in result.stdout and SECRET_KEY not in result.stdout
    assert "https://github.com/sarah/penguins.git" in resources["aws:ec2/instance:Instance"]["userData"]


def test_aws_preview_compares_with_live_state(octoup, aws_project, aws_env):
    name = project_name(aws_project)
    import boto3

    s3 = boto3.client("s3", endpoint_url=aws_env, region_name="us-east-1")
    s3.create_bucket(Bucket=f"octoup-{name}")
    image = ec2_client(aws_env).describe_images()["Images"][0]["ImageId"]
    made = octoup("up", "--cloud", "aws", "--size", "small", "--image", image, "--name", f"octoup-{name}-aws")
    assert made.returncode == 0, made.stderr
    result = octoup("stack", "preview", "--cloud", "aws", "--size", "medium", "--image", image)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "buckets from the aws storage adapter" in text and "machines from the aws compute adapter" in text
    lines = {line.split()[1]: line for line in text.splitlines() if line[:4].strip() in "+~-=?"
             and len(line.split()) > 2}
    assert lines["aws:s3/bucket:Bucket"].lstrip().startswith("=")
    assert "~" in lines["aws:ec2/instance:Instance"][:4]
    assert "instanceType: t3.medium => m5.xlarge" in lines["aws:ec2/instance:Instance"]
    assert lines["aws:ec2/securityGroup:SecurityGroup"].lstrip().startswith("=")
    assert lines["aws:iam/role:Role"].lstrip().startswith("?")
    # without a size the program has no machine: the live one is to be deleted
    plain = json.loads(octoup("stack", "preview", "--cloud", "aws", "--json").stdout)
    deletes = {s["type"] for s in plain["plan"]["steps"] if s["op"] == "-"}
    assert {"instance", "key-pair", "volume"} <= deletes
    assert octoup("compute", "down").returncode == 0


def test_gcp_and_azure_programs_run_under_mocks(octoup, aws_project):
    result = octoup("stack", "preview", "--cloud", "gcp", "--size", "gpu", "--no-live", "--json")
    assert result.returncode == 0, result.stderr
    gcp = json.loads(result.stdout)
    resources = {r["type"]: r["inputs"] for r in gcp["resources"]}
    assert resources["gcp:compute/instance:Instance"]["machineType"] == "g2-standard-4"
    assert resources["gcp:compute/instance:Instance"]["scheduling"] == {"onHostMaintenance": "TERMINATE"}
    assert resources["gcp:compute/firewall:Firewall"]["allows"] == [{"protocol": "tcp", "ports": ["22"]}]
    assert "gcp:storage/bucketIAMMember:BucketIAMMember" in resources
    azure = json.loads(octoup("stack", "preview", "--cloud", "azure", "--size", "small", "--no-live",
                              "--json").stdout)
    resources = {r["type"]: r["inputs"] for r in azure["resources"]}
    assert resources["azure-native:compute:VirtualMachine"]["hardwareProfile"] == {"vmSize": "Standard_B2s"}
    assert "azure-native:storage:BlobContainer" in resources
    assert "azure-native:authorization:RoleAssignment" in resources
    assert "azure-native:network:NetworkSecurityGroup" in resources


def test_preview_without_the_cloud_package_says_what_to_install(octoup, aws_project, tmp_path):
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "pulumi_gcp.py").write_text("raise ModuleNotFoundError(\"No module named 'pulumi_gcp'\")\n")
    result = octoup("stack", "preview", "--cloud", "gcp", "--no-live", env={"PYTHONPATH": str(shadow)})
    assert result.returncode == 2
    assert "needs the Python package 'pulumi-gcp'" in result.stderr
    assert "pip install pulumi-gcp" in result.stderr and "Traceback" not in result.stderr
    unknown = octoup("stack", "preview", "--cloud", "ibm")
    assert unknown.returncode == 2 and "no stack for cloud 'ibm'" in unknown.stderr


def test_export_writes_a_standalone_project_without_secrets(octoup, aws_project, tmp_path):
    target = tmp_path / "infra"
    result = octoup("stack", "export", str(target), "--cloud", "aws", "--size", "small")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in target.iterdir()) == ["Pulumi.yaml", "__main__.py", "octoup-stack.json",
                                                        "requirements.txt"]
    assert "runtime:\n  name: python" in (target / "Pulumi.yaml").read_text()
    assert "pulumi-aws" in (target / "requirements.txt").read_text()
    ast.parse((target / "__main__.py").read_text())
    everything = "".join(p.read_text() for p in target.iterdir())
    assert SECRET_KEY not in everything and "ghp_" not in everything and TOKEN_URL not in everything
    assert json.loads((target / "octoup-stack.json").read_text())["instance_type"] == "t3.medium"
    again = octoup("stack", "export", str(target), "--cloud", "aws")
    assert again.returncode == 2 and "is not empty" in again.stderr
    # the exported program is the real one: it runs under the same mocks from its own folder
    code = ("from pathlib import Path; import json, sys; from octoup.iac.params import StackParams; "
            "from octoup.iac.mocked import desired; d = Path(sys.argv[1]); "
            "p = StackParams(**json.loads((d / 'octoup-stack.json').read_text())); "
            "print(len(desired(p, d)))")
    run = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "7"


def test_stack_up_without_pulumi_cli_says_how_to_install(octoup, aws_project):
    result = octoup("stack", "up", "--cloud", "aws", env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    assert "need the Pulumi CLI" in result.stderr and "get.pulumi.com" in result.stderr
    assert "Traceback" not in result.stderr


def test_gcp_preview_reads_the_bucket_from_the_gcs_emulator(octoup, isolated, gcs_emulator, monkeypatch):
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    (isolated / "octoup.toml").write_text(
        '[project]\nname = "weather"\n\n'
        f'[clouds.gcp]\nendpoint_url = "{gcs_emulator.url}"\nbucket = "weather-stack-test"\n')

    def plan() -> dict[str, str]:
        result = octoup("stack", "preview", "--cloud", "gcp", "--json")
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert "buckets from the gcp storage adapter" in data["plan"]["live"]
        # no project id for Compute Engine here: the machines are reported as not read
        assert "machines not read: no Google Cloud project" in data["plan"]["live"]
        return types(data)

    assert plan()["gcp:storage/bucket:Bucket"] == "+"
    from octoup import registry
    from octoup.config import load

    project = load(isolated)
    registry.for_project(project, "gcp").ensure_bucket("weather-stack-test")
    steps = plan()
    assert steps["gcp:storage/bucket:Bucket"] == "="
    assert steps["gcp:compute/firewall:Firewall"] == "?"
