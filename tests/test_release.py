"""The release archive: hash checks, synthetic/real separation, change reports, pack/restore.

Small hand-made tables (``test_packaging_support``) keep these fast; the publish workflow's
restore step is run here as written, with a stand-in ``gh`` that serves release assets from
a local folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from test_packaging_support import make_metadata, make_tables

from pipeline import release as release_module
from pipeline.build import BuildError, BuildInputs, check_archive
from pipeline.packaging import PackageBuildError, ledger, write_package
from pipeline.packaging.archive import ArchiveError, pack, restore, verify
from pipeline.packaging.changes import check_bump, diff_tables
from pipeline.published import Indicator

ROOT = Path(__file__).resolve().parents[1]


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def changed_tables() -> dict:
    """The hand-made tables with one figure moved (a correction of values)."""
    tables = make_tables()
    tables["data_quality"].frame.loc[0, "children_looked_after"] = "999"
    return tables


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """An archive holding version 1.0.0 of the hand-made tables."""
    write_package(make_tables(), tmp_path / "archive", make_metadata())
    return tmp_path / "archive"


def test_versions_json_records_every_file_hash_and_the_kind(archive: Path) -> None:
    root = archive / "stability-index"
    entry = json.loads((root / "versions.json").read_text())["versions"][0]
    assert entry["synthetic"] is True
    on_disk = {
        p.relative_to(root / "1.0.0").as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (root / "1.0.0").rglob("*")
        if p.is_file()
    }
    assert entry["files"] == on_disk and "data/data_quality.csv" in on_disk


@pytest.mark.parametrize("damage", ["change", "delete", "add"])
def test_a_damaged_version_stops_the_build_naming_the_file(archive: Path, damage: str) -> None:
    folder = archive / "stability-index" / "1.0.0"
    target = folder / "data" / "data_quality.csv"
    if damage == "change":
        target.write_bytes(target.read_bytes().replace(b"\n", b"\r\n", 1))
    elif damage == "delete":
        target.unlink()
    else:
        target = folder / "data" / "extra.csv"
        target.write_text("a\n1\n")
    words = {"change": "has changed", "delete": "is missing", "add": "was added"}[damage]
    with pytest.raises(BuildError, match=rf"{target}.* {words} since version 1\.0\.0"):
        check_archive(archive)
    with pytest.raises(PackageBuildError, match=rf"{target.name} {words}"):
        write_package(make_tables(), archive, make_metadata(), bump="patch")
    assert not (archive / "stability-index" / "1.0.1").exists()


def test_an_unlisted_version_folder_is_refused(archive: Path) -> None:
    root = archive / "stability-index"
    shutil.copytree(root / "1.0.0", root / "1.0.1")
    with pytest.raises(ArchiveError, match=r"1\.0\.1 is not listed in .*versions\.json"):
        verify(root)


def test_synthetic_and_real_releases_never_share_an_archive(archive: Path, tmp_path: Path) -> None:
    with pytest.raises(PackageBuildError, match="this build is real but .* holds synthetic"):
        write_package(changed_tables(), archive, make_metadata(synthetic=False), bump="patch")
    real = tmp_path / "real"
    write_package(make_tables(), real, make_metadata(synthetic=False))
    with pytest.raises(PackageBuildError, match="this build is synthetic but .* holds real"):
        write_package(changed_tables(), real, make_metadata(), bump="patch")


def test_a_bump_with_the_same_tables_adds_no_version(archive: Path) -> None:
    kept = write_package(
        make_tables(), archive, make_metadata(), bump="minor", only_if_tables_changed=True
    )
    assert kept.name == "1.0.0"
    assert [v.name for v in (archive / "stability-index").iterdir() if v.is_dir()] == ["1.0.0"]


def test_the_change_report_names_tables_rows_and_moves(archive: Path) -> None:
    previous = archive / "stability-index" / "1.0.0"
    same = diff_tables(make_tables(), previous)
    assert same.required_bump() is None
    with pytest.raises(ValueError, match="nothing to release"):
        check_bump(same, "patch")
    tables = changed_tables()
    before = tables["data_quality"].frame.loc[1, "children_looked_after"]
    diff = diff_tables(tables, previous)
    assert diff.required_bump() == "patch"
    (change,) = diff.changed
    assert change.name == "data_quality" and change.cells_changed == 1
    key, column, old, new, delta = change.moves[0]
    assert column == "children_looked_after" and new == "999"
    assert delta == pytest.approx(999 - float(old))
    assert "data_quality" in diff.report() and f"-> 999 ({999 - float(old):+.4g})" in diff.report()
    assert before  # the other rows did not move
    # A removed column is a MAJOR change: a minor bump is refused.
    tables["data_quality"].indicators.pop()
    major = diff_tables(tables, previous)
    assert major.required_bump() == "major"
    with pytest.raises(ValueError, match="too small: the change needs at least major"):
        check_bump(major, "minor")
    # A table that was not there is MINOR.
    tables = make_tables()
    tables["data_quality"].name = "data_quality_new"
    added = diff_tables({"data_quality_new": tables.pop("data_quality"), **tables}, previous)
    assert {t.status for t in added.changed} == {"added", "removed"}


def test_release_writes_the_version_records_it_and_keeps_earlier_ones(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = files_of(archive / "stability-index" / "1.0.0")
    tables = changed_tables()
    monkeypatch.setattr(
        release_module,
        "publishable",
        lambda *_: (tables, make_metadata(), "key", True),
    )
    inputs = BuildInputs(seed=1, scale=0.01)
    options = dict(
        note="Corrected a count.",
        packages_root=archive,
        with_site=False,
        project_root=archive,
    )
    with pytest.raises(BuildError, match="--bump 'tiny' is not one of"):
        release_module.run_release(inputs, bump="tiny", **options)
    result = release_module.run_release(inputs, bump="patch", **options)
    assert result.package_dir.name == "1.0.1"
    assert files_of(archive / "stability-index" / "1.0.0") == before
    note = (result.package_dir / "release-note.md").read_text()
    assert "Corrected a count." in note and "`data_quality`" in note
    assert "Corrected a count." in (result.package_dir / "CHANGELOG.md").read_text()
    recorded = ledger.read_ledger(archive)
    assert [e["version"] for e in recorded] == ["1.0.1"] and recorded[0]["bump"] == "patch"
    # Releasing the same tables again is refused.
    with pytest.raises(BuildError, match="nothing to release"):
        release_module.run_release(inputs, bump="patch", **options)


def test_a_ledger_release_not_in_the_archive_is_pending(archive: Path) -> None:
    entries = verify(archive / "stability-index")
    assert ledger.pending(archive, entries) is None
    ledger.record(archive, "1.0.0", None, "First release.")
    ledger.record(archive, "1.1.0", "minor", "A new year.")
    assert ledger.pending(archive, entries) == {
        "version": "1.1.0",
        "bump": "minor",
        "changes": "A new year.",
    }


def two_versions(archive: Path) -> Path:
    write_package(changed_tables(), archive, make_metadata(changes="Corrected."), bump="patch")
    return archive / "stability-index"


def test_pack_is_reproducible_and_restore_rebuilds_the_archive(
    archive: Path, tmp_path: Path
) -> None:
    root = two_versions(archive)
    assets = tmp_path / "assets"
    first = pack(root, "1.0.0", assets)
    again = pack(root, "1.0.0", tmp_path / "again")
    assert first.read_bytes() == again.read_bytes()
    pack(root, "1.0.1", assets)
    digest = hashlib.sha256(first.read_bytes()).hexdigest()
    assert (assets / f"{first.name}.sha256").read_text() == f"{digest}  {first.name}\n"
    fresh = tmp_path / "fresh"
    assert restore(assets, fresh) == ["1.0.0", "1.0.1"]
    assert files_of(fresh / "stability-index") == files_of(root)
    with pytest.raises(ArchiveError, match="version 9.9.9 is not in"):
        pack(root, "9.9.9", assets)


def test_restore_refuses_a_zip_that_does_not_match_its_checksum(
    archive: Path, tmp_path: Path
) -> None:
    path = pack(archive / "stability-index", "1.0.0", tmp_path / "assets")
    path.write_bytes(path.read_bytes() + b"tampered")
    with pytest.raises(ArchiveError, match="does not match its checksum"):
        restore(tmp_path / "assets", tmp_path / "fresh")


FAKE_GH = """#!/usr/bin/env python3
import shutil, sys
from fnmatch import fnmatch
from pathlib import Path

