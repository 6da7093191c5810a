"""octoup.toml: created when missing, validated with file/key/line errors, edited safely."""

import json

import pytest

from octoup import config
from octoup.errors import ConfigError


def test_first_command_writes_a_minimal_config_and_says_so(octoup, isolated):
    result = octoup("config", "show")
    assert result.returncode == 0
    assert "Created octoup.toml for project 'my-project'" in result.stderr
    loaded = config.load(isolated)
    assert loaded.name == "my-project" and loaded.config.project.default_cloud == "local"


def test_minimal_config_git_ignores_the_local_file(isolated):
    (isolated / ".git").mkdir()
    config.open_project(isolated, announce=lambda _: None)
    assert "octoup.local.toml" in (isolated / ".gitignore").read_text().splitlines()


def test_config_is_found_from_a_subfolder(isolated):
    config.write_minimal(isolated)
    sub = isolated / "notebooks" / "deep"
    sub.mkdir(parents=True)
    assert config.open_project(sub, create=False).root == isolated


@pytest.mark.parametrize(("text", "line", "needle"), [
    ('[project]\nname = "p"\n\n[clouds.aws]\nregion = "eu-west-1"\nbukcet = "b"\n', 6,
     "unknown key 'clouds.aws.bukcet'"),
    ('[project]\nname = "p"\n[clouds.local]\nconcurrency = "many"\n', 4,
     "'clouds.local.concurrency': Input should be a valid integer"),
    ('[project]\nname = "p"\n[datasets.flights]\nsource = 3\n', 4, "'datasets.flights.source'"),
    ('[project]\nname = "p"\nthis is not toml\n', 3, "not valid TOML"),
    ('[project]\ndefault_cloud = "aws"\n', 1, "missing key 'project.name'"),
])
def test_bad_config_names_file_key_and_line(isolated, text, line, needle):
    (isolated / "octoup.toml").write_text(text)
    with pytest.raises(ConfigError) as info:
        config.load(isolated)
    assert info.value.line == line, info.value.message
    assert info.value.message.startswith(f"{isolated / 'octoup.toml'}:{line}: ")
    assert needle in info.value.message


def test_local_file_overrides_and_errors_name_it(isolated):
    (isolated / "octoup.toml").write_text('[project]\nname = "p"\n[clouds.aws]\nregion = "us-east-1"\n')
    (isolated / "octoup.local.toml").write_text('[clouds.aws]\nregion = "eu-north-1"\n')
    assert config.load(isolated).cloud_settings("aws").region == "eu-north-1"
    (isolated / "octoup.local.toml").write_text('[clouds.aws]\nregon = "eu-north-1"\n')
    with pytest.raises(ConfigError) as info:
        config.load(isolated)
    assert info.value.path.endswith("octoup.local.toml") and info.value.line == 2


def test_set_get_and_show(octoup, isolated):
    assert octoup("config", "set", "clouds.aws.region", "eu-west-1").returncode == 0
    assert octoup("config", "set", "clouds.aws.concurrency", "16").returncode == 0
    assert octoup("config", "get", "clouds.aws.region").stdout.strip() == "eu-west-1"
    assert json.loads(octoup("config", "get", "clouds.aws.concurrency", "--json").stdout) == 16
    shown = json.loads(octoup("config", "show", "--json").stdout)
    assert shown["config"]["clouds"]["aws"] == {"region": "eu-west-1", "concurrency": 16}
    assert octoup("config", "set", "clouds.aws.bucket", "mine", "--local").returncode == 0
    assert "bucket" not in (isolated / "octoup.toml").read_text()
    assert octoup("config", "get", "clouds.aws.bucket").stdout.strip() == "mine"


def test_set_keeps_comments_and_refuses_bad_values_without_writing(octoup, isolated):
    (isolated / "octoup.toml").write_text('# keep me\n[project]\nname = "p"  # inline\n')
    before = (isolated / "octoup.toml").read_text()
    bad = octoup("config", "set", "clouds.aws.concurrency", "lots")
    assert bad.returncode == 2 and "not changed" in bad.stderr
    assert (isolated / "octoup.toml").read_text() == before
    assert octoup("config", "set", "project.default_cloud", "aws").returncode == 0
    text = (isolated / "octoup.toml").read_text()
    assert "# keep me" in text and "# inline" in text and 'default_cloud = "aws"' in text


def test_missing_key_get_is_a_clear_error(octoup):
    result = octoup("config", "get", "clouds.gcp.region")
    assert result.returncode == 2 and "key 'clouds.gcp.region' is not set" in result.stderr
