"""The libcloud compute adapter (libcloud's EC2 driver) against the same moto EC2 server.

moto answers in the namespace ``http://ec2.amazonaws.com/doc/2016-11-15`` while libcloud parses
``.../2016-11-15/`` (AWS's own, with the slash), so these tests run the adapter in-process with
libcloud's NAMESPACE set to moto's; everything else is the real driver over HTTP."""

from __future__ import annotations

import pytest

from tests.compute.conftest import ACCESS_KEY, SECRET_KEY, make_project, tagged

EMPTY = {"instances": [], "volumes": [], "security-groups": [], "key-pairs": []}


@pytest.fixture
def libcloud_project(aws_env, isolated, monkeypatch):
    import secrets

    import libcloud.compute.drivers.ec2 as ec2

    monkeypatch.setattr(ec2, "NAMESPACE", "http://ec2.amazonaws.com/doc/2016-11-15")
    monkeypatch.setenv("OCTOUP_LIBCLOUD_KEY", ACCESS_KEY)
    monkeypatch.setenv("OCTOUP_LIBCLOUD_SECRET", SECRET_KEY)
    root = make_project(isolated / "lc", f"lc-{secrets.token_hex(3)}", aws_env)
    with (root / "octoup.toml").open("a") as handle:
        handle.write(f'\n[clouds.libcloud]\ndriver = "s3"\nendpoint_url = "{aws_env}"\n'
                     'region = "us-east-1"\n')
    from octoup.config import load

    return load(root)


def test_libcloud_ec2_driver_with_moto_namespace_create_list_down_leaves_nothing(libcloud_project, aws_env,
                                                                                  ami):
    from octoup.compute.machines import compute_for, down, up

    project = libcloud_project
    compute = compute_for(project, "libcloud")
    result = up(project, compute, size="medium", image=ami, name=f"octoup-{project.name}-lc")
    assert result.instance_type == "m5.xlarge"
    machines = compute.machines(project.name)
    assert [(m.name, m.instance_type, m.size) for m in machines] == [
        (f"octoup-{project.name}-lc", "m5.xlarge", "medium")]
    kinds = sorted(r.kind for r in compute.resources(project.name))
    assert kinds == ["instance", "key-pair", "security-group", "volume"]
    left = tagged(aws_env, project.name)
    assert [len(left[k]) for k in ("instances", "volumes", "security-groups")] == [1, 1, 1]
    found, left = down(compute, project.name, None)
    assert len(found) == 4 and left == []
    assert tagged(aws_env, project.name) == EMPTY
    assert compute.machines(project.name) == []


def test_libcloud_failed_create_tears_down_with_moto_namespace(libcloud_project, aws_env):
    from octoup.compute.machines import compute_for, up
    from octoup.errors import OctoupError

    project = libcloud_project
    with pytest.raises(OctoupError) as caught:
        up(project, compute_for(project, "libcloud"), size="small", image="ami-0badbadbadbad0000")
    # libcloud's EC2 driver drops moto's error body; the status and the step are what is left
    assert "refused starting a t3.medium node from ami-0badbadbadbad0000: HTTP 400" in caught.value.message
    assert "Deleted what had been created: key-pair" in caught.value.hint
    assert tagged(aws_env, project.name) == EMPTY
