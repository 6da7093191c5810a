"""Cloud compute for a project: cloud-neutral sizes, cloud-init, provisioning and teardown."""
