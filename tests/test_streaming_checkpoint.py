"""Checkpoints of the streamed trainer (issue 21, item 3): a run stopped at an epoch's end, inside an
epoch or by a crash, and resumed by a fresh call (one of them in another process), ends with the
uninterrupted run's weights, counters and history to the bit; a checkpoint for other data or settings,
or a file that is not one, is refused with the reason named; a checkpoint in a missing folder is
refused before any work.
"""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest

from vanishing_minima import numeric as nm
from vanishing_minima.numeric.training import streaming

D1, SEED = 3, 11
KW = dict(max_iter=3, batch_size=32, eval_rows=70)  # 400 rows: 13 minibatches per epoch
FIELDS = ("W", "z", "history", "loss", "mce", "iterations", "evaluations", "stop_reason")


def _data(n=400, d0=48, seed=3):
    """Whitened float32 rows (as a cache holds them) and labels that a small net cannot fit at once."""
    x = np.random.default_rng(seed).integers(0, 256, (n, d0), dtype=np.uint8)
    rows = np.ascontiguousarray(nm.whiten(x.T / 255.0).T.astype(np.float32))
    y = (np.random.default_rng(4).random(n) < 0.5).astype(float)
    return rows, y


def _same(a, b) -> list[str]:
    """The fields in which two results differ (arrays compared bit for bit, floats exactly)."""
    return [
        f
        for f in FIELDS
        if not np.array_equal(np.asarray(a[f]), np.asarray(b[f]))
    ]


def _fields(r) -> dict:
    return {f: getattr(r, f) for f in FIELDS}


class Crash(Exception):
    pass


def _crash(record):
    raise Crash(record.iteration)


RESUME = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from vanishing_minima import numeric as nm

    data = np.load(sys.argv[1])
    for opt in ("sgd", "adam"):
        r = nm.train_streamed(data["rows"], data["y"], %d, 0.0, rng=%d, optimizer=opt,
                              checkpoint=sys.argv[2] + opt + ".npz", **json.loads(sys.argv[3]))
        np.savez(sys.argv[2] + opt + "-out.npz", W=r.W, z=r.z, history=r.history, loss=r.loss,
                 mce=r.mce, iterations=r.iterations, evaluations=r.evaluations,
                 stop_reason=r.stop_reason, resumed_at=r.resumed_at)
    """
    % (D1, SEED)
)


def test_sessions_resumed_in_this_and_another_process_are_the_uninterrupted_run(tmp_path):
    """Per optimizer: one epoch, then three sessions of one minibatch each (``stop_after`` inside the
    epoch), then a session that checkpoints after every minibatch and crashes at the epoch's end, then a
    new process that finishes: the weights, history and counters of one uninterrupted call."""
    rows, y = _data()
    np.savez(tmp_path / "data.npz", rows=rows, y=y)
    prefix = str(tmp_path) + "/"
    for opt in ("sgd", "adam"):
        path = Path(prefix + opt + ".npz")
        run = dict(KW, rng=SEED, optimizer=opt, checkpoint=path)
        first = nm.train_streamed(rows, y, D1, 0.0, **dict(run, max_iter=1))
        assert (first.stop_reason, first.iterations, first.resumed_at) == ("max_iter", 1, 0)
        for k in range(3):  # one minibatch each, inside epoch 2
            r = nm.train_streamed(rows, y, D1, 0.0, stop_after=1e-9, **run)
            assert (r.stop_reason, r.iterations, r.resumed_at) == ("stop_after", 1, 1)
            assert r.evaluations == first.evaluations + k + 1
        with pytest.raises(Crash):
            nm.train_streamed(rows, y, D1, 0.0, checkpoint_seconds=1e-9, progress=_crash, **run)
        with np.load(path) as f:  # the last write: before the epoch's last minibatch
            assert json.loads(str(f["meta"]))["position"] == 384
    subprocess.run(
        [sys.executable, "-c", RESUME, str(tmp_path / "data.npz"), prefix, json.dumps(KW)],
        check=True,
        timeout=120,
    )
    assert not list(tmp_path.glob("*.tmp"))  # written atomically
    for opt in ("sgd", "adam"):
        whole = nm.train_streamed(rows, y, D1, 0.0, rng=SEED, optimizer=opt, **KW)
        with np.load(prefix + opt + "-out.npz") as f:
            resumed = {k: f[k] for k in f.files}
        assert _same(resumed, _fields(whole)) == [], opt
        assert whole.iterations == 3 and int(resumed["resumed_at"]) == 1
        # a finished run's checkpoint: a further call with the same limits trains no more
        again = nm.train_streamed(
            rows, y, D1, 0.0, rng=SEED, optimizer=opt, checkpoint=prefix + opt + ".npz", **KW
        )
        assert _same(_fields(again), _fields(whole)) == [] and again.resumed_at == 3


class Clock:
    """A stand-in for the ``time`` module whose ``perf_counter`` advances 1 s per call."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 1.0
        return self.now


