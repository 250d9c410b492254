"""The load test's schedule and arithmetic: ramp up in steps until a step fails, then hold at a
share of that load; per-phase statistics; the Markdown report.

Free of locust and Django, so that the tests can import it (importing locust monkey-patches
the standard library with gevent).
"""

import math
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

# The traffic mix, as shares of requests. The locustfile derives its user and task weights from
# these, and the report shows the mix that was measured.
MIX = {"search": 70, "profile": 20, "signed_in": 10}
KIND_LABELS = {
    "search": "searches with filters",
    "profile": "profile views",
    "signed_in": "signed-in shortlist actions and CSV exports",
}


@dataclass(frozen=True)
class RampSettings:
    """How the load grows and when a step counts as failed (all from LOAD_* variables)."""

    step_users: int = 10
    step_seconds: float = 60.0
    # Responses completing in a phase's first seconds are left out of its figures: users are
    # still arriving, or requests queued by the step before are still draining.
    settle_seconds: float = 10.0
    max_users: int = 400
    hold_seconds: float = 600.0
    hold_share: float = 0.8
    failure_p95_ms: float = 2000.0
    failure_error_rate: float = 0.01
    spawn_rate: float = 5.0
    # The concurrency the target below is judged at, and the target itself.
    target_users: int = 50
    target_p95_ms: float = 500.0

    ENVIRONMENT = {
        "step_users": "LOAD_STEP_USERS",
        "step_seconds": "LOAD_STEP_SECONDS",
        "settle_seconds": "LOAD_SETTLE_SECONDS",
        "max_users": "LOAD_MAX_USERS",
        "hold_seconds": "LOAD_HOLD_SECONDS",
        "hold_share": "LOAD_HOLD_SHARE",
        "failure_p95_ms": "LOAD_FAILURE_P95_MS",
        "failure_error_rate": "LOAD_FAILURE_ERROR_RATE",
        "spawn_rate": "LOAD_SPAWN_RATE",
        "target_users": "LOAD_TARGET_USERS",
        "target_p95_ms": "LOAD_TARGET_P95_MS",
    }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "RampSettings":
        environ = os.environ if environ is None else environ
        values = {}
        for name, variable in cls.ENVIRONMENT.items():
            raw = environ.get(variable, "").strip()
            if not raw:
                continue
            kind = type(getattr(cls, name))
            try:
                values[name] = kind(raw)
            except ValueError:
                raise ValueError(f"{variable} must be a number, not {raw!r}") from None
        settings = cls(**values)
        if settings.step_users < 1 or settings.max_users < settings.step_users:
            raise ValueError("LOAD_STEP_USERS must be at least 1 and at most LOAD_MAX_USERS")
        if not 0 < settings.hold_share <= 1:
            raise ValueError("LOAD_HOLD_SHARE must be more than 0 and at most 1")
        if settings.settle_seconds >= min(settings.step_seconds, settings.hold_seconds):
            raise ValueError("LOAD_SETTLE_SECONDS must be shorter than a step and the hold")
        return settings


@dataclass
class Sample:
    at: float  # when the response completed (seconds on the controller's clock)
    ms: float
    ok: bool
    kind: str