releases = Path(sys.argv[0]).resolve().parent / "releases"
args = sys.argv[1:]
if args[:2] == ["release", "list"]:
    print("\\n".join(sorted(p.name for p in releases.iterdir())))
elif args[:2] == ["release", "download"]:
    tag = args[2]
    pattern = args[args.index("--pattern") + 1]
    out = Path(args[args.index("--dir") + 1])
    for asset in (releases / tag).iterdir():
        if fnmatch(asset.name, pattern) and not (out / asset.name).exists():
            shutil.copy(asset, out / asset.name)
else:
    sys.exit(f"fake gh: unexpected {args}")
"""


def test_the_workflow_restore_step_rebuilds_the_archive_on_a_fresh_runner(
    archive: Path, tmp_path: Path
) -> None:
    """Run the publish workflow's restore step as written, with a local stand-in for gh."""
    root = two_versions(archive)
    tools = tmp_path / "tools"
    for version in ("1.0.0", "1.0.1"):
        pack(root, version, tools / "releases" / f"v{version}")
    gh = tools / "gh"
    gh.write_text(FAKE_GH)
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)
    cli = tools / "stability-index"
    cli.write_text(f'#!/bin/sh\nexec "{os.sys.executable}" -m pipeline.cli "$@"\n')
    cli.chmod(cli.stat().st_mode | stat.S_IEXEC)
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "publish.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    (step,) = [s for s in steps if s.get("name", "").startswith("Restore every published")]
    runner = tmp_path / "runner"
    runner.mkdir()
    environment = {
        **os.environ,
        "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        "GH_TOKEN": "not-used",
    }
    result = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=runner, env=environment, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert files_of(runner / "datapackages" / "stability-index") == files_of(root)


