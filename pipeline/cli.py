"""The ``stability-index`` command line: synth, validate, measures, build, serve, bench."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline import logs

app = typer.Typer(
    help=(
        "England's Stability Index for children in care: how often children looked after "
        "change placement, school and social worker.\n\n"
        "Run `stability-index build` to build the data packages and website from the built-in "
        "synthetic England, or `stability-index build --input DIR` for real SSDA903 extracts."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Show debug messages.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Show errors only.")]
LaOption = Annotated[
    str | None,
    typer.Option(
        "--la",
        help="DfE 3-digit code of the LA the files belong to, when they have no LA column.",
    ),
]
#: The synthetic England's default collection years: ``pipeline.synth.DEFAULT_YEARS`` as text
#: (kept here so the command line starts without importing the generator; a test checks them).
SYNTHETIC_YEARS = "2016-2024"
SeedOption = Annotated[
    int, typer.Option(help="Seed of the synthetic England (same seed, same data).")
]
ScaleOption = Annotated[
    float,
    typer.Option(
        help="Size of the synthetic England relative to the real one (1 = ~84k children)."
    ),
]
YearsOption = Annotated[str, typer.Option(help="Synthetic collection years.")]
SiteOption = Annotated[bool, typer.Option(help="Also generate and render the website.")]
ArchiveOption = Annotated[
    Path,
    typer.Option(
        "--archive",
        "--packages",
        help=(
            "The release archive: every published version of the data package "
            "(ARCHIVE/stability-index/<version>/ and versions.json). Published versions are "
            "checked and never changed."
        ),
    ),
]
RendererOption = Annotated[
    str,
    typer.Option(help="Website renderer: quarto, pandoc (built-in) or auto (Quarto when on PATH)."),
]
NeighboursOption = Annotated[
    str,
    typer.Option(
        help=(
            "Statistical neighbours: dfe (the DfE's children's services groups, May 2025), "
            "dfe-2021 (the DfE's April 2021 groups) or computed (from la_context)."
        ),
    ),
]


@app.command()
def synth(
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write the synthetic inputs to.")
    ] = Path("synthetic"),
    seed: SeedOption = 2024,
    scale: ScaleOption = 1.0,
    years: Annotated[
        str, typer.Option(help="Collection years, e.g. 2016-2024 or 2022,2023,2024.")
    ] = SYNTHETIC_YEARS,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Write the synthetic England: SSDA903-style CSVs for every LA and year (OUT/<year>/*.csv)."""
    logs.configure(verbose, quiet)
    from pipeline.synth import generate

    folder = generate(out, seed=seed, scale=scale, years=parse_years(years))
    logs.console.print(f"Synthetic inputs written to {folder}")


ExcludeInvalidOption = Annotated[
    bool,
    typer.Option(
        "--exclude-invalid",
        help=(
            "Leave out the children with an error and go on with the rest (say how many, by "
            "rule). Errors that belong to no child (a missing file or column) still stop."
        ),
    ),
]


@app.command()
def validate(
    input_dir: Annotated[Path, typer.Argument(help="Folder of inputs: INPUT/<year>/<table>.csv.")],
    la: LaOption = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write every problem to this CSV file.")
    ] = None,
    exclude_invalid: ExcludeInvalidOption = False,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Check input files and list every problem with its file, row, column, value and rule.

    Exits 1 when there is an error; with --exclude-invalid, only when an error cannot be got
    past by leaving children out.
    """
    logs.configure(verbose, quiet)
    from pipeline.inputs import load

    tables, result = load(input_dir, la=la, exclude_invalid=exclude_invalid)
    logs.console.print(result.to_text(), markup=False, highlight=False)
    if report is not None:
        result.to_csv(report)
        logs.console.print(f"Problems written to {report}")
    if tables is None and result.errors:
        raise typer.Exit(1)


@app.command()
def measures(
    input_dir: Annotated[Path, typer.Option("--input", help="Folder of inputs to compute from.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Child-level table to write (.csv or .parquet). Internal use only."
        ),
    ],
    la: LaOption = None,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Compute the child-level measures table (one row per child, year and period).

    The table holds child identifiers: keep it on your own machine; it is never published.
    """
    logs.configure(verbose, quiet)
    from pipeline.build import compute_child_table

    rows = compute_child_table(input_dir, out, la=la)
    logs.console.print(
        f"{rows:,} rows written to {out} (internal use only: it holds child identifiers)"
    )


