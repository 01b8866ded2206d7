"""Progress reporting for long work, shared by jobs (persisted) and commands (terminal bar)."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def start(self, total: int | None, stage: str = "") -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def log(self, message: str, level: str = "info") -> None: ...

    def count(self, **counts: int) -> None: ...


class NullProgress:
    """Progress that goes nowhere (library calls, tests)."""

    def __init__(self) -> None:
        self.total: int | None = None
        self.done = 0
        self.lines: list[str] = []
        self.counts: dict[str, int] = {}

    def start(self, total: int | None, stage: str = "") -> None:
        self.total, self.done = total, 0

    def advance(self, n: int = 1) -> None:
        self.done += n

    def log(self, message: str, level: str = "info") -> None:
        self.lines.append(message)

    def count(self, **counts: int) -> None:
        self.counts.update(counts)


class TerminalProgress(NullProgress):
    """A tqdm bar on stderr for commands, mirroring another Progress (the job's) when given."""

    def __init__(self, mirror: Progress | None = None, stream=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.mirror = mirror
        self.stream = stream
        self.bar = None

    def start(self, total: int | None, stage: str = "") -> None:
        from tqdm import tqdm

        super().start(total, stage)
        if self.bar is not None:
            self.bar.close()
        self.bar = tqdm(  # type: ignore[assignment]
            total=total, desc=stage or None, file=self.stream, unit="row", dynamic_ncols=True
        )
        if self.mirror:
            self.mirror.start(total, stage)

    def advance(self, n: int = 1) -> None:
        super().advance(n)
        if self.bar is not None:
            self.bar.update(n)
        if self.mirror:
            self.mirror.advance(n)

    def log(self, message: str, level: str = "info") -> None:
        super().log(message, level)
        if self.bar is not None:
            self.bar.write(message, file=self.stream)
        if self.mirror:
            self.mirror.log(message, level)

    def count(self, **counts: int) -> None:
        super().count(**counts)
        if self.mirror:
            self.mirror.count(**counts)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
