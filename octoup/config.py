"""Project configuration: ``octoup.toml`` (committed) merged with ``octoup.local.toml`` (ignored).

Reading uses :mod:`tomllib`; writing uses :mod:`tomlkit` so comments and layout survive
``octoup config set``. Validation errors name the file, the dotted key and its line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from octoup import secrets
from octoup.errors import ConfigError
from octoup.project_root import CONFIG_FILE, LOCAL_CONFIG_FILE, find_root
from octoup.textfiles import read_toml, write_atomic


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ProjectSection(_Strict):
    name: str = Field(min_length=1, description="project name, used to tag cloud resources")
    default_cloud: str = Field("local", description="cloud used when --cloud is not given")


class CloudSettings(_Strict):
    """Settings every cloud understands; providers subclass it for their own keys."""

    region: str | None = None
    bucket: str | None = None
    endpoint_url: str | None = None
    part_size: int | None = Field(None, ge=5 * 2**20, description="multipart part size in bytes")
    concurrency: int | None = Field(None, ge=1, le=256)


class DatasetSettings(_Strict):
    source: list[str] = Field(default_factory=list)
    cloud: str | None = None
    bucket: str | None = None
    prefix: str | None = None

    @field_validator("source", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class ProjectConfig(_Strict):
    project: ProjectSection
    clouds: dict[str, dict[str, Any]] = Field(default_factory=dict)
    datasets: dict[str, DatasetSettings] = Field(default_factory=dict)
    env: dict[str, Any] = Field(default_factory=dict, description="see octoup.env.settings")


@dataclass
class Project:
    """A project folder and its merged, validated configuration."""

    root: Path
    config: ProjectConfig
    raw: dict[str, Any] = field(repr=False)

    @property
    def name(self) -> str:
        return self.config.project.name

    def cloud_settings(self, cloud: str) -> CloudSettings:
        """The validated settings for ``cloud``, using that provider's settings model."""
        from octoup import registry

        model = registry.settings_model(cloud)
        data = self.config.clouds.get(cloud, {})
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise _config_error(exc, self.root, self.raw, prefix=("clouds", cloud)) from None


def project_name_for(folder: Path) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", folder.resolve().name.lower()).strip("-")
    return slug or "project"


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load(root: Path) -> Project:
    """Read, merge and validate the project's configuration files under ``root``."""
    main = read_toml(root / CONFIG_FILE)
    local_path = root / LOCAL_CONFIG_FILE
    local = read_toml(local_path) if local_path.is_file() else {}
    _refuse_secrets(root, main, local)
    return _validated(root, main, local)


def _validated(root: Path, main: dict[str, Any], local: dict[str, Any]) -> Project:
    """The project the two files describe, every cloud table checked by its provider's model."""
    try:
        config = ProjectConfig.model_validate(deep_merge(main, local))
    except ValidationError as exc:
        raise _config_error(exc, root, {"main": main, "local": local}) from None
    project = Project(root=root, config=config, raw={"main": main, "local": local})
    for cloud in config.clouds:
        project.cloud_settings(cloud)
    return project


def open_project(start: Path | None = None, *, create: bool = True,
                 announce=print) -> Project:
    """The project at or above ``start``; writes a minimal ``octoup.toml`` when there is none."""
    root = find_root(start)
    if root is None:
        if not create:
            raise ConfigError(str((start or Path.cwd()) / CONFIG_FILE), "not found",
                              hint="Run `octoup create` or any octoup command that needs one.")
        root = (start or Path.cwd()).resolve()
        path = write_minimal(root)
        announce(f"Created {path.name} for project '{project_name_for(root)}' "
                 "(default cloud: local). Edit it or use `octoup config set`.")
    return load(root)


def write_minimal(root: Path) -> Path:
    path = root / CONFIG_FILE
    text = (
        "# octoup project configuration: `octoup config show` prints it, "
        "`octoup config set KEY VALUE` edits it.\n"
        "# Per-machine overrides go in octoup.local.toml (git-ignored). Never put secrets here.\n"
        "[project]\n"
        f'name = "{project_name_for(root)}"\n'
        'default_cloud = "local"\n'
    )
    write_atomic(path, text)
    _ignore_local_file(root)
    return path


def _ignore_local_file(root: Path) -> None:
    gitignore = root / ".gitignore"
    if not (gitignore.exists() or (root / ".git").exists()):
        return
    lines = gitignore.read_text().splitlines() if gitignore.exists() else []
    if LOCAL_CONFIG_FILE not in lines:
        prefix = "\n" if lines and lines[-1] != "" else ""
        with gitignore.open("a") as fh:
            fh.write(f"{prefix}{LOCAL_CONFIG_FILE}\n")


def _refuse_secrets(root: Path, main: Mapping[str, Any], local: Mapping[str, Any]) -> None:
    for name, data in ((CONFIG_FILE, main), (LOCAL_CONFIG_FILE, local)):
        for key, _ in iter_flat(data):
            if secrets.looks_secret(key.rsplit(".", 1)[-1]):
                path = root / name
                line = locate_line(path.read_text(encoding="utf-8"), tuple(key.split(".")))
                raise ConfigError(str(path), f"'{key}' looks like a secret; octoup never reads "
                                  "secrets from its config files", line=line,
                                  hint="Remove it and use the cloud's own credential chain "
                                       "(environment variables or profiles).")


# --- reading and writing single keys -------------------------------------------------------

