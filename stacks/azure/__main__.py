"""octoup's Azure stack: a resource group holding the project's storage account and container, a
network with an SSH-only security group, a managed identity that may use the storage and, when a
size is chosen, one VM that runs ``octoup up``.

Parameters: ``octoup-stack.json`` beside this file, or the file named by ``OCTOUP_STACK_PARAMS``."""

import base64
import json
import os
import re
from pathlib import Path

import pulumi
from pulumi_azure_native import authorization, compute, managedidentity, network, resources, storage

params = json.loads(Path(os.environ.get("OCTOUP_STACK_PARAMS")
                         or Path(__file__).with_name("octoup-stack.json")).read_text())
name, tags = params["name"], params["tags"]
location = params.get("region") or "eastus"
BLOB_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"

group = resources.ResourceGroup("group", resource_group_name=name, location=location, tags=tags)
account = storage.StorageAccount(
    "storage", account_name=re.sub(r"[^a-z0-9]", "", name)[:24], resource_group_name=group.name,
    location=location, kind="StorageV2", sku={"name": "Standard_LRS"}, tags=tags,
    allow_blob_public_access=False, minimum_tls_version="TLS1_2")
container = storage.BlobContainer("bucket", container_name=params["bucket"], account_name=account.name,
                                  resource_group_name=group.name)
identity = managedidentity.UserAssignedIdentity("machine-identity", resource_name_=f"{name}-machine",
                                                resource_group_name=group.name, location=location, tags=tags)
authorization.RoleAssignment(
    "bucket-access", principal_id=identity.principal_id, principal_type="ServicePrincipal",
    scope=account.id, role_definition_id=pulumi.Output.concat(
        "/providers/Microsoft.Authorization/roleDefinitions/", BLOB_CONTRIBUTOR))
nsg = network.NetworkSecurityGroup("ssh", network_security_group_name=f"{name}-ssh",
                                   resource_group_name=group.name, location=location, tags=tags,
                                   security_rules=[{"name": "ssh", "priority": 1000, "direction": "Inbound",
                                                    "access": "Allow", "protocol": "Tcp",
                                                    "source_port_range": "*", "destination_port_range": "22",
                                                    "source_address_prefix": "*",
                                                    "destination_address_prefix": "*"}])
vnet = network.VirtualNetwork("network", virtual_network_name=name, resource_group_name=group.name,
                              location=location, tags=tags,
                              address_space={"address_prefixes": ["10.42.0.0/16"]})
subnet = network.Subnet("subnet", subnet_name="default", resource_group_name=group.name,
                        virtual_network_name=vnet.name, address_prefix="10.42.1.0/24",
                        network_security_group={"id": nsg.id})
pulumi.export("container", container.name)

if params.get("instance_type"):
    address = network.PublicIPAddress("address", public_ip_address_name=name, resource_group_name=group.name,
                                      location=location, tags=tags, public_ip_allocation_method="Static",
                                      sku={"name": "Standard"})
    nic = network.NetworkInterface("nic", network_interface_name=name, resource_group_name=group.name,
                                   location=location, tags=tags,
                                   ip_configurations=[{"name": "primary", "subnet": {"id": subnet.id},
                                                       "public_ip_address": {"id": address.id}}])
    machine = compute.VirtualMachine(
        "machine", vm_name=name, resource_group_name=group.name, location=location, tags=tags,
        hardware_profile={"vm_size": params["instance_type"]},
        identity={"type": "UserAssigned", "user_assigned_identities": [identity.id]},
        network_profile={"network_interfaces": [{"id": nic.id, "primary": True}]},
        os_profile={"computer_name": name[:15], "admin_username": "octo",
                    "custom_data": base64.b64encode(params["user_data"].encode()).decode(),
                    "linux_configuration": {"disable_password_authentication": True, "ssh": {
                        "public_keys": [{"path": "/home/octo/.ssh/authorized_keys",
                                         "key_data": params["ssh_public_key"]}]}}},
        storage_profile={"image_reference": {"publisher": "Debian", "offer": "debian-12",
                                             "sku": "12-gen2", "version": "latest"},
                         "os_disk": {"create_option": "FromImage", "delete_option": "Delete",
                                     "disk_size_gb": params["disk_gb"]}})
    pulumi.export("public_ip", address.ip_address)