@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_a_session_per_minibatch_is_the_uninterrupted_run(tmp_path, monkeypatch, opt):
    """Two epochs of 100 rows in minibatches of 32, one minibatch per session (each session a fresh
    call), against one call: the same bits.  On a clock that ticks 1 s per reading each session trains
    2 s (its start, the check after its minibatch, its end), so the training time adds up to 2 s per
    session."""
    monkeypatch.setattr(streaming, "time", Clock())
    rows, y = _data(n=100)
    kw = dict(rng=SEED, optimizer=opt, max_iter=2, batch_size=32, eval_rows=70)
    whole = nm.train_streamed(rows, y, D1, 0.0, **kw)
    path = tmp_path / "run.npz"
    sessions, r = 0, None
    while r is None or r.stop_reason == "stop_after":
        r = nm.train_streamed(rows, y, D1, 0.0, checkpoint=path, stop_after=1e-9, **kw)
        sessions += 1
        assert r.seconds == 2.0 * sessions
    assert sessions == 8 and r.stop_reason == "max_iter"  # 4 minibatches per epoch
    assert _same(_fields(r), _fields(whole)) == []
    with np.load(path) as f:
        assert json.loads(str(f["meta"]))["seconds"] == r.seconds


def _checkpointed(tmp_path, **kw):
    rows, y = _data(n=100)
    path = tmp_path / "run.npz"
    nm.train_streamed(rows, y, D1, 0.0, rng=SEED, checkpoint=path, max_iter=1, **kw)
    return rows, y, path


@pytest.mark.parametrize(
    "change, named",
    [
        ({"d1": 4}, "d1 = 3 there, 4 here"),
        ({"rho": 0.1}, "rho = 0.0 there, 0.1 here"),
        ({"optimizer": "sgd"}, "optimizer = 'adam' there, 'sgd' here"),
        ({"lr": 0.002}, "lr = 0.001 there, 0.002 here"),
        ({"batch_size": 16}, "batch_size = 32 there, 16 here"),
        ({"init_scale": 2.0}, "init_scale = 1.0 there, 2.0 here"),
        ({"eval_rows": 10}, "eval_rows = 70 there, 10 here"),
        ({"rng": 12}, "rng_start = "),
        ({"rows": "float64"}, "dtype = 'float32' there, 'float64' here"),
        ({"rows": "shifted"}, "rows = 'sha256 "),
        ({"y": "flipped"}, "y_sha256 = "),
        ({"fingerprint": "cache-1"}, "rows = 'sha256 [0-9a-f]+' there, 'given cache-1' here"),
    ],
)
def test_a_checkpoint_for_other_data_or_settings_is_refused(tmp_path, change, named):
    rows, y, path = _checkpointed(tmp_path, batch_size=32, eval_rows=70)
    kw = dict(rng=SEED, batch_size=32, eval_rows=70, max_iter=2, checkpoint=path)
    kw.update(change)
    rows = {"float64": rows.astype(np.float64), "shifted": rows + np.float32(1e-3)}.get(
        kw.pop("rows", None), rows
    )
    y = 1.0 - y if kw.pop("y", None) else y
    d1 = kw.pop("d1", D1)
    rho = kw.pop("rho", 0.0)
    before = path.read_bytes()
    with pytest.raises(ValueError, match="was written for other data or settings: .*" + named):
        nm.train_streamed(rows, y, d1, rho, **kw)
    assert path.read_bytes() == before  # left as it was


