"""The django-tasks task that the worker (``canlian db_worker``) runs for every submitted job."""

from django_tasks import task

from canlian.core.jobs.runner import run_job


@task()
def run_job_task(job_id: int) -> None:
    run_job(job_id)
