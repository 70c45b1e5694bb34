"""The one runner of replications: world reuse, per-replication KPIs, local pool or Dask.

`dxsim run --reps`, `compare`, `sweep` and `optimise` all run their replications here

The unit of work is a :class:`RunTask`: one fully validated scenario (as JSON), the seed and the
number of replications. A worker process

- loads the geodata (`Country`) once,
- gets the prepared world (:func:`dxsim.sim.world_store.load_or_prepare_world`: from the on-disk
  store in ~0.3 s, else built in ~5 s and stored) once per distinct *world key* and keeps the last
  two in memory (LRU),
- then only runs `run_replication` for each task.

The world key (:func:`dxsim.sim.world_store.world_key`) is the scenario without the sections that
only steer the simulation (:data:`dxsim.sim.world_store.SIM_ONLY`), plus the contents of the files
it names. A task whose key is cached reuses the world with its own scenario swapped in
(:func:`dxsim.sim.world_store.with_scenario`); a world-shaping change (radio, sites, start_state,
costs, horizon, seed, villages.layer/options/campaigns, compute.datacentres (not its public money),
capacity, the operators'
start and subscriber shares) prepares anew.

Executors (`run_tasks`):

- ``workers=0``: in this process (debugging, tests);
- ``workers=N`` (default: the CPU count): a local ``concurrent.futures.ProcessPoolExecutor``
  (spawn start method; workers run with one polars/BLAS thread each);
- ``scheduler="tcp://host:8786"`` (or a ``dask.distributed.Client``): the same tasks on a Dask
  cluster (optional extra ``dxsim[cluster]``; dask is imported only then). Workers must be able
  to import dxsim, see the same ``DXSIM_RAW_DATA`` and any file a scenario names (shared disk).
  Start them with one thread each (``--nthreads 1``) and ``POLARS_MAX_THREADS=1``, and drop
  ``MALLOC_TRIM_THRESHOLD_`` from dask's ``distributed.nanny.pre-spawn-environ`` (its 65536 default
  slowed a replication by ~20% here). Measured on one 2-core host (bench/RESULTS.md section 5), a
  Dask worker still runs the same task ~1.2x slower than a pool worker and 2 workers give 1.66x in
  steady state (pool: 1.82x): on one machine prefer the pool; Dask is for more machines.

Results come back to the calling process, which writes each finished run as its own small JSON
file, atomically (temp file + rename), before reporting it; an interrupt therefore keeps every
finished run and a re-run skips them (see :mod:`dxsim.sweep`).

No pool worker outlives the calling process, even when it is killed (SIGKILL, OOM killer): on
Linux each worker asks the kernel for SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``,
:func:`_init_worker`), and exits at once if the parent is already gone. multiprocessing's resource
tracker then sees its pipe close (the workers held the last copies) and exits too. Without this a
killed ``dxsim sweep --workers 2`` left both workers (~440 MB each) and the tracker running.
"""

from dxsim.execution.kpis import (
    COMPUTE_KPIS,
    CampaignProbe,
    CORE_KPIS,
    SERVED_KPIS,
    VILLAGE_KPIS,
    kpi_names,
    public_cost_vnd_bn,
    replication_kpis,
    run_scenario_kpis,
    state_dc_investment_vnd_bn,
    year_end_tags,
)
from dxsim.execution.pool import (
    ExecStats,
    LocalPool,
    SweepInterrupted,
    chunks,
    run_tasks,
)
from dxsim.workers import replication_workers
from dxsim.execution.tasks import (
    KpiTask,
    ReplicationTask,
    RunTask,
    execute_kpis,
    execute_replications,
    execute_task,
)
from dxsim.execution.worlds import WorldCache, country, effective_scenario, process_world_cache

__all__ = [
    "COMPUTE_KPIS",
    "CampaignProbe",
    "CORE_KPIS",
    "SERVED_KPIS",
    "VILLAGE_KPIS",
    "ExecStats",
    "KpiTask",
    "LocalPool",
    "ReplicationTask",
    "RunTask",
    "SweepInterrupted",
    "WorldCache",
    "chunks",
    "country",
    "effective_scenario",
    "execute_kpis",
    "execute_replications",
    "execute_task",
    "kpi_names",
    "process_world_cache",
    "public_cost_vnd_bn",
    "replication_kpis",
    "replication_workers",
    "run_scenario_kpis",
    "run_tasks",
    "state_dc_investment_vnd_bn",
    "year_end_tags",
]