def test_the_stopping_rules_may_change_and_a_given_fingerprint_is_the_callers_promise(tmp_path):
    rows, y = _data(n=100)
    path = tmp_path / "run.npz"
    kw = dict(rng=SEED, batch_size=32, eval_rows=70, checkpoint=path, fingerprint="cache-1")
    nm.train_streamed(rows, y, D1, 0.0, max_iter=1, **kw)
    r = nm.train_streamed(rows, y, D1, 0.0, max_iter=2, target_mce=0.0, stop_after=100.0, **kw)
    assert (r.resumed_at, r.iterations) == (1, 2)
    # the same string stands for the same rows: other rows under it are not noticed (not hashed)
    r = nm.train_streamed(rows + np.float32(1), y, D1, 0.0, max_iter=3, **kw)
    assert (r.resumed_at, r.iterations) == (2, 3)


class Hostile:
    """Unpickling it would create the file named (the test checks it never exists)."""

    def __init__(self, target: str):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def _rewrite(path: Path, **replace) -> bytes:
    """The checkpoint's npz with members replaced (``None``: dropped), as bytes."""
    with np.load(path) as f:
        members = {k: f[k] for k in f.files}
    members.update(replace)
    buf = io.BytesIO()
    np.savez(buf, **{k: v for k, v in members.items() if v is not None})
    return buf.getvalue()


def _meta(path: Path, **change) -> np.ndarray:
    with np.load(path) as f:
        meta = json.loads(str(f["meta"]))
    meta.update(change)
    return np.array(json.dumps(meta))


def _huge_theta(path: Path) -> bytes:
    """The checkpoint with theta's declared size (central directory and local header) set to 2^40."""
    blob = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("theta.npy")
    assert info.file_size < 2**32 and b"PK\x01\x02" in blob
    p = blob.find(b"PK\x01\x02")
    while blob[p + 46 : p + 46 + len(b"theta.npy")] != b"theta.npy":
        p = blob.find(b"PK\x01\x02", p + 1)
    blob[p + 24 : p + 28] = (2**32 - 2).to_bytes(4, "little")
    return bytes(blob)