CompareOption = Annotated[
    Path | None,
    typer.Option(help="LA self-service: a published package to compare the LA with."),
]
ReportOption = Annotated[
    Path | None,
    typer.Option(help="LA self-service: write a single self-contained HTML report."),
]
PublishOption = Annotated[
    bool, typer.Option(help="LA self-service: apply suppression, for figures you will publish.")
]
ExplainOption = Annotated[
    Path | None,
    typer.Option(help="LA self-service: write the child-level 'why' table (internal use) here."),
]

#: ``build`` options that describe the synthetic England (meaningless with ``--input``).
SYNTHETIC_OPTIONS = {"seed": "--seed", "scale": "--scale", "years": "--years"}
#: ``build`` options of a release (the LA report writes no package and no site).
RELEASE_OPTIONS = {
    "version": "--version",
    "bump": "--bump",
    "packages": "--archive",
    "site": "--site/--no-site",
    "neighbours": "--neighbours",
    "renderer": "--renderer",
}
#: ``build`` options of the LA report.
LA_REPORT_OPTIONS = {
    "compare": "--compare",
    "report": "--report",
    "publish": "--publish",
    "explain": "--explain",
}


def refused_options(given: set[str], *, with_input: bool) -> str | None:
    """Why the ``build`` options ``given`` (parameter names set on the command line) do not go
    together, or None when they do. Nothing is ignored silently."""
    report = sorted(LA_REPORT_OPTIONS[name] for name in given & LA_REPORT_OPTIONS.keys())
    if report and not with_input:
        return f"{', '.join(report)}: the LA report needs --input (your LA's files)"
    synthetic = sorted(SYNTHETIC_OPTIONS[name] for name in given & SYNTHETIC_OPTIONS.keys())
    if synthetic and with_input:
        return (
            f"{', '.join(synthetic)} cannot be used with --input: these options describe the "
            "synthetic England, and with --input your files are the inputs"
        )
    release = sorted(RELEASE_OPTIONS[name] for name in given & RELEASE_OPTIONS.keys())
    if release and report:
        return (
            f"{', '.join(release)} cannot be used with {', '.join(report)}: the LA report "
            "writes one HTML report, not a data package or a website"
        )
    return None


def _on_command_line(ctx: typer.Context, name: str) -> bool:
    """True when parameter ``name`` was given on the command line (not left to its default)."""
    source = ctx.get_parameter_source(name)
    # Compared by name: typer may ship its own copy of click's ParameterSource.
    return source is not None and source.name == "COMMANDLINE"


def _given_build_options(ctx: typer.Context, *, with_input: bool, publish: bool) -> set[str]:
    """The ``build`` options set on the command line; refuse a combination that does not
    apply (:func:`refused_options`) with a ``BadParameter`` naming the options."""
    given = {
        name
        for name in (*SYNTHETIC_OPTIONS, *RELEASE_OPTIONS, *LA_REPORT_OPTIONS)
        if _on_command_line(ctx, name)
    } - ({"publish"} if not publish else set())
    problem = refused_options(given, with_input=with_input)
    if problem is not None:
        raise typer.BadParameter(problem)
    return given


