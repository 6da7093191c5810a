"""octoup's GCP stack: the project's bucket, a network with an SSH-only firewall, a service
account that may use the bucket and, when a size is chosen, one VM that runs ``octoup up``.

Parameters: ``octoup-stack.json`` beside this file, or the file named by ``OCTOUP_STACK_PARAMS``."""

import json
import os
from pathlib import Path

import pulumi
import pulumi_gcp as gcp

params = json.loads(Path(os.environ.get("OCTOUP_STACK_PARAMS")
                         or Path(__file__).with_name("octoup-stack.json")).read_text())
name, labels = params["name"], params["tags"]
region = params.get("region") or "us-central1"

bucket = gcp.storage.Bucket("bucket", name=params["bucket"], location=region.upper(), labels=labels,
                            uniform_bucket_level_access=True)
account = gcp.serviceaccount.Account("machine-account", account_id=name[:30].rstrip("-"),
                                     display_name=f"octoup machine {name}")
gcp.storage.BucketIAMMember("bucket-access", bucket=bucket.name, role="roles/storage.objectAdmin",
                            member=account.email.apply(lambda email: f"serviceAccount:{email}"))
network = gcp.compute.Network("network", name=name, auto_create_subnetworks=True)
gcp.compute.Firewall("ssh", name=f"{name}-ssh", network=network.self_link,
                     allows=[{"protocol": "tcp", "ports": ["22"]}], source_ranges=["0.0.0.0/0"],
                     target_tags=[name])
pulumi.export("bucket", bucket.url)

if params.get("instance_type"):
    machine = gcp.compute.Instance(
        "machine", name=name, machine_type=params["instance_type"], zone=f"{region}-a", labels=labels,
        tags=[name],
        boot_disk={"initialize_params": {"image": params.get("image") or "debian-cloud/debian-12",
                                         "size": params["disk_gb"]}, "auto_delete": True},
        network_interfaces=[{"network": network.self_link, "access_configs": [{}]}],
        metadata={"user-data": params["user_data"],
                  "ssh-keys": f"octo:{params['ssh_public_key']}"},
        service_account={"email": account.email, "scopes": ["cloud-platform"]},
        # g2 machine types come with their L4 GPU attached; GPU VMs cannot live-migrate
        scheduling={"on_host_maintenance": "TERMINATE"} if params.get("gpus") else None)
    pulumi.export("public_ip", machine.network_interfaces[0].access_configs[0].nat_ip)
