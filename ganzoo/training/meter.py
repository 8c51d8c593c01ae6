"""What the loop measures while it runs: the logged losses (kept on the device between reads) and
the step rate that fits a run to a wall-clock budget."""
from __future__ import annotations

import math
import time

import torch


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite."""



class LossMeter:
    """The logged values of the steps since the last read, kept on the device.

    Reading a loss (`.item()`) makes the host wait for the GPU to finish the step, so a step that
    reads its losses cannot run ahead of the GPU (measured on an H200: the eager step was bound by
    the host). Tasks return their losses as device tensors; the loop reads a whole window of steps
    in one copy when it writes the log, draws samples or saves a state, so a saved state never
    follows a NaN it has not seen. Plain floats (the learning rate) are checked at once.
    """

    def __init__(self, last_state=lambda: None):
        self.window: list[tuple[int, tuple[str, ...], torch.Tensor]] = []
        self.scalars: dict[str, float] = {}
        self.last_state = last_state   # where a diverged run can go back to, for the message

    def add(self, step: int, logs: dict) -> None:
        host = {k: float(v) for k, v in logs.items() if not torch.is_tensor(v)}
        bad = {k: v for k, v in host.items() if not math.isfinite(v)}
        if bad:
            raise self._diverged(step, bad)
        self.scalars.update(host)
        keys = tuple(k for k, v in logs.items() if torch.is_tensor(v))
        if keys:
            self.window.append((step, keys, torch.stack([logs[k].detach().float().reshape(()) for k in keys])))

    def read(self) -> dict[str, float]:
        """The window's mean of each value (the last value of plain floats); raises
        TrainingDiverged naming the first step of the window that had a NaN or infinity."""
        window, self.window = self.window, []
        if not window:
            return dict(self.scalars)
        values = torch.stack([v for _, _, v in window]).cpu().tolist() \
            if len({k for _, k, _ in window}) == 1 else [v.cpu().tolist() for _, _, v in window]
        sums: dict[str, float] = {}
        for (step, keys, _), row in zip(window, values):
            bad = {k: x for k, x in zip(keys, row) if not math.isfinite(x)}
            if bad:
                raise self._diverged(step, bad)
            for k, x in zip(keys, row):
                sums[k] = sums.get(k, 0.0) + x
        counts = {k: sum(k in keys for _, keys, _ in window) for k in sums}
        return {**{k: v / counts[k] for k, v in sums.items()}, **self.scalars}

    def _diverged(self, step: int, bad: dict) -> "TrainingDiverged":
        return TrainingDiverged(
            f"training diverged at step {step}: {', '.join(f'{n}={v}' for n, v in bad.items())}. Lower the "
            f"learning rates or use a more stable loss (--loss hinge / wgan-gp); last good state: "
            f"{self.last_state() or 'none'}")


class StepPlanner:
    """Fits a run to a wall-clock budget: `steps` becomes what the measured step rate allows.

    A fixed step count cannot be known in advance for a new machine, and stopping at the deadline
    would cut the learning-rate decay short. So the planner times steps after a short warm-up
    (which absorbs CUDA start-up and compilation), sets the total once, and corrects it once more
    at 40% of the budget, while schedules with decay_from >= 0.5 are still at their constant lr.

    Several processes (DDP) must stop at the same step, so they plan on one clock: every
    SYNC_EVERY steps the slowest process's elapsed time is shared (a tiny all-reduce), and the
    planner only looks at the clock then.
    """

    WARMUP, MIN_WINDOW_S, CORRECT_AT, SYNC_EVERY = 5, 2.0, 0.4, 10

    def __init__(self, budget_s: float, cap: int, step: int, accelerator=None):
        self.budget_s, self.cap, self.t0 = budget_s, cap, time.perf_counter()
        self.warm_until, self.mark = step + self.WARMUP, None  # mark: (step, time) the timing opened
        self.plans = 0                                          # 0: none yet, 1: planned, 2: corrected
        self.rate: float | None = None                          # steps/s, once planned
        self.acc = accelerator if accelerator is not None and accelerator.num_processes > 1 else None

    def _now(self, step: int) -> float | None:
        """Seconds since the planner started, agreed by every process; None between agreements."""
        if self.acc is None:
            return time.perf_counter() - self.t0
        if step % self.SYNC_EVERY:
            return None
        mine = torch.tensor([time.perf_counter() - self.t0], device=self.acc.device)
        return float(self.acc.gather(mine).max())

    def update(self, step: int) -> int | None:
        """Called after each step; returns the run's new total when it (re)plans, else None."""
        now = self._now(step)
        if now is None:
            return None
        if self.mark is None:  # warm-up: a few steps, or less where steps are slow against the budget
            if step >= self.warm_until or (now >= 0.05 * self.budget_s and step >= self.warm_until - 3):
                self.mark = (step, now)
            return None
        due = (now - self.mark[1] >= self.MIN_WINDOW_S) if self.plans == 0 else \
            (self.plans == 1 and now >= self.CORRECT_AT * self.budget_s)
        if not due:
            return None
        self.plans += 1
        self.rate = rate = (step - self.mark[0]) / max(now - self.mark[1], 1e-9)
        return max(step + 1, min(self.cap, step + int(rate * max(0.0, self.budget_s - now))))