@dataclass
class Phase:
    stage: str  # "ramp" or "hold"
    users: int
    started: float
    ended: float | None = None
    samples: list[Sample] = field(default_factory=list)

    def measured(self, settle_seconds: float) -> tuple[list[Sample], float]:
        """The samples after the settling time, and the seconds they cover."""
        start = self.started + settle_seconds
        end = self.ended if self.ended is not None else max((s.at for s in self.samples), default=0)
        return [s for s in self.samples if s.at >= start], max(end - start, 0.0)


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (the smallest value at or above `share` of the values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def summarise(samples: list[Sample], seconds: float) -> dict:
    """Requests, errors, throughput and p50/p95/p99 (all requests, and per kind)."""

    def figures(chosen: list[Sample]) -> dict:
        times = [s.ms for s in chosen]
        errors = sum(not s.ok for s in chosen)
        return {
            "requests": len(chosen),
            "errors": errors,
            "error_rate": errors / len(chosen) if chosen else 0.0,
            "rps": len(chosen) / seconds if seconds else 0.0,
            "p50": percentile(times, 0.50),
            "p95": percentile(times, 0.95),
            "p99": percentile(times, 0.99),
        }

    result = figures(samples)
    result["seconds"] = seconds
    result["by_kind"] = {}
    for kind in MIX:
        chosen = [s for s in samples if s.kind == kind]
        result["by_kind"][kind] = {
            **figures(chosen),
            "share": len(chosen) / len(samples) if samples else 0.0,
        }
    return result


class RampThenHold:
    """Step the users up until a step fails (or the cap is reached), then hold at a share.

    `tick(now)` answers the user count for locust's shape (None to stop); `record()` files each
    response under the phase running when it completed.
    """

    def __init__(self, settings: RampSettings, announce=None):
        self.settings = settings
        self.announce = announce or (lambda message: None)
        self.phases: list[Phase] = []
        self.failure_users: int | None = None
        self.failure_reason = ""
        self.hold_users: int | None = None
        self.finished = False

    @property
    def current(self) -> Phase | None:
        return self.phases[-1] if self.phases else None

    def tick(self, now: float) -> tuple[int, float] | None:
        settings = self.settings
        if self.finished:
            return None
        phase = self.current
        if phase is None:
            phase = self._begin("ramp", settings.step_users, now)
        elif phase.stage == "ramp" and now - phase.started >= settings.step_seconds:
            phase.ended = now
            reason = self.failure(phase)
            self.announce(self.describe(phase, reason))
            if reason:
                self.failure_users, self.failure_reason = phase.users, reason
                phase = self._begin("hold", self._share_of(phase.users), now)
            elif phase.users + settings.step_users > settings.max_users:
                phase = self._begin("hold", self._share_of(phase.users), now)
            else:
                phase = self._begin("ramp", phase.users + settings.step_users, now)
        elif phase.stage == "hold" and now - phase.started >= settings.hold_seconds:
            phase.ended = now
            self.finished = True
            self.announce(self.describe(phase, ""))
            return None
        return phase.users, settings.spawn_rate

    def _share_of(self, users: int) -> int:
        return max(1, round(users * self.settings.hold_share))

    def _begin(self, stage: str, users: int, now: float) -> Phase:
        if stage == "hold":
            self.hold_users = users
            self.announce(
                f"holding at {users} users for {self.settings.hold_seconds:.0f} s "
                f"({self.settings.hold_share:.0%} of {self.phases[-1].users})"
            )
        else:
            self.announce(f"ramp: {users} users for {self.settings.step_seconds:.0f} s")
        phase = Phase(stage=stage, users=users, started=now)
        self.phases.append(phase)
        return phase

    def record(self, *, at: float, ms: float, ok: bool, kind: str) -> None:
        if self.current is not None and not self.finished:
            self.current.samples.append(Sample(at=at, ms=ms, ok=ok, kind=kind))

    def failure(self, phase: Phase) -> str:
        """Why a finished step counts as failed ("" when it held)."""
        settings = self.settings
        samples, seconds = phase.measured(settings.settle_seconds)
        figures = summarise(samples, seconds)
        if not samples:
            return "no request completed"
        if figures["error_rate"] > settings.failure_error_rate:
            return f"{figures['error_rate']:.1%} of requests failed"
        if figures["p95"] > settings.failure_p95_ms:
            return f"p95 {figures['p95']:.0f} ms is over {settings.failure_p95_ms:.0f} ms"
        return ""

    def describe(self, phase: Phase, reason: str) -> str:
        figures = summarise(*phase.measured(self.settings.settle_seconds))
        verdict = f"FAILED: {reason}" if reason else "held"
        if phase.stage == "hold":
            verdict = "done"
        return (
            f"{phase.stage} at {phase.users} users: {figures['requests']} requests, "
            f"{figures['rps']:.1f}/s, {figures['errors']} errors, p50 {_ms(figures['p50'])} ms, "
            f"p95 {_ms(figures['p95'])} ms, p99 {_ms(figures['p99'])} ms: {verdict}"
        )

    def results(self) -> dict:
        settle = self.settings.settle_seconds
        phases = []
        for phase in self.phases:
            samples, seconds = phase.measured(settle)
            phases.append(
                {"stage": phase.stage, "users": phase.users, **summarise(samples, seconds)}
            )
        return {
            "settings": asdict(self.settings),
            "phases": phases,
            "failure_users": self.failure_users,
            "failure_reason": self.failure_reason,
            "hold_users": self.hold_users,
            "finished": self.finished,
        }


def _duration(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:.0f} minute{'s' if seconds != 60 else ''}"
    return f"{seconds:.0f} seconds"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def target_verdict(results: dict) -> str:
    """Whether the ramp step at the target concurrency had no errors and p95 under target."""
    settings = results["settings"]
    users, budget = settings["target_users"], settings["target_p95_ms"]
    step = next(
        (p for p in results["phases"] if p["stage"] == "ramp" and p["users"] == users), None
    )
    if step is None:
        reached = max((p["users"] for p in results["phases"] if p["stage"] == "ramp"), default=0)
        if results["failure_users"] is not None and results["failure_users"] < users:
            return (
                f"NOT met: the ramp failed at {results['failure_users']} users, "
                f"before reaching {users}"
            )
        return f"not measured: the ramp did not step through {users} users (highest {reached})"
    met = step["errors"] == 0 and step["p95"] is not None and step["p95"] < budget
    return (
        f"{'met' if met else 'NOT met'}: at {users} users, {step['errors']} errors and p95 "
        f"{_ms(step['p95'])} ms (target: 0 errors, p95 under {budget:,.0f} ms)"
    )


def report_markdown(results: dict, *, context: dict) -> str:
    """The "Load test" section of docs/performance.md."""
    settings = results["settings"]
    hold = next((p for p in results["phases"] if p["stage"] == "hold"), None)
    measured = {kind: row["share"] for kind, row in hold["by_kind"].items()} if hold else {}
    if results["failure_users"] is not None:
        failure = (
            f"The first step that failed had **{results['failure_users']} users** "
            f"({results['failure_reason']})."
        )
    else:
        failure = (
            f"No step failed up to the cap of {settings['max_users']} users "
            "(LOAD_MAX_USERS), so the hold is at a share of the cap."
        )
    lines = [
        "## Load test",
        "",
        f"Measured by `make load` on {context['date']}, on {context['machine']}; load average "
        f"{context['load_before']} before the run and {context['load_after']} at its end "
        "(1, 5 and 15 minutes; other work shares this machine).",
        f"Code at {context['code']}. {context['organisations']:,} published organisations in "
        "PostgreSQL 15 (the settings of scripts/with-postgres.sh: shared_buffers 512 MB, "
        "work_mem 32 MB, fsync off); gunicorn "
        f"({context['workers']} sync workers, deploy/gunicorn.conf.py, production settings) "
        "behind nginx (deploy/nginx, with TLS, on a local port), locust "
        f"{context['locust_version']} headless on the same machine. Each simulated user waits "
        f"{context['wait']} seconds between requests and comes from its own loopback address, "
        "so nginx's and Django's per-address rate limits apply as they would to real people.",
        "",
        "Traffic mix (share of requests, planned and measured in the hold): "
        + "; ".join(
            f"{KIND_LABELS[kind]} {MIX[kind]}%, {measured.get(kind, 0):.0%}" for kind in MIX
        )
        + ".",
        "",
        f"The users went up by {settings['step_users']} every {settings['step_seconds']:.0f} s "
        f"until a step had more than {settings['failure_error_rate']:.0%} errors or a p95 over "
        f"{settings['failure_p95_ms']:,.0f} ms. {failure} The load was then held at "
        f"{settings['hold_share']:.0%} of that, **{results['hold_users']} users, for "
        f"{_duration(settings['hold_seconds'])}**. Figures leave out each phase's first "
        f"{settings['settle_seconds']:.0f} s.",
        "",
        *(
            []
            if results["finished"]
            else ["**The run was cut short** (time limit) before the hold ended.", ""]
        ),
        f"**Target** (zero errors and p95 under {settings['target_p95_ms']:,.0f} ms at "
        f"{settings['target_users']} concurrent users): {target_verdict(results)}.",
        "",
    ]
    if hold:
        lines += [
            f"### Hold at {hold['users']} users",
            "",
            "| requests | requests/s | errors | p50 (ms) | p95 (ms) | p99 (ms) |",
            "|---:|---:|---:|---:|---:|---:|",
            f"| {hold['requests']:,} | {hold['rps']:.1f} | {hold['errors']:,} "
            f"| {_ms(hold['p50'])} | {_ms(hold['p95'])} | {_ms(hold['p99'])} |",
            "",
            "| kind | share | requests | errors | p50 (ms) | p95 (ms) | p99 (ms) |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for kind, row in hold["by_kind"].items():
            lines.append(
                f"| {KIND_LABELS[kind]} | {row['share']:.1%} | {row['requests']:,} "
                f"| {row['errors']:,} | {_ms(row['p50'])} | {_ms(row['p95'])} "
                f"| {_ms(row['p99'])} |"
            )
        lines.append("")
    lines += [
        "### Ramp",
        "",
        "| users | requests | requests/s | errors | p50 (ms) | p95 (ms) | p99 (ms) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for phase in results["phases"]:
        if phase["stage"] == "ramp":
            lines.append(
                f"| {phase['users']} | {phase['requests']:,} | {phase['rps']:.1f} "
                f"| {phase['errors']:,} | {_ms(phase['p50'])} | {_ms(phase['p95'])} "
                f"| {_ms(phase['p99'])} |"
            )
    if context.get("errors"):
        lines += ["", "Errors by request: " + "; ".join(context["errors"]) + "."]
    lines += [
        "",
        "Run it with `make load` (PostgreSQL cluster kept in var/load-pg; locust's own CSV and",
        "HTML reports and the server logs go to var/load/). LOAD_ORGANISATIONS, LOAD_STEP_USERS,",
        "LOAD_STEP_SECONDS, LOAD_MAX_USERS, LOAD_HOLD_SECONDS, LOAD_FAILURE_P95_MS and the other",
        "LOAD_* variables in scripts/load/ramp.py change the run; `make load-smoke` is a",
        "one-minute run.",
        "",
    ]
    return "\n".join(lines)


def replace_section(document: str, section: str, heading: str = "## Load test") -> str:
    """`document` with its `heading` section (up to the next level-2 heading) replaced."""
    lines = document.splitlines()
    try:
        start = lines.index(heading)
    except ValueError:
        return document.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    rest = lines[end:]
    return (
        "\n".join(
            [*lines[:start], *section.rstrip("\n").splitlines(), *([""] + rest if rest else [])]
        )
        + "\n"
    )
