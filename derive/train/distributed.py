"""The generated torch module trained on several processes: DistributedDataParallel.

The recipe. Each process builds the same ``Model`` (the generated torch module's: the
parameters initialised from the seed, the derived backward in ``Derived``), wraps it in
``torch.nn.parallel.DistributedDataParallel`` and takes its share of every mini-batch: the
global batch is the one ``derive train`` would take (the same seeded shuffle), split into
contiguous column blocks, one a process. ``loss.backward()`` runs the derived backward on the
process's block; DDP's hooks all-reduce the gradients (the mean over the processes) while it
runs; ``torch.optim.SGD`` applies W := W - lr * dC/dW. Each process's cost is scaled by
``world * m_rank / m_batch`` (a mean cost; ``world`` for a summed one), so the all-reduced
gradient is exactly the gradient of the whole batch, even when the blocks differ in size;
the ``[cost] penalty``, in every process's cost, comes out once. Dropout masks are drawn for
the whole batch from the run's generator (as the NumPy module draws them) and each process
takes its block's columns: the run is the single-process run, up to the order of float
additions. Batch norm normalises with each process's own block (as ``nn.BatchNorm1d`` under
DDP, not ``SyncBatchNorm``): its gradient is then not the whole batch's.

On this machine (2 processes, gloo, a file rendezvous)::

    python -m derive.train.distributed examples/digits.toml --data digits --nproc 2 --out runs/ddp

On several hosts and GPUs, the same module under torchrun (one process a GPU, nccl)::

    torchrun --nnodes 2 --nproc-per-node 4 --rdzv-backend c10d --rdzv-endpoint HOST:29500 \\
        -m derive.train.distributed examples/digits.toml --data digits --comm nccl --device cuda

``ddp_gradients`` is the check the tests make: one step's all-reduced gradients.
"""

from __future__ import annotations

import argparse
import datetime
import os
import pickle
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from derive.errors import DeriveError

from .backends import FrameworkModule, TorchOps, draw_masks
from .data import load_dataset
from .loop import METRICS, TrainResult, _split_metrics, batches, check_fit


@dataclass
class Plan:
    """What every process of a run needs (picklable: it is sent to spawned processes)."""

    spec: str
    data: str
    epochs: int = 10
    lr: float = 0.1
    batch_size: int = 32
    seed: int = 0
    dtype: str = "float64"
    test_fraction: float = 0.2
    device: str = "cpu"  # cpu, or cuda: process k of a host uses GPU LOCAL_RANK
    comm: str = "gloo"  # the torch.distributed backend: gloo (CPU), nccl (GPUs)
    threads: int | None = None  # torch threads per process (None: torch's default)


def block(i: int, j: int, rank: int, world: int) -> tuple[int, int]:
    """The columns ``[a, b)`` of the batch ``[i, j)`` that process ``rank`` of ``world`` takes:
    contiguous blocks, the first ``(j - i) % world`` one column longer."""
    base, extra = divmod(j - i, world)
    a = i + rank * base + min(rank, extra)
    return a, a + base + (rank < extra)


def _scale(module, a: int, b: int, i: int, j: int, world: int) -> float:
    """The factor on a process's cost that makes DDP's mean of the gradients the batch's."""
    if module.REDUCTION == "mean":
        return world * (b - a) / (j - i)
    return float(world)


def _start(rank: int, world: int, plan: Plan, init_method: str):
    import torch
    import torch.distributed as dist

    if plan.threads:
        torch.set_num_threads(plan.threads)
    # a process that never arrives fails the run in minutes, not torch's default half hour
    dist.init_process_group(plan.comm, init_method=init_method, rank=rank, world_size=world,
                            timeout=datetime.timedelta(minutes=5))  # fmt: skip
    if plan.device == "cuda":
        local = int(os.environ.get("LOCAL_RANK", rank))
        torch.cuda.set_device(local)
        return torch.device("cuda", local)
    return torch.device("cpu")


def _module(spec: str):
    from derive.emit.frameworks import load_target, require
    from derive.engine.spec import load_spec

    require("torch")
    return load_target(load_spec(spec), "torch")


def _check(module, m: int, spans, world: int) -> None:
    """Every mini-batch (``spans``, as ``loop.batches`` gives them) has a sample for each
    process, and the module's cost is one DDP can share out."""
    small = min(j - i for i, j in spans)
    if small < world:
        raise DeriveError(
            f"a mini-batch of {small} sample(s) cannot be shared by {world} processes",
            where=f"{m} training samples in batches of {spans[0][1] - spans[0][0]}",
            fix="choose a batch size whose last batch has at least one sample a process",
        )
    if module.REDUCTION == "sum" and hasattr(module, "_penalty"):
        raise DeriveError(
            "a summed cost with a [cost] penalty cannot be shared by processes (each "
            "process's cost carries the penalty, and scaling it for the sum counts it "
            f"{world} times)",
            where="[cost] penalty",
            fix='average the cost over the samples (reduction = "mean")',
        )


