#!/usr/bin/python3
"""Execute rim notebooks headless with the rim (GoNB) kernel and fail on errors.

Usage:
  kernel/runnb.py [--out DIR] [--kernel rim] [--timeout S] [--json FILE] [NOTEBOOK_OR_DIR ...]
  kernel/runnb.py --check-clean [NOTEBOOK_OR_DIR ...]   # committed notebooks carry no outputs
  kernel/runnb.py --strip [NOTEBOOK_OR_DIR ...]         # remove outputs in place
  kernel/runnb.py --selftest                            # kernel/selftest/*.ipynb must be judged right

A notebook fails when any cell produces an error output, or when a cell's stderr
shows GoNB's runtime-failure trace ("exit status N", "signal: ...", "panic: ..."):
GoNB does not always turn a failed cell program into a Jupyter error, so the
outputs are scanned. Executing stops at the first failing cell of a notebook.
A cell also fails when a figure it sent never arrived: display.Show records
each figure it sends in the file named by $RIM_DISPLAY_LOG (set here for the
kernel), and the cell's display outputs must include one "figure: TITLE"
display per record. The HTML export must keep every figure as an image (a
data-URI <img>; nbconvert 6.5 empties inline <svg>), else the notebook fails.
Executed copies (.ipynb and .html) are written under --out (default
$RIM_NB_OUT or $TMPDIR/rim-notebooks), never into the repository.

Prints per-cell and per-notebook times and a closing line
"notebooks: N passed, N failed"; exit status 1 when any failed.

Written in Python because Jupyter's own client (nbclient, from Debian's
python3-nbclient) is the reference way to drive a kernel; it runs under
/usr/bin/python3 with Debian packages only.
"""

import argparse
import json
import os
import re
import sys
import tempfile
import time

import nbformat

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# Lines GoNB (or the Go runtime) prints on stderr when a cell's program failed.
FAILURE_RE = re.compile(
    r"^(exit status \d+|signal: [\w ]+|panic: |fatal error: |goroutine \d+ \[running\]:)",
    re.MULTILINE,
)
# Machine-specific paths that must never be committed inside notebook outputs.
PATH_RE = re.compile(r"(/work/|/home/|/root/|/tmp/|/Users/|[A-Z]:\\\\)")


def find_notebooks(args, default_dir):
    paths = args or [default_dir]
    out = []
    for p in paths:
        if os.path.isdir(p):
            for dirpath, dirnames, files in os.walk(p):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                out += [os.path.join(dirpath, f) for f in sorted(files) if f.endswith(".ipynb")]
        elif p.endswith(".ipynb") and os.path.isfile(p):
            out.append(p)
        else:
            raise SystemExit(f"runnb: {p}: not a notebook or directory")
    return out


def strip_ansi(s):
    return re.sub(r"\x1b\[[0-9;]*m", "", s)


def cell_failure(cell):
    """Returns a one-line reason if the executed cell failed, else None."""
    for o in cell.get("outputs", []):
        if o.get("output_type") == "error":
            return "error output: %s: %s" % (o.get("ename", ""), strip_ansi(o.get("evalue", "")).strip()[:300])
        if o.get("output_type") == "stream" and o.get("name") == "stderr":
            m = FAILURE_RE.search(strip_ansi(o.get("text", "")))
            if m:
                return "runtime failure on stderr: %s" % m.group(0).strip()
    return None


FIGURE_PREFIX = "figure: "  # display.FigurePlain
IMG_RE = re.compile(r'<img[^>]*src="data:image/(svg\+xml|png);base64,[A-Za-z0-9+/=]{64,}')


def figure_outputs(cell):
    """The titles of the figure displays (text/plain "figure: TITLE") in a cell's outputs."""
    titles = []
    for o in cell.get("outputs", []):
        if o.get("output_type") in ("display_data", "execute_result"):
            plain = o.get("data", {}).get("text/plain", "")
            plain = "".join(plain) if isinstance(plain, list) else plain
            if plain.startswith(FIGURE_PREFIX):
                titles.append(plain[len(FIGURE_PREFIX):])
    return titles