@app.command()
def build(
    ctx: typer.Context,
    input_dir: Annotated[
        Path | None,
        typer.Option(
            "--input",
            help="Real SSDA903 extracts (INPUT/<year>/*.csv). Default: synthetic England.",
        ),
    ] = None,
    la: LaOption = None,
    seed: SeedOption = 2024,
    scale: ScaleOption = 1.0,
    years: YearsOption = SYNTHETIC_YEARS,
    version: Annotated[
        str | None, typer.Option(help="Version to write (semver). Default: the current release.")
    ] = None,
    bump: Annotated[
        str | None, typer.Option(help="Write a new version: patch, minor or major.")
    ] = None,
    packages: ArchiveOption = Path("datapackages"),
    site: SiteOption = True,
    neighbours: NeighboursOption = "dfe",
    renderer: RendererOption = "auto",
    compare: CompareOption = None,
    report: ReportOption = None,
    publish: PublishOption = False,
    explain: ExplainOption = None,
    exclude_invalid: ExcludeInvalidOption = False,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Build the data package and the website (from the synthetic England unless --input is given).

    With --compare, --report, --publish or --explain it writes the LA report instead. Options
    that do not apply to what is built are refused, never ignored.
    """
    logs.configure(verbose, quiet)
    given = _given_build_options(ctx, with_input=input_dir is not None, publish=publish)
    from pipeline import build as build_module

    if given & LA_REPORT_OPTIONS.keys():
        from pipeline.self_service import build_la_report

        assert input_dir is not None  # refused_options: the LA report needs --input
        code = build_la_report(
            input_dir,
            la=la,
            compare=compare,
            report=report,
            publish=publish,
            explain=explain,
            exclude_invalid=exclude_invalid,
        )
    else:
        inputs = build_module.BuildInputs(
            input_dir, la, seed, scale, parse_years(years), neighbours, exclude_invalid
        )
        try:
            result = build_module.run_build(
                inputs,
                version=version,
                bump=bump,
                packages_root=packages,
                with_site=site,
                renderer=renderer,
            )
        except build_module.StepError as error:
            logs.console.print(f"[bold red]Build failed:[/] {error}", markup=True, highlight=False)
            raise typer.Exit(1) from error
        logs.console.print(f"Data package: {result.package_dir}")
        if result.site_dir is not None:
            logs.console.print(f"Website: {result.site_dir} (rendered with {result.renderer})")
        code = 0
    raise typer.Exit(code)


@app.command()
def release(
    ctx: typer.Context,
    bump: Annotated[
        str,
        typer.Option(
            help="patch (a correction), minor (new data or table) "
            "or major (renamed, added, removed or retyped fields)."
        ),
    ],
    note: Annotated[str, typer.Option(help="What this release is, for the changelog.")] = "",
    input_dir: Annotated[
        Path | None,
        typer.Option("--input", help="Real SSDA903 extracts. Default: synthetic England."),
    ] = None,
    la: LaOption = None,
    seed: SeedOption = 2024,
    scale: ScaleOption = 1.0,
    years: YearsOption = SYNTHETIC_YEARS,
    packages: ArchiveOption = Path("datapackages"),
    site: SiteOption = True,
    neighbours: NeighboursOption = "dfe",
    renderer: RendererOption = "auto",
    exclude_invalid: ExcludeInvalidOption = False,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Build, check and write a new version into the archive; print what changed.

    The synthetic England's options (--seed, --scale, --years) are refused with --input, as
    ``build`` refuses them: with --input your files are the inputs.
    """
    logs.configure(verbose, quiet)
    given = {name for name in SYNTHETIC_OPTIONS if _on_command_line(ctx, name)}
    problem = refused_options(given, with_input=input_dir is not None)
    if problem is not None:
        raise typer.BadParameter(problem)
    from pipeline.build import BuildError, BuildInputs
    from pipeline.release import print_release, run_release

    inputs = BuildInputs(
        input_dir, la, seed, scale, parse_years(years), neighbours, exclude_invalid
    )
    try:
        result = run_release(
            inputs,
            bump=bump,
            note=note,
            packages_root=packages,
            with_site=site,
            project_root=Path("."),
            renderer=renderer,
        )
    except BuildError as error:
        logs.console.print(f"[bold red]Release failed:[/] {error}", markup=True, highlight=False)
        raise typer.Exit(1) from error
    print_release(result, packages)


archive_app = typer.Typer(help="Pack and restore versions of the release archive.")
app.add_typer(archive_app, name="archive")


@archive_app.command("pack")
def archive_pack(
    version: Annotated[str, typer.Argument(help="The version to pack, e.g. 1.0.0.")],
    out: Annotated[Path, typer.Option(help="Folder for the zip and its .sha256.")] = Path("dist"),
    packages: ArchiveOption = Path("datapackages"),
) -> None:
    """Write stability-index-VERSION.zip and its checksum (a GitHub release's assets)."""
    from pipeline.packaging.archive import ArchiveError, pack
    from pipeline.packaging.metadata import PACKAGE_NAME

    try:
        path = pack(packages / PACKAGE_NAME, version, out)
    except ArchiveError as error:
        logs.console.print(f"[bold red]Pack failed:[/] {error}", markup=True, highlight=False)
        raise typer.Exit(1) from error
    logs.console.print(f"{path} and {path.name}.sha256 written", markup=False, highlight=False)


@archive_app.command("restore")
def archive_restore(
    zips: Annotated[Path, typer.Argument(help="Folder of stability-index-*.zip and .sha256.")],
    packages: ArchiveOption = Path("datapackages"),
) -> None:
    """Unpack released versions into the archive, checking every checksum."""
    from pipeline.packaging.archive import ArchiveError, restore

    try:
        restored = restore(zips, packages)
    except ArchiveError as error:
        logs.console.print(f"[bold red]Restore failed:[/] {error}", markup=True, highlight=False)
        raise typer.Exit(1) from error
    shown = ", ".join(restored) if restored else "none (no zips found)"
    logs.console.print(f"Restored into {packages}: {shown}", markup=False, highlight=False)


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port on localhost.")] = 8000,
    directory: Annotated[Path, typer.Option(help="The built site.")] = Path("_site"),
) -> None:
    """Serve the built website on http://localhost:PORT (Ctrl+C to stop)."""
    from pipeline.site.serve import serve_site

    serve_site(directory, port)