def train_worker(rank: int, world: int, plan: Plan, init_method: str) -> TrainResult | None:
    """One process of a DDP run; process 0 returns the run (parameters, history, final
    metrics, as ``derive.train.loop.train`` gives them), the others None."""
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    device = _start(rank, world, plan, init_method)
    try:
        module = _module(plan.spec)
        dataset = load_dataset(plan.data, inputs=module.INPUTS, outputs=module.OUTPUTS,
                               seed=plan.seed, test_fraction=plan.test_fraction)  # fmt: skip
        check_fit(module, dataset)
        np_dtype, dtype = np.dtype(plan.dtype), getattr(torch, plan.dtype)
        X, Y = (torch.as_tensor(a.astype(np_dtype), device=device)
                for a in (dataset.X_train, dataset.Y_train))  # fmt: skip
        m = X.shape[1]
        steps_of_epoch = batches(m, plan.batch_size)
        _check(module, m, steps_of_epoch, world)
        model = module.Model(seed=plan.seed, dtype=dtype, device=device)
        ddp = DistributedDataParallel(model, device_ids=[device] if device.type == "cuda" else None)
        opt = torch.optim.SGD(model.parameters(), lr=plan.lr)
        rng = np.random.default_rng(plan.seed)  # the shuffles of derive train's run
        masks = np.random.default_rng([plan.seed, 1]) if hasattr(module, "MASKS") else None
        view = FrameworkModule(module, TorchOps(device.type))  # for the evaluation
        Xt, Yt = (view.ops.asarray(a.astype(np_dtype)) for a in (dataset.X_test, dataset.Y_test))
        history = {key: [] for key in METRICS}
        steps, start, step_seconds = 0, time.perf_counter(), 0.0
        for _ in range(plan.epochs):
            t0 = time.perf_counter()
            order = torch.as_tensor(rng.permutation(m), device=device)
            Xe, Ye = X[:, order], Y[:, order]
            total = torch.zeros((), dtype=torch.float64, device=device)
            for i, j in steps_of_epoch:
                a, b = block(i, j, rank, world)
                extra = ()
                if masks is not None:  # the whole batch's masks, this process's columns
                    drawn = draw_masks(module, masks, j - i, np_dtype)
                    extra = ({k: torch.as_tensor(v[:, a - i : b - i], device=device)
                              for k, v in drawn.items()},)  # fmt: skip
                loss = ddp(Xe[:, a:b], Ye[:, a:b], *extra)
                opt.zero_grad(set_to_none=True)
                (loss * _scale(module, a, b, i, j, world)).backward()  # DDP all-reduces here
                opt.step()
                steps += 1
                weight = b - a if module.REDUCTION == "mean" else j - i
                total += loss.detach() * weight
            dist.all_reduce(total)  # the epoch's batch losses, over every process
            step_seconds += time.perf_counter() - t0
            if rank == 0:
                params = {k: v.detach() for k, v in model.params().items()}
                metrics = dict.fromkeys(METRICS)
                metrics["train_loss"] = float(total) / m
                test = _split_metrics(view, params, Xt, Yt, dataset.is_classification,
                                      dataset.Y_test)  # fmt: skip
                metrics["test_loss"], metrics["test_accuracy"] = test
                for key, value in metrics.items():
                    history[key].append(value)
        del ddp  # its reducer holds the process group: let destroy_process_group free it
        if rank != 0:
            _leave_together()
            return None
        params = {k: v.detach() for k, v in model.params().items()}
        final = dict.fromkeys(METRICS)
        classify = dataset.is_classification
        final["train_loss"], final["train_accuracy"] = _split_metrics(
            view, params, X, Y, classify, dataset.Y_train
        )
        final["test_loss"], final["test_accuracy"] = _split_metrics(
            view, params, Xt, Yt, classify, dataset.Y_test
        )
        settings = {**asdict(plan), "processes": world, "optimizer": "sgd"}
        result = TrainResult({k: view.ops.to_numpy(v) for k, v in params.items()}, history,
                             final, settings, module.NAME, dataset)  # fmt: skip
        result.epochs_completed, result.steps = plan.epochs, steps
        result.seconds, result.step_seconds = time.perf_counter() - start, step_seconds
        _leave_together()
        return result
    finally:
        dist.destroy_process_group()


def _leave_together() -> None:
    """Every process waits here before it tears its process group down. A process that
    destroys its gloo context while a peer is still working (process 0 computes the final
    metrics alone) was seen to abort in C++ ("terminate called without an active exception",
    SIGABRT) in one CI run; leaving together is what torch's own DDP examples do. Only on the
    way out of a run that went well: after an error, a barrier would wait for a process that
    never comes. The barrier did not end the aborts: they came later, in the interpreter's
    finalization, which a spawned process now skips (``_spawned``)."""
    import torch.distributed as dist

    dist.barrier()