def test_citation_file_and_publish_workflow_keep_history() -> None:
    exe = shutil.which("check-jsonschema")
    if exe is None:
        pytest.skip("check-jsonschema is not installed (pip install -e '.[dev]')")
    result = subprocess.run(
        [exe, "--builtin-schema", "vendor.citation-file-format", str(ROOT / "CITATION.cff")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "publish.yml").read_text())
    triggers = workflow.get("on") or workflow.get(True)
    assert triggers["push"]["tags"] == ["v*.*.*"]
    build = [s.get("run", "") for s in workflow["jobs"]["build"]["steps"]]
    restore_at = next(i for i, run in enumerate(build) if "archive restore" in run)
    build_at = next(i for i, run in enumerate(build) if run.startswith("stability-index build"))
    assert restore_at < build_at and "gh release download" in build[restore_at]
    assert any("archive pack" in run for run in build)
    upload = " ".join(s.get("run", "") for s in workflow["jobs"]["release"]["steps"])
    assert "gh release upload" in upload and ".zip.sha256" in upload
    assert "--clobber" not in upload
    assert workflow["jobs"]["release"]["permissions"] == {"contents": "write"}


def test_each_version_carries_its_citation_and_address(archive: Path) -> None:
    descriptor = json.loads(
        (archive / "stability-index" / "1.0.0" / "datapackage.json").read_text()
    )
    release = descriptor["release"]
    assert release["version"] == "1.0.0" and release["date"] == descriptor["created"][:10]
    assert release["url"] == f"{descriptor['homepage']}downloads/1.0.0/datapackage.json"
    assert "version 1.0.0" in release["citation"] and release["url"] in release["citation"]


def status_tables(*, provisional: bool, england_2024: str | None = None) -> dict:
    """The hand-made tables with a ``status`` column: 2024 provisional or final; with
    ``england_2024``, England's 2024 headline percentage of 2+ placement moves set to it."""
    tables = make_tables()
    table = tables["stability_measures"]
    frame = table.frame.copy()
    latest = frame["time_period"] == "2024"
    waiting = latest & provisional
    frame["status"] = np.where(waiting, "provisional", "final")
    frame["status_note"] = np.where(waiting, "Provisional: waits for the 2025 return", "z")
    if england_2024 is not None:
        headline = (
            latest
            & (frame["geographic_level"] == "National")
            & (frame["measure"] == "placement_2plus")
            & (frame["breakdown"] == "Total")
        )
        frame.loc[headline, "percent"] = england_2024
    table.frame = frame
    table.indicators += [
        Indicator("status", "Status", kind="text", field_type="string"),
        Indicator("status_note", "Status note", kind="text", field_type="string"),
    ]
    return tables


def test_a_release_revising_provisional_figures_says_which_and_by_how_much(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Release 1.0.0: 2024 is provisional, England 10% (40 of 400). Release 1.1.0: the later
    # return came in, 2024 is final and England's figure is 12.5%.
    archive = tmp_path / "archive"
    write_package(status_tables(provisional=True), archive, make_metadata())
    tables = status_tables(provisional=False, england_2024="12.500000")
    monkeypatch.setattr(
        release_module, "publishable", lambda *_: (tables, make_metadata(), "key", True)
    )
    result = release_module.run_release(
        BuildInputs(seed=1, scale=0.01),
        bump="minor",
        note="The 2025 returns complete the 2024 figures.",
        packages_root=archive,
        with_site=False,
        project_root=archive,
    )
    assert result.diff is not None
    # every 2024 row of stability_measures was provisional and is now final: 4 areas x
    # 2 measures x 3 breakdowns
    assert result.diff.provisional_revised == 24
    line = (
        "2 or more placement moves (during the year), 2024: England 10.0% (provisional) "
        "revised to 12.5% (final), +2.5 percentage points."
    )
    unchanged = "2 or more social worker changes (during the year), 2024: England 10.0% "
    for name in ("release-note.md", "CHANGELOG.md"):
        text = (result.package_dir / name).read_text()
        assert "Provisional figures revised: 24 figures of `stability_measures`" in text
        assert line in text
        assert unchanged + "(provisional) is now final, unchanged." in text
    # a figure that stays provisional and does not move is not a revision
    still = diff_tables(status_tables(provisional=True), result.package_dir)
    assert still.provisional_revised == 0 and still.revisions == []
