"""Providers are found through entry points, loaded lazily, and explained when missing."""

import json
from importlib.metadata import EntryPoint

import pytest

from octoup import registry
from octoup.errors import ProviderNotInstalled, UnknownProvider
from octoup.local.storage import LocalStorage


@pytest.fixture
def fresh_registry():
    registry.installed.cache_clear()
    yield
    registry.installed.cache_clear()


def test_local_is_always_installed(isolated):
    assert isinstance(registry.storage("local"), LocalStorage)


def test_every_known_provider_is_installed_in_the_dev_workspace():
    assert set(registry.installed()) >= {"local", "aws", "gcp", "azure", "libcloud"}


def test_unknown_cloud_lists_the_known_ones():
    with pytest.raises(UnknownProvider) as info:
        registry.get("oraclecloud")
    assert "Unknown cloud 'oraclecloud'" in info.value.message
    assert "aws" in info.value.hint and "octoup providers" in info.value.hint


def test_known_but_missing_provider_says_how_to_install(monkeypatch, fresh_registry):
    monkeypatch.setattr(registry, "entry_points", lambda group: [])
    with pytest.raises(ProviderNotInstalled) as info:
        registry.get("gcp")
    assert info.value.hint.startswith("pip install 'octoup[gcp]'")


def test_broken_and_duplicate_entry_points_are_skipped_with_a_warning(monkeypatch, fresh_registry,
                                                                      caplog):
    points = [
        EntryPoint("local", "octoup.local:provider_info", registry.GROUP),
        EntryPoint("local", "octoup.local:provider_info", registry.GROUP),
        EntryPoint("broken", "octoup.nowhere:provider_info", registry.GROUP),
        EntryPoint("liar", "octoup.local:provider_info", registry.GROUP),
    ]
    monkeypatch.setattr(registry, "entry_points", lambda group: points)
    assert list(registry.installed()) == ["local"]
    text = caplog.text
    assert "registered twice" in text and "failed to load" in text and "does not describe" in text


def test_importing_a_provider_package_does_not_import_its_sdk():
    import subprocess
    import sys

    code = ("import sys; from octoup import registry; registry.installed(); "
            "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'boto3', 'botocore', 'google', 'azure', 'libcloud'})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_providers_command_reports_capabilities_and_credentials(octoup):
    result = octoup("providers", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert set(rows) >= {"local", "aws", "gcp", "azure", "libcloud"}
    assert rows["local"]["credentials_ok"] is True
    assert "multipart" in rows["local"]["capabilities"]
    assert all("compute" in rows[cloud]["capabilities"] for cloud in ("aws", "gcp", "azure", "libcloud"))
    assert rows["aws"]["credentials_ok"] is False
    assert "AWS_ACCESS_KEY_ID" in rows["aws"]["credentials_hint"]
    table = octoup("providers")
    assert table.returncode == 0 and "local" in table.stdout and "server-side-copy" in table.stdout