def ddp_gradients(rank: int, world: int, plan: Plan, init_method: str, cases: list[dict]):
    """One step of the recipe for each case ``{"spec", "X", "Y", "params", "masks"}`` (NumPy
    arrays; ``masks`` the whole batch's dropout masks, or None): from the parameters given,
    process ``rank`` runs the derived backward on its block of the batch and DDP all-reduces.
    Returns, case by case, the gradients the process then holds."""
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    device = _start(rank, world, plan, init_method)
    dtype = getattr(torch, plan.dtype)
    out = []
    try:
        for case in cases:
            module = _module(case["spec"])
            model = module.Model(dtype=dtype, device=device)
            with torch.no_grad():
                for k, v in model.params().items():
                    v.copy_(torch.as_tensor(case["params"][k]))
            ids = [device] if device.type == "cuda" else None
            ddp = DistributedDataParallel(model, device_ids=ids)
            m = case["X"].shape[1]
            a, b = block(0, m, rank, world)
            X, Y = (torch.as_tensor(case[t][:, a:b], device=device) for t in "XY")
            extra = ()
            if case.get("masks"):  # the whole batch's masks, this process's columns
                extra = ({k: torch.as_tensor(v[:, a:b], device=device)
                          for k, v in case["masks"].items()},)  # fmt: skip
            loss = ddp(X, Y, *extra)
            (loss * _scale(module, a, b, 0, m, world)).backward()
            out.append({k: p.grad.detach().cpu().numpy() for k, p in model.named_parameters()})
            del ddp
        _leave_together()
        return out
    finally:
        dist.destroy_process_group()


# --- launching ---------------------------------------------------------------------------------


def _spawned(rank, world, fn, args, init_method, out_dir):
    result = fn(rank, world, *args[:1], init_method, *args[1:])
    path = Path(out_dir) / f"rank{rank}.pkl"
    with open(path.with_suffix(".part"), "wb") as f:
        pickle.dump(result, f)
    os.replace(path.with_suffix(".part"), path)
    # The run is over and its result delivered: leave without the interpreter's finalization.
    # There, with the process group already destroyed, gloo's C++ threads were seen to abort
    # the process ("terminate called without an active exception", SIGABRT, no Python frame
    # on the stack) in about one run in ten on this machine, failing a run that had succeeded.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def launch(fn, nproc: int, plan: Plan, *args) -> list:
    """Run ``fn(rank, nproc, plan, init_method, *args)`` in ``nproc`` new processes on this
    machine (torch.multiprocessing, a file rendezvous in a temporary folder); returns what
    each returned, by rank."""
    import torch.multiprocessing as mp

    with tempfile.TemporaryDirectory(prefix="derive-ddp-") as tmp:
        init_method = Path(tmp, "rendezvous").as_uri()
        mp.spawn(_spawned, args=(nproc, fn, (plan, *args), init_method, tmp), nprocs=nproc)
        out = []
        for rank in range(nproc):
            with open(Path(tmp) / f"rank{rank}.pkl", "rb") as f:
                out.append(pickle.load(f))  # written by our own processes just now
    return out


def train_ddp(plan: Plan, nproc: int = 2) -> TrainResult:
    """A DDP run of ``nproc`` processes on this machine; the run as process 0 saw it."""
    module = _module(plan.spec)  # a missing extra, data or batch size: one line, from here
    dataset = load_dataset(plan.data, inputs=module.INPUTS, outputs=module.OUTPUTS,
                           seed=plan.seed, test_fraction=plan.test_fraction)  # fmt: skip
    check_fit(module, dataset)
    m = dataset.X_train.shape[1]
    _check(module, m, batches(m, plan.batch_size), nproc)
    if plan.threads is None:  # the machine's cores shared out, not each process taking all
        plan.threads = max(1, (os.cpu_count() or 1) // nproc)
    return launch(train_worker, nproc, plan)[0]


def main(argv: list[str] | None = None) -> int:
    """``python -m derive.train.distributed SPEC --data DATA --nproc N`` on one machine, or
    the same under ``torchrun`` (one process a GPU or core, on any number of hosts)."""
    from .runs import save_run

    p = argparse.ArgumentParser(prog="python -m derive.train.distributed", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("spec")
    p.add_argument("--data", required=True)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    p.add_argument("--test-fraction", type=float, default=0.2)
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--comm", choices=["gloo", "nccl"], default="gloo")
    p.add_argument("--nproc", type=int, default=2, help="processes on this machine (no torchrun)")
    p.add_argument("--out", metavar="DIR", help="params.npz, metrics.json, curves.png (process 0)")
    args = p.parse_args(argv)
    plan = Plan(args.spec, args.data, args.epochs, args.lr, args.batch_size, args.seed,
                args.dtype, args.test_fraction, args.device, args.comm)  # fmt: skip
    try:
        if "RANK" in os.environ and "WORLD_SIZE" in os.environ:  # under torchrun
            rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
            result = train_worker(rank, world, plan, "env://")
        else:
            result = train_ddp(plan, args.nproc)
    except DeriveError as e:
        print(f"derive: error: {e}", file=sys.stderr)
        return 2
    if result is not None:
        print(result.summary())
        if args.out:
            print(f"saved {', '.join(str(p) for p in save_run(result, args.out))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
