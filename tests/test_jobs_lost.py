"""A job whose worker was killed does not stay "running" for ever (issue 15 item 8): the runner
writes a heartbeat from its own connection; a running job whose worker process on this host is gone,
or whose heartbeat is older than the stale limit, is failed with the reason and can be retried."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from canlian.core.jobs import actions, registry
from canlian.core.jobs.choices import JobStatus
from canlian.core.jobs.daily import daily_tasks
from canlian.core.jobs.models import Job
from canlian.core.jobs.runner import WORKER_LOST, jobs_fail_lost, run_job
from canlian.core.regions.models import Region


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def submitted(actor) -> Job:
    return actions.job_submit(
        actor=actor,
        kind="regions.import",
        region_code="370502",
        enqueue=False,
        upload=SimpleUploadedFile("t.csv", "代码,名称\n370502002,黄河路街道\n".encode()),
    )


def as_running(job: Job, *, worker: str, beat_minutes_ago: int) -> Job:
    beat = timezone.now() - dt.timedelta(minutes=beat_minutes_ago)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, worker=worker, started_at=beat, heartbeat_at=beat, attempts=1
    )
    return job


def test_a_job_whose_worker_process_died_is_failed_and_can_be_retried(county_admin):
    job = as_running(
        submitted(county_admin), worker=f"{socket.gethostname()}:{dead_pid()}", beat_minutes_ago=1
    )
    assert jobs_fail_lost() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error_code == WORKER_LOST and job.worker in job.error
    assert job.finished_at and job.log_lines.filter(level="error").exists()
    actions.job_retry(actor=county_admin, job_id=job.pk)
    done = run_job(job.pk)
    assert done.status == JobStatus.SUCCEEDED and done.attempts == 2 and done.error == ""
    assert Region.objects.filter(code="370502002").exists()


def test_a_live_worker_of_this_host_keeps_its_job_whatever_its_heartbeat(county_admin):
    # A live process (this test's parent) may hold SQLite's write lock and miss its beats.
    job = as_running(
        submitted(county_admin),
        worker=f"{socket.gethostname()}:{__import__('os').getppid()}",
        beat_minutes_ago=60,
    )
    assert jobs_fail_lost() == 0
    assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING


def test_another_hosts_job_is_failed_only_once_its_heartbeat_is_older_than_the_limit(county_admin, settings):
    settings.CANLIAN_JOB_STALE_SECONDS = 600
    fresh = as_running(submitted(county_admin), worker="worker-2:4242", beat_minutes_ago=9)
    stale = as_running(submitted(county_admin), worker="worker-2:4243", beat_minutes_ago=11)
    assert jobs_fail_lost() == 1
    assert Job.objects.get(pk=fresh.pk).status == JobStatus.RUNNING
    stale.refresh_from_db()
    assert stale.status == JobStatus.FAILED and stale.error_code == WORKER_LOST
    assert timezone.localtime(stale.heartbeat_at).strftime("%H:%M:%S") in stale.error  # since when
    # the next job a worker runs fails the lost ones first; a daily task does it too
    assert "jobs.fail_lost" in {t.code for t in daily_tasks()}
    Job.objects.filter(pk=fresh.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=30))
    other = submitted(county_admin)
    run_job(other.pk)
    assert Job.objects.get(pk=fresh.pk).status == JobStatus.FAILED


def slow_job(*, job, progress):
    time.sleep(0.6)  # outside any transaction: the heartbeat's connection can write meanwhile
    return {}


@pytest.mark.django_db(transaction=True)
def test_the_runner_writes_a_heartbeat_while_the_handler_runs(regions, make_user, settings, monkeypatch):
    monkeypatch.setitem(
        registry._KINDS,
        "tests.slow",
        registry.JobKind(code="tests.slow", label="slow", handler=slow_job, permission="jobs.view"),
    )
    settings.CANLIAN_JOB_HEARTBEAT_SECONDS = 0.1
    admin = make_user("county_admin", "370502", username="beat_admin")
    job = Job.objects.create(kind="tests.slow", actor=admin, region_code="370502")
    done = run_job(job.pk)
    assert done.status == JobStatus.SUCCEEDED
    assert done.worker.endswith(f":{__import__('os').getpid()}")
    assert done.heartbeat_at > done.started_at + dt.timedelta(seconds=0.05)
