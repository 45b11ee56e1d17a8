"""The training loop's resumable schedule (scripts/seq2seq/loop.py): a resumed run keeps its
plan, an extension lengthens it, and a replan sets it so that a run stopped early still
ends on a decayed learning rate."""
import pytest

torch = pytest.importorskip("torch")

from scripts.seq2seq.loop import TrainLoop, cosine_lr  # noqa: E402


def _loop(tmp_path, **kw):
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    return TrainLoop(model, opt, str(tmp_path), lambda rec: None, lr=0.1, warmup=1,
                     finetune_frac=1.0, plan_s=1000.0, deadline=0.0, preset="t", **kw)


def _saved(tmp_path, elapsed):
    first = _loop(tmp_path)
    first.step, first.elapsed = 40, elapsed
    first.save()


def test_resume_keeps_the_saved_plan(tmp_path):
    _saved(tmp_path, 200.0)
    loop = _loop(tmp_path)
    assert (loop.step, loop.elapsed, loop.plan) == (40, 200.0, 1000.0)


def test_extend_lengthens_and_replan_sets_the_plan(tmp_path):
    _saved(tmp_path, 200.0)
    assert _loop(tmp_path, extend_s=500.0).plan == 1500.0
    assert _loop(tmp_path, replan_s=300.0).plan == 300.0


def test_replan_never_ends_before_the_time_already_trained(tmp_path):
    _saved(tmp_path, 900.0)
    loop = _loop(tmp_path, replan_s=300.0)
    assert loop.plan == 960.0
    # the learning rate is then near the cosine's floor, not back at its peak
    assert cosine_lr(0.1, 1, loop.step, loop.elapsed / loop.plan) < 0.02
