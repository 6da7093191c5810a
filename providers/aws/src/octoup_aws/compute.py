"""EC2 machines through boto3: a key pair, a security group (SSH only) and one instance, all
tagged with the project and the machine, so listing by tag finds everything to tear down."""

from __future__ import annotations

import time
from contextlib import contextmanager
from functools import cached_property

from octoup.errors import CredentialsError, OctoupError
from octoup.provider import (
    MACHINE_TAG,
    PROJECT_TAG,
    CloudResource,
    ComputeProvider,
    CredentialStatus,
    Machine,
    MachineSpec,
)
from octoup_aws import adaptor
from octoup_aws.settings import AwsSettings
from octoup_aws.storage import CREDENTIAL_CODES, CREDENTIALS_HINT

DEBIAN_OWNER = "136693071363"
DEBIAN_NAME = "debian-12-amd64-*"
QUOTA_CODES = {"InstanceLimitExceeded", "VcpuLimitExceeded", "MaxSpotInstanceCountExceeded",
               "InsufficientInstanceCapacity", "ResourceLimitExceeded", "SecurityGroupLimitExceeded",
               "KeyPairLimitExceeded", "VolumeLimitExceeded"}
GONE_CODES = {"InvalidInstanceID.NotFound", "InvalidVolume.NotFound", "InvalidGroup.NotFound",
              "InvalidKeyPair.NotFound"}
LIVE_STATES = ["pending", "running", "stopping", "stopped", "shutting-down"]


class QuotaError(OctoupError):
    """The cloud refused for a quota or capacity limit."""


def _tags(items) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in items or ()}


