"""Report to hpo from any Python program: standard library only, copy it next to your script.

hpo's command objective (``command()`` from ``hpo/command``) runs your program once per
trial and reads two kinds of lines from its stdout::

    hpo:report {"step": 3, "value": 0.41}    an intermediate value (pruners see it)
    hpo:report {"step": 3, "metrics": {"val_loss": 2.41, "meteor": 0.22}}
                                             several metrics at once; pruners see the
                                             study's watched one (its ``metric`` option)
    hpo:result {"value": 0.52}               the trial's value (else the last report counts)

Everything else your program prints goes to the trial's log file. The trial's params come
as arguments (when the study templates them, ``--lr {lr}``) and as environment variables:
``HPO_PARAMS`` (JSON) and ``HPO_PARAM_<NAME>``; ``HPO_TRIAL_NUMBER``, ``HPO_STUDY_NAME``
and ``HPO_TRIAL_DIR`` (a folder for this trial's checkpoints) come too. A trial that retries
one that died (killed machine, lost heartbeat, Ctrl-C) also gets ``HPO_RETRY_OF`` and
``HPO_RETRY_OF_DIR``, the dead trial's folder: ``resume_file("ckpt.pt")`` finds the
checkpoint there (copying it into this trial's folder, so a retry of the retry finds it too).

When hpo prunes a trial, or it times out, or hpo itself is stopped, the program's whole
process group gets SIGTERM, then SIGKILL after the grace period. ``stop_requested()``
turns that SIGTERM into a flag you check between steps (after ``handle_sigterm()``)::

    import hpo_report as hpo

    hpo.handle_sigterm()
    lr = hpo.param("lr", 1e-3)
    for epoch in range(1, epochs + 1):
        val_loss, meteor = train_one_epoch(lr)
        hpo.report({"val_loss": val_loss, "meteor": meteor}, epoch)
        if hpo.stop_requested():
            break
    hpo.result(best_score)
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import sys
import time
from typing import Any, Dict, Iterable, Mapping, Optional, Sequence, Tuple, Union

__all__ = [
    "report",
    "result",
    "params",
    "param",
    "trial_number",
    "study_name",
    "trial_dir",
    "score_captions",
    "retry_of_dir",
    "resume_file",
    "handle_sigterm",
    "stop_requested",
]

Number = Union[int, float]

_stop_requested = False


def _encode(value: Number) -> Union[float, str]:
    """A value as hpo reads it: JSON has no NaN or Infinity, so those travel as strings."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        # numpy and torch scalars: float() works on both (a tensor must hold one element)
        value = float(value)  # type: ignore[arg-type]
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _emit(keyword: str, payload: dict) -> None:
    # One write per line and an explicit flush: a piped stdout is block-buffered, and a
    # report that waits in a buffer cannot be acted on (hpo also sets PYTHONUNBUFFERED=1).
    sys.stdout.write(f"{keyword} {json.dumps(payload, allow_nan=False)}\n")
    sys.stdout.flush()


def _value_or_metrics(value: Union[Number, Mapping[str, Number]], where: str) -> dict:
    """``{"value": v}`` for one number, ``{"metrics": {...}}`` for named numbers."""
    if isinstance(value, Mapping):
        if not value:
            raise ValueError(f"hpo_report.{where}: expected at least one metric")
        for name in value:
            if not isinstance(name, str) or not name:
                raise ValueError(f"hpo_report.{where}: metric names must be non-empty strings, got {name!r}")
        return {"metrics": {name: _encode(v) for name, v in value.items()}}
    return {"value": _encode(value)}


def report(value: Union[Number, Mapping[str, Number]], step: int) -> None:
    """Reports at epoch ``step``: one number, or several metrics by name
    (``report({"val_loss": 2.41, "meteor": 0.22}, epoch)``)."""
    if isinstance(step, bool) or int(step) != step or step < 0:
        raise ValueError(f"hpo_report.report: step must be a non-negative integer, got {step!r}")
    _emit("hpo:report", {"step": int(step), **_value_or_metrics(value, "report")})


def result(value: Union[Number, Mapping[str, Number]]) -> None:
    """Reports the trial's final value (or metrics, of which the study's watched one is the
    value); call it once, at the end."""
    _emit("hpo:result", _value_or_metrics(value, "result"))


def params() -> dict:
    """All of the trial's params (from HPO_PARAMS); empty when not run by hpo."""
    raw = os.environ.get("HPO_PARAMS")
    return json.loads(raw) if raw else {}


