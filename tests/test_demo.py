"""`octoup demo`: the README's main job on the embedded local provider."""

import json


def test_demo_copies_lists_and_pulls_back(octoup, isolated):
    first = octoup("demo")
    assert first.returncode == 0, first.stderr
    assert "Created octoup.toml for project 'octoup-demo'" in first.stderr
    assert "Created bucket local://octoup-demo-data/" in first.stderr
    assert "penguins/penguins.csv" in first.stdout and "15,241" in first.stdout
    pulled = isolated / "octoup-demo" / "data" / "raw" / "penguins" / "penguins.csv"
    assert pulled.read_text().startswith("species,island,bill_length_mm")
    second = octoup("demo", "--json")
    assert second.returncode == 0, second.stderr
    summary = json.loads(second.stdout)
    assert summary["bucket_created"] is False
    assert sorted(o["key"] for o in summary["objects"]) == ["penguins/README.md",
                                                           "penguins/penguins.csv"]
    assert "Using bucket local://octoup-demo-data/" in second.stderr
    toml = (isolated / "octoup-demo" / "octoup.toml").read_text()
    assert 'bucket = "octoup-demo-data"' in toml
