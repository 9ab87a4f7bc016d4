"""Run the array API conformance suite (data-apis/array-api-tests, in ``../shared/array-api-tests`` beside
the repository; it is not on PyPI) against a namespace on a Cambrian device, and summarise it per test file.

Used by ``test_array_api.py`` (CI) and ``scripts/conformance.sh`` (people)::

    python tests/conformance/suite.py --device opencl:cpu:0          # as CI runs it
    python tests/conformance/suite.py --whole --no-xfails            # the whole suite, nothing excused
    python tests/conformance/suite.py --module array_api_strict -k expm1

``xfails.txt`` and ``deselected.txt`` list test ids (or id prefixes), each with ``  # reason``; the suite's
own ``--xfails-file`` takes bare ids, so the reasons are stripped into a temporary copy.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SUITE = ROOT.parent / "shared" / "array-api-tests"
XFAILS = HERE / "xfails.txt"
DESELECTED = HERE / "deselected.txt"
VERSION = "2024.12"
#: Hypothesis settings of the CI run (issue 12: 20 examples or more, a fixed seed).
HYPOTHESIS_ARGS = ("--max-examples=20", "--hypothesis-seed=0", "--disable-deadline")
#: Outcomes that are not a pass; both devices must have the same set of these.
NOT_PASSED = ("failed", "error", "xfailed")
#: Tests whose input is drawn unseeded (``strategy.example()``, which ``--hypothesis-seed`` does not fix):
#: an xfailed one may pass by chance, so only its unexpected failures count when devices are compared.
UNSEEDED = ("array_api_tests/test_special_cases.py::test_unary[",)
#: Parts of pytest-json-report's report left out (the outcomes and failure messages stay).
JSON_OMIT = ("collectors", "keywords", "log", "streams", "warnings")
COLUMNS = ("passed", "failed", "error", "xfailed", "xpassed", "skipped")


def read_list(path: Path) -> list[tuple[str, str]]:
    """``(test id, reason)`` per entry of an xfails/deselected file; blank and ``#`` lines are headings.
    A line without ``  # reason`` raises ValueError naming it."""
    entries = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        test_id, sep, reason = line.partition("  # ")
        if not sep or not reason.strip() or not test_id.startswith("array_api_tests/"):
            raise ValueError(f"{path.name}:{number}: expected 'array_api_tests/...  # reason', got {line!r}")
        entries.append((test_id.strip(), reason.strip()))
    return entries


@dataclass
class Run:
    """One run of the suite: exit status, wall time and the outcome of every test id."""

    device: str
    module: str
    returncode: int
    seconds: float
    outcomes: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    seconds_per_test: dict[str, float] = field(default_factory=dict)
    output: str = ""

    def not_passed(self) -> dict[str, str]:
        """Test id -> outcome for every test that failed, errored or failed as expected (but not an
        expected failure of an unseeded test: see UNSEEDED)."""
        return {k: v for k, v in self.outcomes.items()
                if v in NOT_PASSED and not (v == "xfailed" and k.startswith(UNSEEDED))}

    def unexpected(self) -> dict[str, str]:
        """Test id -> failure message of every test that failed or errored without an xfail."""
        return {k: self.messages.get(k, v) for k, v in self.outcomes.items() if v in ("failed", "error")}

    def counts(self) -> Counter:
        return Counter(self.outcomes.values())


def command(*, xfails_file: Path | None, deselect: bool, json_file: Path,
            extra: tuple[str, ...] = ()) -> list[str]:
    """The pytest command line run inside the copied suite."""
    cmd = [sys.executable, "-m", "pytest", "array_api_tests/", "-q", "-p", "no:cacheprovider",
           "-p", "ci_profile", "-W", "ignore", *HYPOTHESIS_ARGS, "--json-report",
           f"--json-report-file={json_file}", "--json-report-omit", *JSON_OMIT]
    if xfails_file is not None:
        cmd.append(f"--xfails-file={xfails_file}")
    if deselect:
        cmd += [f"--deselect={test_id}" for test_id, _ in read_list(DESELECTED)]
    return cmd + list(extra)


