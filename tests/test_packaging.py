"""The built wheels install into a fresh venv and carry templates/ and stacks/."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_built_wheels_install_into_a_fresh_venv(tmp_path):
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("uv is needed to build the wheels (scripts/test installs it)")
    dist = tmp_path / "dist"
    subprocess.run([uv, "build", "--all-packages", "--wheel", "-o", str(dist), "-q"], cwd=ROOT,
                   check=True)
    wheels = sorted(p.name.split("-")[0] for p in dist.glob("*.whl"))
    assert wheels == ["octoup", "octoup_aws", "octoup_azure", "octoup_gcp", "octoup_libcloud"]
    venv = tmp_path / "venv"
    subprocess.run([uv, "venv", "-q", "--python", "3.11", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([uv, "pip", "install", "-q", "--python", str(python), "--find-links", str(dist),
                    "octoup[aws]"], check=True)
    code = ("import json, octoup.resources as r; "
            "print(json.dumps([str(r.templates_dir()), str(r.stacks_dir())]))")
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True,
                         cwd=tmp_path)
    templates, stacks = map(Path, json.loads(out.stdout))
    assert "site-packages" in str(templates) and (templates / "README.md").is_file()
    assert "site-packages" in str(stacks) and (stacks / "README.md").is_file()
    octoup = venv / "bin" / "octoup"
    providers = subprocess.run([str(octoup), "providers", "--json", "--no-check"],
                               capture_output=True, text=True, check=True)
    installed = {row["name"] for row in json.loads(providers.stdout) if row["installed"]}
    assert installed == {"local", "aws"}
    demo = subprocess.run([str(octoup), "demo", str(tmp_path / "demo")], capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                          "OCTOUP_LOCAL_ROOT": str(tmp_path / "store")})
    assert demo.returncode == 0, demo.stderr
    assert "penguins/penguins.csv" in demo.stdout
    # the cookiecutter template (with its hooks and shared includes) works from the wheel
    created = subprocess.run([str(octoup), "create", "wheel-made", "--no-input"], cwd=tmp_path,
                             capture_output=True, text=True,
                             env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert created.returncode == 0, created.stderr
    assert "ruff" in (tmp_path / "wheel-made" / "requirements.txt").read_text()
    assert (tmp_path / "wheel-made" / ".devcontainer" / "devcontainer.json").is_file()