def split_key(key: str) -> list[str]:
    parts = [p for p in key.split(".")]
    if not key or any(not p for p in parts):
        raise ConfigError(CONFIG_FILE, f"'{key}' is not a valid key",
                          hint="Use dotted keys such as project.name or clouds.aws.region.")
    return parts


def get_value(project: Project, key: str) -> Any:
    node: Any = deep_merge(project.raw["main"], project.raw["local"])
    for part in split_key(key):
        if not isinstance(node, Mapping) or part not in node:
            raise ConfigError(str(project.root / CONFIG_FILE), f"key '{key}' is not set",
                              hint="`octoup config show` lists what is set.")
        node = node[part]
    return node


def parse_value(text: str) -> Any:
    """A TOML literal when ``text`` is one (numbers, booleans, arrays), else the plain string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def set_value(root: Path, key: str, value: Any, *, local: bool = False) -> Path:
    """Set ``key`` in octoup.toml (or octoup.local.toml), validating before anything is written."""
    parts = split_key(key)
    if secrets.looks_secret(parts[-1]):
        raise ConfigError(str(root / CONFIG_FILE), f"refusing to store '{key}': it looks like a secret",
                          hint="Secrets come from the cloud's own credential chain (environment "
                               "variables, profiles); store the variable's name in a *_env key.")

    def change(table) -> None:
        table[parts[-1]] = value

    return _edit(root, key, change, local=local, create=True)


def unset_value(root: Path, key: str, *, local: bool = False) -> Path:
    """Remove ``key`` (a value or a whole table) from octoup.toml; nothing to do when it is absent."""
    name = split_key(key)[-1]

    def change(table) -> None:
        table.pop(name, None)

    return _edit(root, key, change, local=local, create=False)


def _edit(root: Path, key: str, change, *, local: bool, create: bool) -> Path:
    """Apply ``change`` to the table holding ``key`` (made when missing if ``create``, else nothing
    is done), validate the result, then write it atomically."""
    import tomlkit

    parts = split_key(key)
    path = root / (LOCAL_CONFIG_FILE if local else CONFIG_FILE)
    doc = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    node = doc
    for part in parts[:-1]:
        if part not in node:
            if not create:
                return path
            node[part] = tomlkit.table()
        node = node[part]
        if not isinstance(node, Mapping):
            raise ConfigError(str(path), f"'{part}' in '{key}' is a value, not a table")
    change(node)
    text = tomlkit.dumps(doc)
    # validate the would-be result before writing anything
    main = tomllib.loads(text) if not local else read_toml(root / CONFIG_FILE)
    over = tomllib.loads(text) if local else (
        read_toml(root / LOCAL_CONFIG_FILE) if (root / LOCAL_CONFIG_FILE).exists() else {})
    try:
        _validated(root, main, over)
    except ConfigError as error:
        raise ConfigError(str(path), f"not changed: {error.detail}", hint=error.hint) from None
    write_atomic(path, text)
    if local:
        _ignore_local_file(root)
    return path


# --- error reporting -----------------------------------------------------------------------

def _config_error(exc: ValidationError, root: Path, raw: Mapping[str, Any],
                  prefix: tuple[str, ...] = ()) -> ConfigError:
    """Turn the first pydantic error into a ConfigError naming file, key and line."""
    err = exc.errors()[0]
    loc = prefix + tuple(str(p) for p in err["loc"])
    files = raw if "main" in raw else {"main": raw, "local": {}}
    name = LOCAL_CONFIG_FILE if _has_path(files.get("local", {}), loc) else CONFIG_FILE
    path = root / name
    key = ".".join(loc)
    if err["type"] == "extra_forbidden":
        message, hint = f"unknown key '{key}'", _known_keys_hint(loc)
    elif err["type"] == "missing":
        message, hint = f"missing key '{key}'", None
    else:
        got = err.get("input")
        message = f"'{key}': {err['msg']} (got {got!r})"
        hint = None
    line = locate_line(path.read_text(encoding="utf-8"), loc) if path.exists() else None
    return ConfigError(str(path), message, line=line, hint=hint)


def _known_keys_hint(loc: tuple[str, ...]) -> str | None:
    models: dict[tuple[str, ...], type[BaseModel]] = {
        (): ProjectConfig, ("project",): ProjectSection,
    }
    parent = loc[:-1]
    model = models.get(parent)
    if model is None and len(parent) == 2 and parent[0] == "datasets":
        model = DatasetSettings
    if model is None and len(parent) == 2 and parent[0] == "clouds":
        from octoup import registry

        model = registry.settings_model(parent[1])
    if model is None:
        return None
    return "Known keys here: " + ", ".join(model.model_fields) + "."


def _has_path(data: Mapping[str, Any], loc: tuple[str, ...]) -> bool:
    node: Any = data
    for part in loc:
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_.\-\"' ]+?)\s*=")


def _split_dotted(text: str) -> tuple[str, ...]:
    return tuple(p.strip().strip("\"'") for p in text.split("."))


def locate_line(text: str, loc: tuple[str, ...]) -> int | None:
    """The 1-based line where the dotted key ``loc`` is set in a TOML text (best effort)."""
    best: int | None = None
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = _split_dotted(header.group(1))
            if table == loc or (best is None and loc[: len(table)] == table and table):
                best = number
            continue
        assign = _ASSIGN.match(line)
        if assign:
            full = table + _split_dotted(assign.group(1))
            if full == loc[: len(full)] and len(full) >= min(len(loc), len(table) + 1):
                if full == loc:
                    return number
                best = number
    return best


def iter_flat(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from iter_flat(value, dotted + ".")
        else:
            yield dotted, value