class PhasedPlanner:
    """Fits a run made of phases whose steps cost differently to a wall-clock budget.

    SR trains an L1 warm-up (the generator alone), then a GAN phase with a discriminator and a
    perceptual net: on the CPU a GAN step cost ~10× a warm-up step (31 against 3.7 images/s), so
    one rate measured in the warm-up planned far too many GAN steps and the run overran its
    budget. Here each phase gets its share of the budget and its own StepPlanner, started when the
    phase starts (so its warm-up absorbs the new networks' first steps and its correction comes at
    40% of that phase). A phase's end is planned by its planner; until the last phase plans, the
    run's total is provisional (the current rate over the time left).

    A task without phases is one phase with the whole budget: StepPlanner's behaviour. A resumed
    run passes the phase ends it had planned; phases already behind it are skipped, and this
    session's budget is split over the phases left in proportion to their shares.
    """

    def __init__(self, budget_s: float, cap: int, step: int, shares=(1.0,), ends=None, accelerator=None):
        shares = [float(s) for s in shares]
        if not shares or any(s < 0 for s in shares) or sum(shares) <= 0:
            raise ValueError(f"phase shares must be non-negative with a positive sum, not {shares}")
        n = len(shares)
        self.ends: list[int | None] = list(ends)[:n - 1] if ends else []
        self.ends += [None] * (n - 1 - len(self.ends))
        self.phase = sum(e is not None and step >= e for e in self.ends)
        left = shares[self.phase:]
        cum = [sum(left[:i + 1]) / sum(left) * budget_s for i in range(len(left))]
        self.deadlines = [0.0] * self.phase + cum
        self.budget_s, self.cap, self.acc = budget_s, cap, accelerator
        self.t0 = time.perf_counter()
        self._start(step)

    @property
    def plans(self) -> int:
        return self.inner.plans

    @property
    def last(self) -> bool:
        return self.phase == len(self.deadlines) - 1

    def _start(self, step: int) -> None:
        now = time.perf_counter() - self.t0
        cap = self.cap if self.last else self.cap - (len(self.deadlines) - 1 - self.phase)
        self.inner = StepPlanner(max(self.deadlines[self.phase] - now, 1e-3), max(cap, step + 1), step, self.acc)

    def update(self, step: int) -> int | None:
        """Called after each step; returns the run's new total when it (re)plans, else None.
        `ends` then holds the planned end of every phase but the last."""
        if not self.last and self.ends[self.phase] is not None and step >= self.ends[self.phase]:
            self.phase += 1
            self._start(step)
            return None
        new = self.inner.update(step)
        if new is None or self.last:
            return new
        self.ends[self.phase] = new
        after = self.deadlines[-1] - self.deadlines[self.phase]   # the later phases' time, at this rate
        return min(self.cap, new + max(len(self.deadlines) - 1 - self.phase, int(self.inner.rate * after)))
