"""octoup's AWS stack: the project's bucket, an SSH-only security group, a machine role that may
use the bucket and, when a size is chosen, one EC2 machine that runs ``octoup up``.

Parameters come from ``octoup-stack.json`` beside this file (written by ``octoup stack export``)
or from the file named by ``OCTOUP_STACK_PARAMS`` (how ``octoup stack preview`` runs it)."""

import json
import os
from pathlib import Path

import pulumi
import pulumi_aws as aws

params = json.loads(Path(os.environ.get("OCTOUP_STACK_PARAMS")
                         or Path(__file__).with_name("octoup-stack.json")).read_text())
name, tags = params["name"], params["tags"]

bucket = aws.s3.Bucket("bucket", bucket=params["bucket"], tags=tags)
role = aws.iam.Role("machine-role", name=f"{name}-machine", tags=tags, assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                   "Principal": {"Service": "ec2.amazonaws.com"}}]}))
aws.iam.RolePolicy("bucket-access", role=role.id, policy=bucket.arn.apply(lambda arn: json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject", "s3:PutObject"],
                   "Resource": [arn, f"{arn}/*"]}]})))
profile = aws.iam.InstanceProfile("machine-profile", name=f"{name}-machine", role=role.name, tags=tags)
group = aws.ec2.SecurityGroup(
    "ssh", name=name, description=f"octoup machine {name}: SSH only", tags=tags,
    ingress=[{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}],
    egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}])
pulumi.export("bucket", bucket.bucket)

if params.get("instance_type"):
    key = aws.ec2.KeyPair("key", key_name=name, public_key=params["ssh_public_key"], tags=tags)
    image = params.get("image") or aws.ec2.get_ami(
        most_recent=True, owners=["136693071363"],
        filters=[{"name": "name", "values": ["debian-12-amd64-*"]}]).id
    machine = aws.ec2.Instance(
        "machine", ami=image, instance_type=params["instance_type"], key_name=key.key_name,
        vpc_security_group_ids=[group.id], iam_instance_profile=profile.name,
        user_data=params["user_data"], tags={**tags, "Name": name},
        root_block_device={"volume_size": params["disk_gb"], "delete_on_termination": True})
    pulumi.export("public_ip", machine.public_ip)