@app.command("check-site")
def check_site(
    directory: Annotated[Path, typer.Argument(help="The built site.")] = Path("_site"),
) -> None:
    """Check the built website: every internal link resolves and nothing loads from elsewhere."""
    from pipeline.site.linkcheck import check_site as run_check

    if not (directory / "index.html").exists():
        logs.console.print(f"{directory}/index.html not found: build the site first")
        raise typer.Exit(2)
    result = run_check(directory)
    problems = result.broken + result.external
    for problem in problems[:100]:
        logs.console.print(problem, markup=False, highlight=False, soft_wrap=True)
    if len(problems) > 100:
        logs.console.print(f"... and {len(problems) - 100} more")
    logs.console.print(
        f"{directory}: {len(result.pages)} pages, "
        f"{sum(len(links) for links in result.links.values())} internal links checked, "
        f"{len(result.broken)} broken, {len(result.external)} loads from other hosts"
    )
    raise typer.Exit(0 if result.ok else 1)


@app.command()
def bench(
    quick: Annotated[bool, typer.Option(help="A small, fast run (for tests).")] = False,
    scales: Annotated[str, typer.Option(help="Scales to run, e.g. 1,4.")] = "1,4",
    out: Annotated[Path, typer.Option(help="JSON file for the results.")] = Path(
        "bench-results.json"
    ),
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Time every stage at several scales; print a table and write JSON."""
    logs.configure(verbose, quiet)
    from pipeline.bench import run_bench

    run_bench(scales=[float(s) for s in scales.split(",")], quick=quick, out=out)


def parse_years(text: str) -> list[int]:
    """Parse ``2019-2024`` or ``2022,2023,2024`` into a sorted list of years."""
    text = text.strip()
    try:
        if "-" in text:
            first, last = (int(part) for part in text.split("-", 1))
            years = list(range(first, last + 1))
        else:
            years = sorted(int(part) for part in text.split(","))
    except ValueError as error:
        raise typer.BadParameter(
            f"years must look like 2019-2024 or 2023,2024, not {text!r}"
        ) from error
    if not years:
        raise typer.BadParameter("no years given")
    return years


if __name__ == "__main__":  # pragma: no cover
    app()