def test_a_file_that_is_not_such_a_checkpoint_is_refused_without_unpickling(tmp_path):
    rows, y, path = _checkpointed(tmp_path, batch_size=32, eval_rows=70)
    good = path.read_bytes()
    pwned = tmp_path / "pwned"
    cases = {
        "not a zip": (b"not a zip file", "BadZipFile"),
        "truncated": (good[: len(good) // 2], "not a train_streamed checkpoint"),
        "a .npy": (None, "not a train_streamed checkpoint"),
        "another member": (_rewrite(path, extra=np.zeros(1)), "its members are"),
        "no history": (_rewrite(path, history=None), "its members are"),
        "object array": (
            _rewrite(path, theta=np.array([Hostile(str(pwned))], dtype=object)),
            "object or structured array is refused",
        ),
        "theta of other size": (_rewrite(path, theta=np.zeros(5)), r"theta holds \(5,\)"),
        "declared size huge": (_huge_theta(path), "declares 4294967294 bytes, more than"),
        "meta not json": (_rewrite(path, meta=np.array("{")), "not a train_streamed"),
        "no settings": (_rewrite(path, meta=np.array("[]")), "no settings"),
        "counters": (_rewrite(path, meta=_meta(path, position=5)), "inconsistent counters"),
        "adam steps": (_rewrite(path, meta=_meta(path, t=3)), "inconsistent counters"),
        "negative time": (_rewrite(path, meta=_meta(path, seconds=-1)), "training time -1"),
        "generator state": (
            _rewrite(path, meta=_meta(path, rng_state={"bit_generator": "PCG64"})),
            "generator state",
        ),
    }
    kw = dict(rng=SEED, batch_size=32, eval_rows=70, max_iter=2)
    for name, (blob, rule) in cases.items():
        bad = tmp_path / f"{name}.npz"
        if blob is None:
            with open(bad, "wb") as fh:
                np.save(fh, np.zeros(3))
        else:
            bad.write_bytes(blob)
        with pytest.raises(ValueError, match=rule) as err:
            nm.train_streamed(rows, y, D1, 0.0, checkpoint=bad, **kw)
        assert str(bad) in str(err.value), name
    assert not pwned.exists()
    r = nm.train_streamed(rows, y, D1, 0.0, checkpoint=path, **kw)  # the good one still resumes
    assert r.resumed_at == 1


def test_a_checkpoint_in_a_missing_folder_is_refused_before_any_work(tmp_path, monkeypatch):
    rows, y = _data(n=100)

    def no_work(*a, **k):
        raise AssertionError("trained or hashed before refusing the checkpoint")

    monkeypatch.setattr(streaming, "_full_loss", no_work)
    monkeypatch.setattr(streaming, "_fingerprint", no_work)
    with pytest.raises(ValueError, match=r"checkpoint .*run.npz: its folder .*missing does not exist"):
        nm.train_streamed(rows, y, D1, 0.0, rng=0, checkpoint=tmp_path / "missing" / "run.npz")
    with pytest.raises(ValueError, match="exists and is not a file"):
        nm.train_streamed(rows, y, D1, 0.0, rng=0, checkpoint=tmp_path)
    with pytest.raises(TypeError, match="checkpoint must be a path"):
        nm.train_streamed(rows, y, D1, 0.0, rng=0, checkpoint=3)
    with pytest.raises(TypeError, match="fingerprint must be a string"):
        nm.train_streamed(rows, y, D1, 0.0, rng=0, checkpoint=tmp_path / "a.npz", fingerprint=1)
    with pytest.raises(ValueError, match="checkpoint_seconds must be"):
        nm.train_streamed(rows, y, D1, 0.0, rng=0, checkpoint_seconds=0)
    assert list(tmp_path.iterdir()) == []


def _script():
    path = Path(__file__).resolve().parents[1] / "scripts" / "imagenet_table1.py"
    spec = importlib.util.spec_from_file_location("imagenet_table1", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_imagenet_script_resumes_by_rerunning_the_same_command(tmp_path, capsys):
    """``scripts/imagenet_table1.py`` on 8x8 files (N = 30, two minibatches per epoch): the same command
    with ``--checkpoint`` and ``--stop-after`` (one minibatch per session) rerun until it finishes gives
    the uninterrupted run's loss and MCE; other settings are refused with exit code 2."""
    from test_imagenet import write_split

    script = _script()
    (tmp_path / "npz").mkdir()
    (tmp_path / "cache").mkdir()
    write_split(tmp_path / "npz", side=8, rows=3, seed=7)
    base = [str(tmp_path / "npz"), str(tmp_path / "cache"), "--side", "8", "--d1", "2"]
    base += ["--epochs", "2", "--batch-size", "16"]

    def run(argv):
        code = script.main(argv)
        out, err = capsys.readouterr()
        return code, (json.loads(out.splitlines()[-1]) if code == 0 else err)

    code, whole = run(base)
    assert code == 0 and whole["epochs"] == 2 and whole["stop_reason"] == "max_iter"
    command = base + ["--checkpoint", str(tmp_path / "run.npz"), "--stop-after", "1e-9"]
    sessions = [run(command)[1]]
    while sessions[-1]["stop_reason"] == "stop_after":
        sessions.append(run(command)[1])
    assert [s["resumed_at"] for s in sessions] == [0, 0, 1, 1]
    last = sessions[-1]
    assert {k: last[k] for k in ("mce", "loss", "epochs", "stop_reason")} == {
        k: whole[k] for k in ("mce", "loss", "epochs", "stop_reason")
    }
    code, err = run([*command[:-4], "--d1", "3", *command[-4:]])
    assert code == 2 and "d1 = 2 there, 3 here" in err
    code, err = run(base + ["--checkpoint", str(tmp_path / "missing" / "run.npz")])
    assert code == 2 and "does not exist" in err
