"""The cloud-init user data a new machine boots with: install octoup, clone the project, run
``octoup up``, and start Jupyter on localhost (reached through an SSH tunnel, never opened to the
internet). It never holds a credential: the clone URL is stripped of any user or token."""

from __future__ import annotations

import shlex
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml

from octoup import __version__
from octoup.errors import OctoupError

JUPYTER_PORT = 8888


def public_url(url: str) -> str:
    """``url`` without credentials (https://user:token@host/x → https://host/x)."""
    if "://" not in url:
        return url  # scp-like git@host:path: the key stays on the user's machine
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def origin_url(root: Path) -> str:
    """The project's ``origin`` remote without credentials; an error when there is none."""
    from octoup import git

    try:
        url = git.run(root, "remote", "get-url", "origin").strip()
    except OctoupError:
        url = ""
    if not url:
        raise OctoupError(f"{root} has no git remote 'origin' for the machine to clone",
                          "Push the project to a git host first (git remote add origin URL; git push).")
    return public_url(url)


def render(*, repo_url: str, project: str, ssh_public_key: str, ref: str | None = None,
           user: str = "octo") -> str:
    """The ``#cloud-config`` document (user ``user`` gets ``ssh_public_key``; no secret in it)."""
    folder = f"/home/{user}/{project}"
    clone = ["git", "clone", *(["--branch", ref] if ref else []), repo_url, folder]
    jupyter = (f"cd {folder} && nohup ~/.octoup-tool/bin/jupyter lab --no-browser --ip=127.0.0.1 "
               f"--port={JUPYTER_PORT} > ~/jupyter.log 2>&1 &")
    commands = [
        "python3 -m venv ~/.octoup-tool",
        f"~/.octoup-tool/bin/pip install 'octoup[all]>={__version__}' jupyterlab",
        shlex.join(clone),
        f"cd {folder} && ~/.octoup-tool/bin/octoup up",
        jupyter,
    ]
    steps = [f"sudo -u {user} -H bash -lc {shlex.quote(command)}" for command in commands]
    config = {
        "users": ["default", {"name": user, "shell": "/bin/bash", "sudo": "ALL=(ALL) NOPASSWD:ALL",
                                     "ssh_authorized_keys": [ssh_public_key.strip()]}],
        "package_update": True,
        "packages": ["git", "git-lfs", "python3-venv", "python3-pip"],
        "runcmd": steps,
    }
    return "#cloud-config\n" + yaml.safe_dump(config, sort_keys=False, width=1000)
