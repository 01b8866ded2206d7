"""Load the demo: the national region list, a city's townships and villages (imported by a job),
one account per role, N people with certificates, households, hardship statuses and screening
records (canlian.demo.persons), the two subsidies' standards, enrollments and payment cycles
(canlian.demo.programs), pairing care with contacts, needs, petitions and festival visits
(canlian.demo.care), rehabilitation (canlian.demo.rehab), and last the city plan's targets with the
indicator summaries (canlian.demo.steering). Idempotent: running it again changes nothing (the people are skipped when the
region already holds demo people)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from canlian.core.accounts.actions import user_create
from canlian.core.accounts.models import User
from canlian.core.jobs.actions import job_submit
from canlian.core.jobs.runner import run_job
from canlian.core.permissions import Role
from canlian.core.regions.actions import regions_load_national
from canlian.core.regions.models import Region
from canlian.demo.care import generate_demo_care
from canlian.demo.community import generate_demo_community
from canlian.demo.edu_employment import generate_demo_edu_employment
from canlian.demo.edu_programs import generate_demo_edu_programs
from canlian.demo.matching import generate_demo_matching
from canlian.demo.persons import generate_demo_persons
from canlian.demo.programs import generate_demo_programs
from canlian.demo.regions import demo_region_rows
from canlian.demo.rehab import generate_demo_rehab
from canlian.demo.rehabservices import generate_demo_services
from canlian.demo.steering import SHORTFALL, generate_demo_steering
from canlian.platform.commands import CanlianCommand
from canlian.platform.progress import TerminalProgress

DEMO_PASSWORD = "canlian-demo-2026"  # noqa: S105  (printed for the demo; never used in production)


class Command(CanlianCommand):
    help = (
        "Load demo data for a city: regions below county, one account per role, and --persons people "
        "(certificates, households, hardship, screening)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--region", default="3705", help="demo city (prefecture code), default 3705 东营市"
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--persons",
            type=int,
            default=3000,
            help="demo people to generate in the city (default 3000; 0 = none). Skipped when the city "
            "already holds demo people.",
        )
        parser.add_argument("--no-queue", action="store_true", help="do not leave a job for the worker")

    def handle(self, *args: Any, **options: Any) -> None:
        city_code = options["region"]
        if not Region.objects.filter(level=1).exists():
            result = regions_load_national()
            self.stdout.write(f"national regions loaded: {result.created}")
        city = Region.objects.filter(code=city_code, level=2).first()
        if city is None:
            self.stderr.write(f"No prefecture {city_code}.")
            return
        rows = demo_region_rows(city_code, seed=options["seed"])
        demo_dir = Path(settings.VAR_DIR) / "demo"
        demo_dir.mkdir(parents=True, exist_ok=True)
        path = demo_dir / f"regions-{city_code}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["代码", "名称"])
            writer.writerows(rows)
        accounts = self._accounts(city)
        job = job_submit(
            actor=None,
            kind="regions.import",
            params={"path": str(path), "filename": path.name},
            region_code=city_code,
            enqueue=False,
        )
        run_job(job.pk, progress=lambda inner: TerminalProgress(mirror=inner, stream=self.stderr._out))
        job.refresh_from_db()
        self.stdout.write(f"townships and villages of {city.name}: {job.counts} (job {job.pk})")
        accounts = self._accounts(city, create=True)
        if not options["no_queue"]:
            # A check of the same ledger, left for the worker: the job page shows its progress.
            admin = User.objects.get(username=accounts[0][0])
            check = job_submit(
                actor=admin,
                kind="regions.import",
                params={"path": str(path), "filename": path.name, "dry_run": True},
                region_code=city_code,
            )
            self.stdout.write(f"queued job {check.pk} (dry-run check of {path.name}) for the worker")
        if options["persons"] > 0:
            self._persons(city_code, options["persons"], options["seed"])
            self._programs(city_code, options["seed"])
            self._care(city_code, options["seed"])
        accounts += self._rehab(city_code)
        # --- the domains after steering (issues 14, 16, 17, 18) add their calls here, before the targets
        self.stdout.write(generate_demo_community(region_code=city_code))
        self.stdout.write(generate_demo_services(region_code=city_code))
        self.stdout.write(str(generate_demo_matching(region_code=city_code)))
        self.stdout.write(str(generate_demo_edu_employment(region_code=city_code)))
        self.stdout.write(generate_demo_edu_programs(region_code=city_code))
        # --- end domains
        self._steering(city_code)
        self._print(accounts)

    def _steering(self, city_code: str) -> None:
        """Last, once everything else is loaded: the city plan's targets cascaded to counties and
        townships, the bulletin scheme, and the indicator summaries of this year (and last year)."""
        admin = User.objects.filter(username="shi_admin").first()
        if admin is None:
            return
        result = generate_demo_steering(region_code=city_code, actor=admin)
        for year, refreshed in sorted(result.refreshed.items()):
            self.stdout.write(
                f"indicators {year}: {refreshed.indicators} refreshed ({refreshed.months} indicator-months) "
                f"in {refreshed.seconds:.1f} s"
            )
        months = ", ".join(f"{m:%m}" for m in result.cycle_months) or "none"
        self.stdout.write(f"  subsidy cycles approved in {result.year}: months {months}")
        if result.missing:
            self.stdout.write(f"  plan items without an indicator (skipped): {', '.join(result.missing)}")
        if result.skipped:
            self.stdout.write(
                f"targets: {city_code} already has targets for {result.year} (or no certified people)"
            )
            return
        levels = ", ".join(f"level {level} {n}" for level, n in sorted(result.targets.items()))
        self.stdout.write(
            f"targets {result.year}: {sum(result.targets.values())} ({levels}); plan scaled by "
            f"{result.certified:,} certified / 50,000; bulletin scheme {result.scheme!r}"
        )
        self.stdout.write(
            f"  {result.short_county}: the townships' living-subsidy parts are {SHORTFALL} short "
            "(the cascade warning on the targets page)"
        )

    def _programs(self, city_code: str, seed: int) -> None:
        """The two subsidies: standards, the province's setting, enrollments and payment cycles
        (generated by the city admin, approved by the province admin)."""
        generator = User.objects.filter(username="shi_admin").first()
        approver = User.objects.filter(username="sheng_admin").first()
        result = generate_demo_programs(
            region_code=city_code, seed=seed, generator=generator, approver=approver
        )
        if result.skipped:
            self.stdout.write(f"subsidies: enrollments already exist in {city_code}; none generated")
            return
        enrolled = ", ".join(f"{code} {n:,}" for code, n in result.enrollments.items())
        self.stdout.write(
            f"subsidies: enrollments {enrolled}; {result.cycles} cycles with {result.lines:,} lines "
            f"({result.paid:,} paid, {result.failed:,} failed) in {result.seconds:.1f} s"
        )
        if result.recovered:
            self.stdout.write(
                f"  a death recorded late: {result.recovered} yuan to recover (补贴救助 → 追缴管理)"
            )

    def _care(self, city_code: str, seed: int) -> None:
        """Pairing care: cadres paired with the people who should be paired, a year and a half of
        contacts and visits, needs, petitions, an invitation event and festival visits."""
        overseer = User.objects.filter(username="shi_admin").first()
        if overseer is None:
            return
        result = generate_demo_care(
            region_code=city_code, seed=seed, overseer=overseer, password=DEMO_PASSWORD
        )
        if result.skipped:
            self.stdout.write(f"care: pairings already exist in {city_code}; none generated")
            return
        counts = ", ".join(f"{name} {n:,}" for name, n in result.counts.items())
        self.stdout.write(f"care: {result.cadres} cadres; {counts} in {result.seconds:.1f} s")

    def _rehab(self, city_code: str) -> list[tuple[str, str, str, str]]:
        """Children's rehabilitation and supervision: institutions, staff and training, children's
        applications, plans and attendance, settlement rules and batches, inspections and notices.
        Returns the institution staff sign-in to print with the other accounts."""
        result = generate_demo_rehab(region_code=city_code, password=DEMO_PASSWORD)
        if result.skipped:
            self.stdout.write(
                f"rehabilitation: demo institutions already exist in {city_code}; none generated"
            )
        else:
            counts = ", ".join(f"{name} {n:,}" for name, n in result.counts.items())
            self.stdout.write(f"rehabilitation ({result.year}): {counts} in {result.seconds:.1f} s")
            self.stdout.write(
                "  settlement rule 3705 from 2023-01-01: 170 training days → 15,000 training + 3,000 "
                "transport; below 170 days pro rata to the days (169 days → 17,894.11)"
            )
            for name, children, total, status in result.batches:
                self.stdout.write(f"  batch {name}: {children} children, {total:,.2f} yuan ({status})")
        staff = User.objects.filter(username="jigou").select_related("staff_member__institution").first()
        if staff is None or getattr(staff, "staff_member", None) is None:
            return []
        institution = staff.staff_member.institution
        return [
            ("jigou", str(Role.INSTITUTION_STAFF.label), f"{institution.name} {institution.region_code}", "")
        ]

    def _persons(self, city_code: str, count: int, seed: int) -> None:
        progress = TerminalProgress(stream=self.stderr._out)
        try:
            result = generate_demo_persons(region_code=city_code, count=count, seed=seed, progress=progress)
        finally:
            progress.close()
        if result.skipped:
            self.stdout.write(
                f"people: {result.existing:,} demo people already live in {city_code}; none generated"
            )
            return
        total = result.seconds["total"]
        counts = ", ".join(f"{name} {n:,}" for name, n in result.counts.items())
        self.stdout.write(
            f"people: {counts} in {total:.1f} s ({result.persons / total:,.0f} people/s; "
            f"household flags {result.seconds['flags']:.1f} s)"
        )

    def _accounts(self, city: Region, create: bool = False) -> list[tuple[str, str, str, str]]:
        counties = list(
            Region.objects.active().filter(parent=city, level=3).exclude(name="市辖区").order_by("code")
        )
        province = Region.objects.get(code=city.code[:2])
        first_county = counties[0]
        other_county = counties[2] if len(counties) > 2 else counties[-1]
        township = Region.objects.filter(parent=first_county, level=4).order_by("code").first()
        village = (
            Region.objects.filter(parent=township, level=5).order_by("code").first() if township else None
        )
        plan = [
            ("admin", Role.SYSADMIN, province, "系统管理员"),
            ("sheng_admin", Role.PROVINCE_ADMIN, province, "省残联管理员"),
            ("shi_admin", Role.CITY_ADMIN, city, "市残联管理员"),
            ("xian_admin", Role.COUNTY_ADMIN, first_county, f"{first_county.name}残联管理员"),
            ("xian2_admin", Role.COUNTY_ADMIN, other_county, f"{other_county.name}残联管理员"),
            ("zhen_worker", Role.TOWNSHIP_WORKER, township, "乡镇专职委员"),
            ("cun_assistant", Role.VILLAGE_ASSISTANT, village, "村（社区）专职委员"),
            ("ganbu", Role.CADRE, first_county, "结对帮扶干部"),
            ("minzheng", Role.CIVIL_AFFAIRS_REVIEWER, first_county, "民政审核员"),
            ("lingdao", Role.LEADER, city, "市残联领导"),
            ("shenji", Role.AUDITOR, city, "审计员"),
        ]
        out = []
        for username, role, region, display in plan:
            if region is None:
                continue
            if create and not User.objects.filter(username=username).exists():
                with transaction.atomic():
                    user = user_create(
                        actor=None,
                        username=username,
                        password=DEMO_PASSWORD,
                        role=role,
                        region=region,
                        display_name=display,
                        check_password=False,
                    )
                    if role == Role.SYSADMIN:
                        User.objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True)
            out.append((username, str(Role(role).label), f"{region.name} {region.code}", display))
        return out

    def _print(self, accounts: list[tuple[str, str, str, str]]) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD})")
        for username, role, region, _display in accounts:
            self.stdout.write(f"  {username:<14} {role:<40} {region}")
        self.stdout.write("")