def param(name: str, default: Any = None) -> Any:
    """One param by name, or ``default`` when the trial has none of that name."""
    return params().get(name, default)


def trial_number() -> Optional[int]:
    """The trial's number within its study (None when not run by hpo)."""
    raw = os.environ.get("HPO_TRIAL_NUMBER")
    return int(raw) if raw else None


def study_name() -> Optional[str]:
    """The study's name (None when not run by hpo)."""
    return os.environ.get("HPO_STUDY_NAME")


def trial_dir(default: str = ".") -> str:
    """This trial's own folder, for checkpoints and outputs (``default`` when not run by hpo)."""
    return os.environ.get("HPO_TRIAL_DIR", default)


def score_captions(step: int, split: str, cases: Iterable[Tuple[str, Sequence[str]]], timeout: float = 600.0) -> Optional[Dict[str, float]]:
    """Hands a split's captions to hpo, which scores them (BLEU-1/2, ROUGE-L, METEOR with
    ``hpo/metrics``) and records them as the step's metrics ``<split>_bleu1`` ... ``<split>_meteor``.

    ``cases`` are ``(prediction, references)`` pairs. They are written to
    ``<trial_dir>/captions/<split>-step<step>.jsonl`` and announced with one ``hpo:captions``
    line; hpo answers in ``<split>-step<step>.scores.json`` next to it, which this waits for
    and returns as ``{"bleu1": ..., "bleu2": ..., "rougeL": ..., "meteor": ..., "cases": n}``.
    Returns None when not run by hpo (nobody scores) and raises RuntimeError when hpo could
    not read the file (the message names the line and field).
    """
    folder = os.path.join(trial_dir(), "captions")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{split}-step{int(step)}.jsonl")
    answer = os.path.join(folder, f"{split}-step{int(step)}.scores.json")
    if os.path.exists(answer):
        os.remove(answer)  # a rerun in the same folder must not read the last run's answer
    with open(path, "w", encoding="utf-8") as f:
        for prediction, references in cases:
            refs = [references] if isinstance(references, str) else list(references)
            f.write(json.dumps({"prediction": prediction, "references": refs}) + "\n")
    _emit("hpo:captions", {"step": int(step), "split": split, "path": os.path.abspath(path)})
    if os.environ.get("HPO_TRIAL_NUMBER") is None:
        return None
    deadline = time.monotonic() + timeout
    while not os.path.exists(answer):
        if time.monotonic() > deadline:
            raise RuntimeError(f"hpo_report.score_captions: no answer in {answer} after {timeout:.0f} s")
        time.sleep(0.05)
    with open(answer, encoding="utf-8") as f:
        body = json.load(f)
    if "error" in body:
        raise RuntimeError(f"hpo could not score {path}: {body['error']}")
    return body["scores"]


def retry_of_dir() -> Optional[str]:
    """For a retried trial, the folder of the trial it retries (None otherwise)."""
    return os.environ.get("HPO_RETRY_OF_DIR") or None


def resume_file(name: str) -> Optional[str]:
    """The checkpoint ``name`` to resume from: this trial's own (a restarted program), else
    the one the retried trial left in its folder, copied here first so that this trial's
    folder holds it from now on. None when neither has it: start from scratch."""
    own = os.path.join(trial_dir(), name)
    if os.path.exists(own):
        return own
    previous = retry_of_dir()
    if previous and os.path.exists(os.path.join(previous, name)):
        os.makedirs(trial_dir(), exist_ok=True)
        tmp = own + ".partial"
        shutil.copyfile(os.path.join(previous, name), tmp)
        os.replace(tmp, own)
        return own
    return None


def _on_sigterm(signum: int, frame: Any) -> None:
    global _stop_requested
    _stop_requested = True


def handle_sigterm() -> None:
    """Turns SIGTERM into ``stop_requested()`` instead of an immediate exit."""
    signal.signal(signal.SIGTERM, _on_sigterm)


def stop_requested() -> bool:
    """True once SIGTERM arrived (pruned, timed out or hpo stopping): save and leave soon."""
    return _stop_requested


if __name__ == "__main__":
    # A self-check that also shows the protocol: python3 hpo_report.py
    for epoch, score in enumerate([0.31, 0.42, float("nan")], start=1):
        report(score, epoch)
    report({"val_loss": 2.41, "meteor": 0.22}, 4)
    result(0.42)