def read_display_log(path, offset):
    """Returns the records appended to the display log since offset, and the new offset."""
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read()
    except FileNotFoundError:
        return [], offset
    recs = []
    for line in data.decode("utf-8", "replace").splitlines():
        try:
            recs.append(json.loads(line))
        except ValueError:
            recs.append({"kind": "figure", "title": line.strip()})
    return recs, offset + len(data)


def missing_figures(sent, cell):
    """Returns a reason if figures recorded as sent are missing from the cell's outputs."""
    want = [r.get("title", "") for r in sent if r.get("kind") == "figure"]
    got = figure_outputs(cell)
    lost = list(want)
    for t in got:
        if t in lost:
            lost.remove(t)
    if len(got) < len(want):
        return "%d figure(s) sent by display.Show never arrived as display outputs: %s" % (
            len(want) - len(got), ", ".join(repr(t) for t in lost[: len(want) - len(got)]) or "?")
    return None


def html_figures(html):
    """The number of images embedded as data URIs in an nbconvert HTML export."""
    return len(IMG_RE.findall(html))


def write_atomic(path, data):
    d = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=d, prefix="." + os.path.basename(path) + ".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def run_notebook(path, out_dir, kernel, timeout, log):
    """Executes one notebook; returns a result dict."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    inside = os.path.abspath(path).startswith(ROOT + os.sep)
    name = os.path.relpath(path, ROOT) if inside else os.path.basename(path)
    res = {"notebook": name, "status": "passed", "reason": "", "cells": [], "seconds": 0.0}
    t0 = time.monotonic()
    fd, display_log = tempfile.mkstemp(prefix="rim-display-", suffix=".jsonl")
    os.close(fd)
    os.environ["RIM_DISPLAY_LOG"] = display_log  # inherited by the kernel and its cell programs
    log_offset = 0
    client = NotebookClient(
        nb,
        kernel_name=kernel,
        timeout=timeout,
        allow_errors=True,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
    )
    try:
        with client.setup_kernel():
            for i, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                c0 = time.monotonic()
                try:
                    client.execute_cell(cell, i)
                    why = cell_failure(cell)
                    sent, log_offset = read_display_log(display_log, log_offset)
                    why = why or missing_figures(sent, cell)
                except CellExecutionError as e:  # only with allow_errors=False; kept for safety
                    why = "error: %s" % str(e).splitlines()[0]
                except Exception as e:  # timeouts, dead kernel
                    why = "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")
                dt = time.monotonic() - c0
                res["cells"].append({"index": i, "seconds": round(dt, 3), "ok": why is None})
                first = (cell.source.strip().splitlines() or [""])[0][:60]
                log("  cell %-3d %7.2fs  %s  %s" % (i, dt, "ok  " if why is None else "FAIL", first))
                if why is not None:
                    res["status"], res["reason"] = "failed", "cell %d: %s" % (i, why)
                    log("    -> " + why)
                    break
    except Exception as e:  # kernel did not start
        hint = " (install it with kernel/install.sh)" if "NoSuchKernel" in type(e).__name__ else ""
        res["status"], res["reason"] = "failed", "kernel %r: %s: %s%s" % (kernel, type(e).__name__, e, hint)
        log("  " + res["reason"])
    res["seconds"] = round(time.monotonic() - t0, 3)
    os.environ.pop("RIM_DISPLAY_LOG", None)
    os.remove(display_log)

    if out_dir:
        base = os.path.splitext(name.replace(os.sep, "__"))[0]
        os.makedirs(out_dir, exist_ok=True)
        write_atomic(os.path.join(out_dir, base + ".ipynb"), nbformat.writes(nb))
        try:
            from nbconvert import HTMLExporter

            html, _ = HTMLExporter().from_notebook_node(nb)
            write_atomic(os.path.join(out_dir, base + ".html"), html)
        except Exception as e:  # HTML is a convenience; the .ipynb is the artefact
            html = None
            log("  (no html: %s)" % e)
        shown = sum(len(figure_outputs(c)) for c in nb.cells if c.cell_type == "code")
        if html is not None and html_figures(html) < shown and res["status"] == "passed":
            res["status"] = "failed"
            res["reason"] = "html export kept %d of %d figures as images" % (html_figures(html), shown)
            log("  " + res["reason"])
    return res


def run(paths, out_dir, kernel, timeout, json_path=None, log=print, summary=True):
    results = []
    for p in paths:
        log("notebook %s" % p)
        r = run_notebook(p, out_dir, kernel, timeout, log)
        log("notebook %s: %s in %.1fs%s" % (r["notebook"], r["status"], r["seconds"],
                                            "" if not r["reason"] else " (%s)" % r["reason"]))
        results.append(r)
    passed = sum(r["status"] == "passed" for r in results)
    failed = len(results) - passed
    if json_path:
        write_atomic(json_path, json.dumps(results, indent=1))
    if out_dir:
        log("executed copies in %s" % out_dir)
    if summary:
        log("notebooks: %d passed, %d failed" % (passed, failed))
    return results, failed


def check_clean(paths):
    bad = 0
    for p in paths:
        nb = nbformat.read(p, as_version=4)
        for i, c in enumerate(nb.cells):
            if c.cell_type != "code":
                continue
            if c.get("outputs") or c.get("execution_count") is not None:
                print("runnb: %s: cell %d has outputs; run kernel/runnb.py --strip %s" % (p, i, p))
                bad += 1
                break
        if PATH_RE.search(json.dumps(nb.get("metadata", {}))):
            print("runnb: %s: notebook metadata contains a machine path" % p)
            bad += 1
    print("clean check: %d notebooks, %d with problems" % (len(paths), bad))
    return bad


def strip(paths):
    for p in paths:
        nb = nbformat.read(p, as_version=4)
        for c in nb.cells:
            if c.cell_type == "code":
                c.outputs, c.execution_count = [], None
                c.metadata.pop("execution", None)
        write_atomic(p, nbformat.writes(nb))
        print("stripped %s" % p)


def selftest(out_dir, kernel, timeout):
    """Runs kernel/selftest: pass_*.ipynb must pass and fail_*.ipynb must fail."""
    paths = find_notebooks([], os.path.join(HERE, "selftest"))
    # No "notebooks: N passed, N failed" line here: most self-test notebooks
    # fail on purpose, and CI readers take that line as the test result.
    results, _ = run(paths, out_dir, kernel, timeout, summary=False)
    wrong = []
    for p, r in zip(paths, results):
        want = "failed" if os.path.basename(p).startswith("fail_") else "passed"
        if r["status"] != want:
            wrong.append("%s: want %s, got %s %s" % (os.path.basename(p), want, r["status"], r["reason"]))
    for w in wrong:
        print("selftest: WRONG " + w)
    print("runner selftest: %d notebooks, %d judged wrongly" % (len(paths), len(wrong)))
    return 1 if wrong or not paths else 0


def main(argv):
    ap = argparse.ArgumentParser(prog="runnb", description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--out", default=os.environ.get("RIM_NB_OUT", os.path.join(tempfile.gettempdir(), "rim-notebooks")))
    ap.add_argument("--kernel", default="rim")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    ap.add_argument("--json", help="write per-notebook results here")
    ap.add_argument("--check-clean", action="store_true")
    ap.add_argument("--strip", action="store_true")
    ap.add_argument("--selftest", action="store_true")
    a = ap.parse_args(argv)
    if a.selftest:
        return selftest(os.path.join(a.out, "selftest"), a.kernel, a.timeout)
    paths = find_notebooks(a.paths, os.path.join(ROOT, "notebooks"))
    if a.strip:
        strip(paths)
        return 0
    if a.check_clean:
        return 1 if check_clean(paths) else 0
    if not paths:
        print("runnb: no notebooks found")
        print("notebooks: 0 passed, 0 failed")
        return 1
    _, failed = run(paths, a.out, a.kernel, a.timeout, a.json)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
