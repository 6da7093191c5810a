"""``octoup compute``: the machines ``octoup up --cloud`` made: list, inspect, connect, tear down."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="List, inspect, connect to and tear down cloud machines.",
                  no_args_is_help=True, rich_markup_mode=None)

CloudOpt = Annotated[str | None, typer.Option(
    "--cloud", help="Cloud (default: the project's default_cloud).")]
AllOpt = Annotated[bool, typer.Option("--all", help="Every octoup machine, any project.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _context(cloud: str | None):
    from octoup.compute.machines import compute_for
    from octoup.config import open_project

    project = open_project(Path.cwd(), create=False)
    name = cloud or project.config.project.default_cloud
    return project, compute_for(project, name)


def provision(folder: Path, cloud: str, size: str | None, *, image: str | None = None,
              name: str | None = None, as_json: bool = False) -> None:
    """``octoup up --cloud``: one machine that clones the project and runs ``octoup up``."""
    from octoup.cli.output import emit_json, say
    from octoup.compute.machines import compute_for, up
    from octoup.config import open_project
    from octoup.project_root import project_folder

    project = open_project(project_folder(folder), announce=say)
    result = up(project, compute_for(project, cloud), size=size, image=image, name=name, report=say)
    if as_json:
        emit_json(result)
        return
    machine = result.machine
    say(f"{machine.name} ({machine.id}) is {machine.state}: {result.instance_type}, "
        f"${result.price:.4f}/hour. It clones the project, runs `octoup up` and starts Jupyter.")
    say(f"connect: octoup compute ssh {machine.name}   (then open http://localhost:8888)")
    say(f"tear down: octoup compute down {machine.name}")


@app.command("sizes")
def sizes_cmd(cloud: CloudOpt = None, as_json: JsonOpt = False) -> None:
    """Cloud-neutral sizes, the instance type per cloud, its hourly price, and the recommendation."""
    from octoup.cli.output import emit_json, say, table
    from octoup.compute import sizes
    from octoup.project_root import project_folder

    known = sizes.sizes()
    clouds = [cloud] if cloud else sorted({c for s in known.values() for c in s.types})
    recommendation = sizes.recommend(project_folder(Path.cwd()))
    if as_json:
        emit_json({"sizes": known, "recommended": recommendation.size.name,
                   "reason": recommendation.reason})
        return
    rows = [[s.name, s.cpus, f"{s.memory_gb} GB", s.gpus or "",
             *[f"{s.for_cloud(c)[0]} ${s.for_cloud(c)[1]:.4f}/h" for c in clouds]]
            for s in known.values()]
    table(None, ["size", "cpus", "memory", "gpus", *clouds], rows)
    say(f"recommended for this project: {recommendation.size.name} ({recommendation.reason})")


@app.command("ls")
def ls(cloud: CloudOpt = None,
       all_projects: AllOpt = False,
       as_json: JsonOpt = False) -> None:
    """Machines of this project (or of every project with --all) that are not terminated."""
    from octoup.cli.output import emit_json, say, table

    project, provider = _context(cloud)
    machines = provider.machines(None if all_projects else project.name)
    if as_json:
        emit_json(machines)
        return
    if not machines:
        say(f"no machines on {provider.name} for {'any project' if all_projects else project.name}")
        return
    table(None, ["name", "id", "state", "type", "size", "ip", "project"],
          [[m.name, m.id, m.state, m.instance_type, m.size or "", m.public_ip or m.private_ip or "",
            m.project] for m in machines])


@app.command()
def status(name: Annotated[str, typer.Argument(help="Machine name or id.")], cloud: CloudOpt = None,
           as_json: JsonOpt = False) -> None:
    """One machine's state, address and what is tagged with it."""
    from octoup.cli.output import emit_json
    from octoup.compute.machines import find

    project, provider = _context(cloud)
    machine = find(provider, project.name, name)
    resources = provider.resources(project.name, machine.name)
    if as_json:
        emit_json({"machine": machine, "resources": resources})
        return
    print(f"{machine.name} ({machine.id}) on {machine.cloud}: {machine.state}, {machine.instance_type}"
          + (f", size {machine.size}" if machine.size else ""))
    print(f"  address: {machine.public_ip or machine.private_ip or 'none yet'}")
    for resource in resources:
        print(f"  {resource.kind}: {resource.id}" + (f" ({resource.state})" if resource.state else ""))


@app.command()
def ssh(name: Annotated[str, typer.Argument(help="Machine name or id.")], cloud: CloudOpt = None,
        print_only: Annotated[bool, typer.Option("--print", help="Print the ssh command only.")] = False,
        ) -> None:
    """Connect with octoup's key, tunnelling Jupyter to http://localhost:8888."""
    import os
    import shlex

    from octoup.compute.machines import find, ssh_command

    project, provider = _context(cloud)
    argv = ssh_command(find(provider, project.name, name))
    if print_only:
        print(shlex.join(argv))
        return
    os.execvp(argv[0], argv)


@app.command()
def down(name: Annotated[str | None, typer.Argument(
             help="Machine name (default: all of this project's).")] = None,
         cloud: CloudOpt = None,
         all_projects: AllOpt = False,
         as_json: JsonOpt = False) -> None:
    """Delete machines and everything tagged with them; lists again to prove nothing is left."""
    from octoup.cli.output import emit_json, say
    from octoup.compute.machines import down as run_down
    from octoup.compute.machines import find
    from octoup.errors import OctoupError

    if name and all_projects:
        raise OctoupError("give a machine name or --all, not both", "--all deletes every octoup machine.")
    project, provider = _context(cloud)
    machine = find(provider, project.name, name).name if name else None
    found, left = run_down(provider, None if all_projects else project.name, machine, report=say)
    if as_json:
        emit_json({"deleted": [r for r in found if r not in left], "left": left})
    if left:
        raise OctoupError("still tagged after teardown: "
                          + ", ".join(f"{r.kind} {r.id}" for r in left),
                          "Run `octoup compute down` again; the cloud may still be deleting them.")
    if not as_json:
        what = "octoup" if all_projects else project.name
        say(f"nothing tagged with {what} is left on {provider.name}" if found
            else f"nothing tagged with {what} on {provider.name}: nothing to delete")
