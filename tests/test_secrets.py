"""Secrets never land in config files, messages or logs."""

import pytest

from octoup import config, secrets
from octoup.errors import ConfigError

SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"


def test_redact_masks_known_values_and_secret_shapes(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    text = (f"key={SECRET} DefaultEndpointsProtocol=http;AccountKey=abc123==;BlobEndpoint=x "
            "https://b.s3.amazonaws.com/k?X-Amz-Signature=deadbeef&x=1 "
            "https://acct.blob.core.windows.net/c/b?sv=1&sig=c2lnbmF0dXJl "
            "http://user:pa55word@minio.local:9000/")
    cleaned = secrets.redact(text)
    for leaked in (SECRET, "abc123==", "deadbeef", "c2lnbmF0dXJl", "pa55word"):
        assert leaked not in cleaned
    assert "x=1" in cleaned and "user:***@minio.local" in cleaned


def test_registered_values_are_masked():
    secrets.register("registered-token-value")
    assert "registered-token-value" not in secrets.redact("token registered-token-value here")


@pytest.mark.parametrize("key", ["clouds.aws.secret_access_key", "clouds.azure.account_key",
                                 "clouds.libcloud.password", "clouds.azure.connection_string"])
def test_config_set_refuses_secret_keys(isolated, key):
    config.write_minimal(isolated)
    before = (isolated / "octoup.toml").read_text()
    with pytest.raises(ConfigError) as info:
        config.set_value(isolated, key, SECRET)
    assert "looks like a secret" in info.value.message
    assert SECRET not in str(info.value)
    assert (isolated / "octoup.toml").read_text() == before


def test_env_var_names_are_fine_to_store(isolated):
    config.write_minimal(isolated)
    config.set_value(isolated, "clouds.azure.connection_string_env", "MY_AZURE_CONN")


def test_secret_in_a_config_file_is_refused_with_its_line(isolated):
    (isolated / "octoup.toml").write_text(f'[project]\nname = "p"\n[clouds.aws]\nsecret_key = "{SECRET}"\n')
    with pytest.raises(ConfigError) as info:
        config.load(isolated)
    assert info.value.line == 4 and SECRET not in str(info.value)


def test_cli_output_and_debug_logs_never_show_env_secrets(octoup):
    env = {"AWS_SECRET_ACCESS_KEY": SECRET, "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
           "AZURE_STORAGE_CONNECTION_STRING":
               f"DefaultEndpointsProtocol=http;AccountName=a;AccountKey={SECRET};"}
    for args in (["--debug", "providers"], ["--debug", "providers", "--json"],
                 ["--debug", "demo"], ["config", "show"]):
        result = octoup(*args, env=env)
        assert SECRET not in result.stdout + result.stderr, args