class Ec2Compute(ComputeProvider):
    name = "aws"
    settings: AwsSettings

    @cached_property
    def client(self):
        session = adaptor.boto3().session.Session(profile_name=self.settings.profile,
                                                  region_name=self.settings.region)
        with self._errors("creating the EC2 client"):
            return session.client("ec2", endpoint_url=self.settings.endpoint_url,
                                  region_name=self.settings.region or session.region_name or "us-east-1")

    @contextmanager
    def _errors(self, doing: str):
        exc_mod = adaptor.botocore_exceptions()
        try:
            yield
        except exc_mod.NoCredentialsError:
            raise CredentialsError("No AWS credentials found.", CREDENTIALS_HINT) from None
        except exc_mod.EndpointConnectionError as exc:
            raise OctoupError(f"Cannot reach EC2 at {exc.kwargs.get('endpoint_url')}.",
                              "Check clouds.aws.endpoint_url and your network.") from None
        except exc_mod.ClientError as exc:
            error = exc.response.get("Error", {})
            code, message = str(error.get("Code", "")), error.get("Message", "")
            if code in CREDENTIAL_CODES or code in {"AuthFailure", "UnauthorizedOperation"}:
                raise CredentialsError(f"AWS refused {doing} ({code}).", CREDENTIALS_HINT) from None
            if code in QUOTA_CODES:
                raise QuotaError(f"AWS refused {doing}: {code}: {message}",
                                 "Pick a smaller --size or another region, or ask AWS for a "
                                 "higher quota (Service Quotas console, EC2).") from None
            raise OctoupError(f"AWS refused {doing}: {code}: {message}".rstrip(": ")) from None

    def check_credentials(self) -> CredentialStatus:
        from octoup_aws.storage import S3Storage

        return S3Storage(self.settings, project=self.project).check_credentials()

    # -- create -----------------------------------------------------------------------------

    def create(self, spec: MachineSpec, created: list[CloudResource]) -> Machine:
        tags = [{"Key": key, "Value": value} for key, value in spec.tags.items()]
        image = spec.image or self._debian_image()
        with self._errors(f"importing key pair {spec.name}"):
            self.client.import_key_pair(
                KeyName=spec.name, PublicKeyMaterial=spec.ssh_public_key.encode(),
                TagSpecifications=[{"ResourceType": "key-pair", "Tags": tags}])
        created.append(CloudResource("key-pair", spec.name, spec.name))
        with self._errors(f"creating security group {spec.name}"):
            group = self.client.create_security_group(
                GroupName=spec.name, Description=f"octoup machine {spec.name}: SSH only",
                TagSpecifications=[{"ResourceType": "security-group", "Tags": tags}])["GroupId"]
        created.append(CloudResource("security-group", group, spec.name))
        with self._errors(f"opening SSH on {group}"):
            self.client.authorize_security_group_ingress(
                GroupId=group, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                                               "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        with self._errors(f"starting a {spec.instance_type} instance from {image}"):
            reply = self.client.run_instances(
                ImageId=image, InstanceType=spec.instance_type, MinCount=1, MaxCount=1,
                KeyName=spec.name, SecurityGroupIds=[group], UserData=spec.user_data,
                BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {
                    "VolumeSize": spec.disk_gb, "VolumeType": "gp3", "DeleteOnTermination": True}}],
                TagSpecifications=[
                    {"ResourceType": kind, "Tags": [*tags, {"Key": "Name", "Value": spec.name}]}
                    for kind in ("instance", "volume")])
        instance = reply["Instances"][0]
        created.append(CloudResource("instance", instance["InstanceId"], spec.name))
        return self._machine(instance)

    def _debian_image(self) -> str:
        with self._errors("looking up the Debian 12 image"):
            images = self.client.describe_images(
                Owners=[DEBIAN_OWNER], Filters=[{"Name": "name", "Values": [DEBIAN_NAME]}])["Images"]
        if not images:
            raise OctoupError(f"no Debian 12 image found in {self.client.meta.region_name}",
                              "Pass --image AMI_ID.")
        return max(images, key=lambda image: image.get("CreationDate", ""))["ImageId"]

    # -- read -------------------------------------------------------------------------------

    def _machine(self, instance) -> Machine:
        tags = _tags(instance.get("Tags"))
        return Machine(cloud=self.name, id=instance["InstanceId"], name=tags.get(MACHINE_TAG, ""),
                       project=tags.get(PROJECT_TAG, ""), state=instance["State"]["Name"],
                       instance_type=instance["InstanceType"], size=tags.get("octoup-size"),
                       public_ip=instance.get("PublicIpAddress"),
                       private_ip=instance.get("PrivateIpAddress"), launched=instance.get("LaunchTime"),
                       ssh_user="octo")

    def _filters(self, project: str | None, machine: str | None) -> list[dict]:
        filters = [{"Name": f"tag:{PROJECT_TAG}", "Values": [project]} if project
                   else {"Name": "tag-key", "Values": [PROJECT_TAG]}]
        if machine:
            filters.append({"Name": f"tag:{MACHINE_TAG}", "Values": [machine]})
        return filters

    def _instances(self, project: str | None, machine: str | None = None) -> list[dict]:
        filters = [*self._filters(project, machine),
                   {"Name": "instance-state-name", "Values": LIVE_STATES}]
        with self._errors("listing instances"):
            pages = self.client.get_paginator("describe_instances").paginate(Filters=filters)
            return [instance for page in pages for reservation in page["Reservations"]
                    for instance in reservation["Instances"]]

    def machines(self, project: str | None) -> list[Machine]:
        return sorted((self._machine(i) for i in self._instances(project)), key=lambda m: m.name)

    def resources(self, project: str | None, machine: str | None = None) -> list[CloudResource]:
        filters = self._filters(project, machine)
        found = [CloudResource("instance", i["InstanceId"], _tags(i.get("Tags")).get(MACHINE_TAG),
                               i["State"]["Name"]) for i in self._instances(project, machine)]
        with self._errors("listing volumes, security groups and key pairs"):
            found += [CloudResource("volume", v["VolumeId"], _tags(v.get("Tags")).get(MACHINE_TAG),
                                    v["State"])
                      for v in self.client.describe_volumes(Filters=filters)["Volumes"]]
            found += [CloudResource("security-group", g["GroupId"],
                                    _tags(g.get("Tags")).get(MACHINE_TAG))
                      for g in self.client.describe_security_groups(Filters=filters)["SecurityGroups"]]
            found += [CloudResource("key-pair", k["KeyName"], _tags(k.get("Tags")).get(MACHINE_TAG))
                      for k in self.client.describe_key_pairs(Filters=filters)["KeyPairs"]]
        return found

    # -- delete -----------------------------------------------------------------------------

    def delete(self, resource: CloudResource) -> None:
        exc_mod = adaptor.botocore_exceptions()
        calls = {
            "instance": lambda: self._terminate(resource.id),
            "volume": lambda: self.client.delete_volume(VolumeId=resource.id),
            "security-group": lambda: self.client.delete_security_group(GroupId=resource.id),
            "key-pair": lambda: self.client.delete_key_pair(KeyName=resource.id),
        }
        with self._errors(f"deleting {resource.kind} {resource.id}"):
            try:
                calls[resource.kind]()
            except exc_mod.ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in GONE_CODES:
                    raise

    def _terminate(self, instance_id: str, timeout: float = 600) -> None:
        self.client.terminate_instances(InstanceIds=[instance_id])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self.client.describe_instances(InstanceIds=[instance_id])
            states = [i["State"]["Name"] for r in reply["Reservations"] for i in r["Instances"]]
            if all(state == "terminated" for state in states):
                return
            time.sleep(2)
        raise OctoupError(f"instance {instance_id} did not terminate within {timeout:.0f} s",
                          "Run `octoup compute down` again in a minute.")