def run(device: str = "cpu", *, module: str = "cambrian", xfails: bool = True, deselect: bool = True,
        workdir: Path | None = None, extra: tuple[str, ...] = (), timeout: float | None = None) -> Run:
    """Copy the suite to ``workdir`` (by default a temporary folder, removed afterwards), run it against
    ``module`` with ``CAMBRIAN_DEVICE=device`` and return the outcomes. ``xfails``/``deselect`` apply this
    folder's lists."""
    if not SUITE.is_dir():
        raise FileNotFoundError(f"{SUITE} not found (the array API conformance suite is not on PyPI)")
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="array-api-tests-") as tmp:
            return run(device, module=module, xfails=xfails, deselect=deselect, workdir=Path(tmp),
                       extra=extra, timeout=timeout)
    workdir = Path(workdir)
    tree = workdir / "array-api-tests"
    shutil.copytree(SUITE, tree, ignore=shutil.ignore_patterns(".git", "__pycache__", ".hypothesis"))
    xfails_file = None
    if xfails:
        xfails_file = workdir / "xfails-ids.txt"
        xfails_file.write_text("".join(f"{test_id}\n" for test_id, _ in read_list(XFAILS)))
    json_file = workdir / "report.json"
    env = dict(os.environ, ARRAY_API_TESTS_MODULE=module, ARRAY_API_TESTS_VERSION=VERSION,
               CAMBRIAN_DEVICE=device,  # ci_profile.py, the plugin command() loads, is found here:
               PYTHONPATH=os.pathsep.join([str(HERE), *filter(None, [os.environ.get("PYTHONPATH")])]))
    start = time.perf_counter()
    cmd = command(xfails_file=xfails_file, deselect=deselect, json_file=json_file, extra=extra)
    proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)
    result = Run(device, module, proc.returncode, time.perf_counter() - start,
                 output=proc.stdout + proc.stderr)
    if json_file.exists():
        for test in json.loads(json_file.read_text()).get("tests", []):
            result.outcomes[test["nodeid"]] = test["outcome"]
            result.seconds_per_test[test["nodeid"]] = sum(
                (test.get(stage) or {}).get("duration", 0.0) for stage in ("setup", "call", "teardown"))
            for stage in ("setup", "call", "teardown"):
                info = test.get(stage) or {}
                if test["outcome"] != "passed" and (info.get("crash") or info.get("longrepr")):
                    result.messages[test["nodeid"]] = _first_error(info)
                    break
    return result


def _first_error(info: dict) -> str:
    text = str((info.get("crash") or {}).get("message") or info.get("longrepr") or "").strip()
    return (text.splitlines() or [""])[0][:300]


def summary(result: Run) -> str:
    """A table of outcomes per test file, the totals and the pass rate (passed / collected, as the suite's
    references count it)."""
    per_file: dict[str, Counter] = defaultdict(Counter)
    for test_id, outcome in result.outcomes.items():
        per_file[test_id.split("::")[0].removeprefix("array_api_tests/")][outcome] += 1
    width = max([len(f) for f in per_file] + [5])
    lines = [f"{'file':<{width}} " + " ".join(f"{c:>8}" for c in COLUMNS) + "    rate"]
    for name in [*sorted(per_file), "total"]:
        counts = result.counts() if name == "total" else per_file[name]
        ran = sum(counts.values())
        rate = f"{100 * counts['passed'] / ran:6.1f}%" if ran else "     -"
        lines.append(f"{name:<{width}} " + " ".join(f"{counts[c]:>8}" for c in COLUMNS) + f" {rate}")
    lines.append(f"{result.module} on {result.device}: exit code {result.returncode}, {result.seconds:.0f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", help="CAMBRIAN_DEVICE for the run (default cpu)")
    parser.add_argument("--module", default="cambrian", help="ARRAY_API_TESTS_MODULE (default cambrian)")
    parser.add_argument("--whole", action="store_true", help="run parts 2 and 3 too (no deselected.txt)")
    parser.add_argument("--no-xfails", action="store_true", help="run without xfails.txt")
    parser.add_argument("--failures", action="store_true", help="list every test that did not pass")
    parser.add_argument("--slowest", type=int, default=0, metavar="N", help="list the N slowest tests")
    parser.add_argument("--json", type=Path, help="write {test id: outcome} to this file")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments (after --), e.g. -k expm1")
    args = parser.parse_args(argv)
    result = run(args.device, module=args.module, xfails=not args.no_xfails, deselect=not args.whole,
                 extra=tuple(args.pytest_args))
    if not result.outcomes:
        print(result.output[-3000:])
    if args.failures:
        for test_id, outcome in sorted(result.not_passed().items()):
            print(f"{outcome:8} {test_id}  {result.messages.get(test_id, '')}")
    for test_id, seconds in sorted(result.seconds_per_test.items(), key=lambda t: -t[1])[:args.slowest]:
        print(f"{seconds:7.1f} s  {test_id}")
    if args.json:
        args.json.write_text(json.dumps({"outcomes": result.outcomes, "messages": result.messages}, indent=1))
    print(summary(result))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
