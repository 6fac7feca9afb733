"""Reports arriving while campaigns are stored: the check that lets a contact join one.

Each batch of reports the intake commits together is checked once against the
stored campaigns (``Store.campaign_arrivals``): their contacts are linked with
every campaign member. This times that check for a batch of ``--batch``
arrivals (half of them the personas of stored campaigns writing again under a
fresh profile address) and for a single arrival, against 30 to 1,000 stored
campaigns of 10 members each, on a SQLite file. All data is synthetic.

Writes bench/out/arrivals.json. No goal: a batch is checked after its reports
are acknowledged, but while it runs the next batch waits.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from _common import meta, write_json
from lurewatch.model import Level
from lurewatch.store.records import ReportSubmission, SubmittedContact, SubmittedItem

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "store"))

STAFF = 40
MEMBERS = 10


def _submission(
    reporter: str, name: str, url: str | None, text: str, score: int
) -> ReportSubmission:
    return ReportSubmission(
        reporter=reporter,
        channel="web",
        contacts=(
            SubmittedContact(
                name=name,
                profile_url=url,
                level=Level.MEDIUM,
                score=score,
                company=f"{name.split()[-1]} Policy Partners",
                items=(SubmittedItem(kind="message", excerpt=text),),
            ),
        ),
    )


def measure(campaigns: int, batch: int, folder: Path) -> dict[str, float | int]:
    from storesupport import FAST_HASHER

    from lurewatch.store import Store

    rng = random.Random(campaigns)
    store = Store.open(
        f"sqlite:///{folder}/arrivals-{campaigns}.db", hasher=FAST_HASHER, migrate=True
    )
    try:
        store.create_user("root", display_name="Admin", role="admin", actor="setup")
        staff = [f"staff{i:02d}" for i in range(STAFF)]
        for u in staff:
            store.create_user(u, display_name=u, role="reporter", actor="root")
        words = "budget committee defence briefing report client paid insight call".split()
        subs = [
            _submission(
                staff[k % STAFF],
                f"Persona Number{c}",
                f"https://www.linkedin.com/in/persona-{c}-{k}",
                f"Dear colleague, {' '.join(rng.choices(words, k=12))} {c}",
                45,
            )
            for c in range(campaigns)
            for k in range(MEMBERS)
        ]
        store.submit_reports(subs)
        relinked = store.relink_campaigns(actor="root")
        arriving = [
            _submission(
                staff[i % STAFF],
                f"Persona Number{i}" if i % 2 else f"Someone Else{i}",
                f"https://www.linkedin.com/in/fresh-{i}",
                "Hello again, would you have time for a call?",
                45,
            )
            for i in range(batch)
        ]
        reports = store.submit_reports(arriving)
        t = time.perf_counter()
        joins = store.campaign_arrivals(reports)
        batch_s = time.perf_counter() - t
        (one,) = store.submit_reports([_submission(staff[0], "Persona Number1", None, "Hi", 45)])
        t = time.perf_counter()
        store.campaign_arrivals([one])
        single_s = time.perf_counter() - t
        return {
            "campaigns": relinked.campaigns,
            "members": relinked.members,
            "batch": batch,
            "joined": len(joins),
            "batch_s": batch_s,
            "per_report_ms": batch_s / batch * 1000,
            "single_s": single_s,
        }
    finally:
        store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--campaigns", type=int, nargs="+", default=[30, 100, 300, 1000])
    ap.add_argument("--batch", type=int, default=50)
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.campaigns:
            r = measure(n, args.batch, Path(tmp))
            results.append(r)
            print(
                f"{r['campaigns']:5,} campaigns ({r['members']:,} members): "
                f"batch of {r['batch']} checked in {r['batch_s']:.2f} s "
                f"({r['per_report_ms']:.1f} ms a report, {r['joined']} joined); "
                f"one report alone {r['single_s']:.2f} s",
                flush=True,
            )
    write_json("arrivals", {"results": results, "meta": meta()})


if __name__ == "__main__":
    main()
