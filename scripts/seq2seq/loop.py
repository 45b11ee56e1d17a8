"""The training loop of the seq2seq candidate scorer (train_scorer.py; the retired free
generator used it too, models/seq2seq/generator/CARD.md): a JSONL log, a wall-clock plan with a
pretrain → fine-tune switch, warm-up + cosine learning rate, resumable checkpoints,
and periodic logging, evaluation and checkpointing.

A trainer supplies three callables:
    make_loader(phase)  → an iterator of batches for "pretrain" or "finetune"
    train_step(batch)   → (loss as a float or 0-d tensor, target tokens in the batch);
                          it runs forward, backward and the optimizer step
    evaluate(final)     → a dict for the log (the trainer may export models there)
"""
from __future__ import annotations

import json
import math
import os
import time
from typing import Callable, Optional


class JsonLog:
    """Appends one JSON object per line to `path` and echoes it; "t" is seconds since `t0`."""

    def __init__(self, path: str, t0: float):
        self.path, self.t0 = path, t0

    def __call__(self, rec: dict) -> None:
        rec["t"] = round(time.time() - self.t0, 1)
        line = json.dumps(rec, ensure_ascii=False)
        print(line, flush=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def cosine_lr(peak: float, warmup: int, step: int, frac: float) -> float:
    """Linear warm-up over `warmup` steps, then a cosine from `peak` down to 5% of it
    as `frac` (the share of the planned time used) goes from 0 to 1."""
    warm = min(1.0, (step + 1) / warmup)
    frac = min(1.0, max(0.0, frac))
    return peak * warm * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))


class TrainLoop:
    """State and schedule of one run.  `plan_s` is the length of the whole schedule in
    seconds of training (across resumes); `deadline` the wall-clock time at which this
    invocation must stop."""

    def __init__(self, model, opt, ckpt_dir: str, log: JsonLog, *, lr: float, warmup: int,
                 finetune_frac: float, plan_s: float, deadline: float, preset: str,
                 extend_s: float = 0.0, replan_s: float = 0.0, device=None):
        import torch
        self.model, self.opt, self.log = model, opt, log
        self.lr, self.warmup, self.finetune_frac = lr, warmup, finetune_frac
        self.deadline, self.preset = deadline, preset
        self.step, self.elapsed, self.plan = 0, 0.0, plan_s
        self.phase = "pretrain"
        self.ckpt_path = os.path.join(ckpt_dir, "ckpt.pt")
        os.makedirs(ckpt_dir, exist_ok=True)
        if os.path.exists(self.ckpt_path):
            ck = torch.load(self.ckpt_path, map_location=device, weights_only=False)
            model.load_state_dict(ck["model"])
            opt.load_state_dict(ck["opt"])
            self.step, self.elapsed, self.plan = ck["step"], ck["elapsed"], ck["plan"]
            # Once fine-tuning has begun it stays on: an extension lengthens the plan,
            # which would otherwise move the switch point past the run's elapsed time.
            if ck.get("phase") == "finetune" or self.elapsed >= (1 - finetune_frac) * self.plan:
                self.phase = "finetune"
            if extend_s:  # a finished run trains on: the cosine restarts part-way up
                self.plan += extend_s
            if replan_s:  # a run stopped early ends by a new date: its cosine decays from here
                self.plan = max(replan_s, self.elapsed + 60.0)
            log({"event": "resume", "step": self.step, "elapsed": self.elapsed, "plan_s": self.plan})

    def save(self) -> None:
        import torch
        torch.save({"model": self.model.state_dict(), "opt": self.opt.state_dict(),
                    "step": self.step, "elapsed": self.elapsed, "plan": self.plan,
                    "preset": self.preset, "phase": self.phase}, self.ckpt_path + ".tmp")
        os.replace(self.ckpt_path + ".tmp", self.ckpt_path)

    def _due_phase(self) -> str:
        if self.phase == "finetune" or self.elapsed >= (1 - self.finetune_frac) * self.plan:
            return "finetune"
        return "pretrain"

    def run(self, make_loader: Callable, train_step: Callable, evaluate: Callable[[bool], dict], *,
            log_every: int, eval_minutes: float, ckpt_minutes: float, max_steps: int = 0,
            rate_key: str = "tok_s", on_eval: Optional[Callable[[], None]] = None) -> None:
        self.phase = self._due_phase()
        it = make_loader(self.phase)
        self.log({"event": "phase", "phase": self.phase, "step": self.step})
        self.model.train()
        t_run, e0 = time.time(), self.elapsed
        last_eval = last_ckpt = t_log = time.time()
        acc_loss, acc_n, acc_tok = 0.0, 0, 0
        while True:
            self.elapsed = e0 + time.time() - t_run
            if self.elapsed >= self.plan or time.time() >= self.deadline or \
                    (max_steps and self.step >= max_steps):
                break
            if self._due_phase() != self.phase:
                self.phase = "finetune"
                del it
                it = make_loader(self.phase)
                self.log({"event": "phase", "phase": self.phase, "step": self.step})
            lr = cosine_lr(self.lr, self.warmup, self.step, self.elapsed / self.plan)
            for g in self.opt.param_groups:
                g["lr"] = lr
            loss, ntok = train_step(next(it))
            self.step += 1
            # a tensor stays on its device until the log line: no GPU sync per step
            acc_loss = acc_loss + (loss.detach() if hasattr(loss, "detach") else loss)
            acc_n += 1
            acc_tok += int(ntok)
            if self.step % log_every == 0:
                dt = time.time() - t_log
                self.log({"step": self.step, "phase": self.phase, "loss": round(float(acc_loss) / acc_n, 4),
                          "lr": round(lr, 7), rate_key: int(acc_tok / dt),
                          "elapsed": round(self.elapsed, 1)})
                acc_loss, acc_n, acc_tok = 0.0, 0, 0
                t_log = time.time()
            if time.time() - last_ckpt >= ckpt_minutes * 60:
                self.save()
                last_ckpt = time.time()
            if time.time() - last_eval >= eval_minutes * 60:
                t_eval = time.time()
                self.log({"step": self.step, "phase": self.phase, **evaluate(False)})
                if on_eval is not None:
                    on_eval()
                last_eval = time.time()
                t_log += last_eval - t_eval  # the rate counts training time only
        self.elapsed = e0 + time.time() - t_run
        self.save()
        self.log({"step": self.step, "phase": self.phase, "final": True, **evaluate(True),
                  "elapsed": round(self.elapsed, 1)})
        self.log({"event": "done", "step": self.step, "elapsed": round(self.elapsed, 1)})
