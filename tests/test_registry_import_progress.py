"""The import's progress moves while a small file is read (issue 15 item 18): a 6,000-row file is read
in rounds of a few hundred rows, each reported, on both databases."""

from __future__ import annotations

import test_registry_import
from test_registry_import import ledger_rows, write_csv

from canlian.core.registry.importing import persons_import

places = test_registry_import.places  # the fixture: more villages of 东营区


class Recorder:
    def __init__(self) -> None:
        self.starts: list[tuple[int | None, str]] = []
        self.done: list[int] = []
        self._done = 0

    def start(self, total, stage=""):
        self.starts.append((total, str(stage)))
        self._done = 0

    def advance(self, n=1):
        self._done += n
        self.done.append(self._done)

    def log(self, message, level="info"):
        pass

    def count(self, **counts):
        pass


def test_progress_advances_in_many_steps_while_checking(places, county_admin, tmp_path):
    rows, _bad = ledger_rows(6000)
    recorder = Recorder()
    result = persons_import(actor=county_admin, path=write_csv(tmp_path / "p.csv", rows), progress=recorder)
    assert result.new == 6000
    total, _stage = recorder.starts[0]
    assert total is not None and abs(total - 6000) < 600  # estimated from the file's size
    checking = recorder.done[: recorder.done.index(6000) + 1]
    assert len(checking) >= 10  # not one jump from 0 to 100 %
    assert checking == sorted(checking) and checking[0] <= 6000 // 10
