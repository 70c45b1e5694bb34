"""AI demand on the GPU pool: FIFO queueing, exact busy GPU-days, retirement, and an Erlang C check.

Erlang C validation: Poisson arrivals (rate lambda), exponential run times (mean 1/mu), 1-GPU jobs
on a fixed pool of c GPUs is an M/M/c queue; its mean wait in queue is
Wq = C(c, a) / (c mu - lambda), a = lambda / mu, with C the Erlang C probability of waiting,
computed here independently of the model. The simulated mean wait (200,000 jobs, the first
10,000 discarded as warm-up) is compared with Wq using batch means: the 190,000 waits in start
order are cut into 20 batches; batch means of ~9,500 consecutive jobs are nearly independent
and normal (the queue forgets its state within a few hundred jobs at these loads), so
mean +- t(19) x s / sqrt(20) is a confidence interval for the long-run mean wait. The test
asserts Wq lies inside the 99.9% interval (t = 3.883): a correct model fails this with
probability 0.1% for a random seed (and, with the fixed seed, never); a wrong one (e.g. wrong
discipline, lost arrivals, wrong service times) shifts the mean by far more.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
import simpy
from scipy import stats

from dxsim.scenario.sections.compute_gpus import AiDemand as AiDemandSection
from dxsim.sim.calendar import Clock
from dxsim.sim.compute.demand import AiDemand, GpuPool, draw_in_progress

START = dt.date(2026, 1, 1)


def erlang_c_wq(c: int, lam: float, mu: float) -> tuple[float, float]:
    """(probability of waiting, mean wait in queue) of an M/M/c queue (independent implementation)."""
    a = lam / mu
    assert a < c
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) * c / (c - a)
    p_wait = tail / (head + tail)
    return p_wait, p_wait / (c * mu - lam)


def test_erlang_c_formula_by_hand() -> None:
    # c = 1 is M/M/1: P(wait) = rho, Wq = rho / (mu - lambda)
    assert erlang_c_wq(1, 0.5, 1.0) == pytest.approx((0.5, 1.0))
    # c = 2, a = 1: head = 1 + 1 = 2, tail = 1/2 x 2/1 = 1 -> C = 1/3, Wq = (1/3) / (2 - 1)
    assert erlang_c_wq(2, 1.0, 1.0) == pytest.approx((1 / 3, 1 / 3))


def section(classes: dict, growth: float = 0.0, warm: bool = False, enabled: bool = True) -> AiDemandSection:
    zero = {"gpus_per_job": 1, "arrivals_per_day_at_start": 0.0}
    cl = {"inference": zero, "finetune": zero, "training": zero} | classes
    return AiDemandSection.model_validate(
        {"classes": cl, "growth_pct_per_year": growth, "warm_start": warm, "enabled": enabled}
    )


def fixed_pool(c: int, env: simpy.Environment) -> GpuPool:
    pool = GpuPool(env)
    pool.add(c)
    return pool


@pytest.mark.parametrize("rho", [0.7, 0.9])
def test_erlang_c(rho: float) -> None:
    c, mu, n_jobs, warm = 10, 1.0, 200_000, 10_000
    lam = rho * c * mu
    days = n_jobs / lam
    clock = Clock(START, START + dt.timedelta(days=math.ceil(days)))
    env = simpy.Environment()
    pool = fixed_pool(c, env)
    sec = section(
        {"inference": {"gpus_per_job": 1, "arrivals_per_day_at_start": lam, "exponential_mean_days": 1 / mu}}
    )
    dem = AiDemand(env, sec, pool, clock, seed=20251031, replication=int(rho * 10))
    env.run(until=clock.horizon_days)
    waits = np.array([w for _, w in dem.started_wait_days])[warm:]
    batches = np.array_split(waits, 20)
    means = np.array([b.mean() for b in batches])
    se = means.std(ddof=1) / math.sqrt(means.size)
    p_wait, wq = erlang_c_wq(c, lam, mu)
    sim = waits.mean()
    half95, half999 = stats.t.ppf(0.975, 19) * se, stats.t.ppf(0.9995, 19) * se
    print(
        f"\nrho={rho}: Erlang C P(wait)={p_wait:.4f} Wq={wq:.4f} d; simulated {sim:.4f} d "
        f"(95% CI +-{half95:.4f}, 99.9% +-{half999:.4f}); P(wait) sim {(waits > 0).mean():.4f}; "
        f"jobs {dem.arrived}"
    )
    assert abs(sim - wq) <= half999
    assert (waits > 0).mean() == pytest.approx(p_wait, abs=0.02)
    # utilisation = busy GPU-days / (c x T) ~ rho (sampling error of the mean run time ~ 0.2%)
    util = dem.busy_gpu_days / (c * clock.horizon_days)
    assert util == pytest.approx(rho, abs=0.01)
    assert dem.jobs_rejected_too_big == 0 and dem.arrived == pytest.approx(n_jobs, rel=0.01)


def test_fifo_head_of_line_blocking_and_exact_busy_gpu_days() -> None:
    env = simpy.Environment()
    pool = fixed_pool(4, env)
    dem = AiDemand(env, section({}, enabled=False), pool, Clock(START, START + dt.timedelta(days=30)), 1, 0)

    def script():
        dem.submit(2, 3.0)  # A: t=0, runs 0-3
        yield env.timeout(1)
        dem.submit(3, 2.0)  # B: t=1, needs 3 of 2 idle: waits until A ends (t=3), runs 3-5
        yield env.timeout(1)
        dem.submit(1, 1.0)  # C: t=2, 2 idle but B is ahead (FIFO, no backfill): starts t=3, runs 3-4
        yield env.timeout(0.5)
        assert dem.waiting_jobs == 2 and pool.busy == 2 and pool.idle == 2

    env.process(script())
    env.run(until=10)
    assert dem.started_wait_days == [(0.0, 0.0), (3.0, 2.0), (3.0, 1.0)]
    # busy: 2 on [0,3), 4 on [3,4), 3 on [4,5) -> 6 + 4 + 3 = 13 GPU-days
    assert dem.busy_gpu_days == pytest.approx(13.0)
    assert dem.completed == 3 and pool.idle == 4 and pool.busy == 0


def test_busy_gpu_days_exact_mid_run() -> None:
    env = simpy.Environment()
    pool = fixed_pool(8, env)
    dem = AiDemand(env, section({}, enabled=False), pool, Clock(START, START + dt.timedelta(days=30)), 1, 0)
    dem.submit(5, 10.0)
    env.run(until=2.5)
    assert dem.busy_gpu_days == pytest.approx(12.5)  # 5 GPUs x 2.5 days, read between events


def test_retirement_takes_idle_gpus_first_and_waits_for_busy_ones() -> None:
    env = simpy.Environment()
    pool = fixed_pool(4, env)
    dem = AiDemand(env, section({}, enabled=False), pool, Clock(START, START + dt.timedelta(days=30)), 1, 0)
    dem.submit(3, 5.0)  # runs 0-5
    dem.submit(4, 1.0)  # waits at the head of the queue
    env.run(until=1.0)
    taken = pool.retire(2)  # 1 idle taken at once (not queued behind the waiting job), 1 owed
    assert taken == 1 and pool.idle == 0 and pool.installed == 2 and pool.retire_debt == 1
    pool.add(2)  # new GPUs: 2 idle, the 4-GPU job still waits
    env.run(until=5.5)
    # at t=5 the job hands back 3: 1 pays the debt, 2 return -> 4 idle -> the waiting job starts
    assert pool.retire_debt == 0 and dem.started_wait_days[-1] == (5.0, 5.0) and pool.busy == 4
    env.run(until=7)
    assert pool.installed == 4 and pool.idle == 4 and pool.busy == 0


def test_jobs_too_big_are_rejected() -> None:
    env = simpy.Environment()
    pool = fixed_pool(10, env)
    pool.max_gpus_ever = 12
    clock = Clock(START, START + dt.timedelta(days=100))
    sec = section(
        {
            "training": {"gpus_per_job": 16, "arrivals_per_day_at_start": 1.0},
            "inference": {"gpus_per_job": 12, "arrivals_per_day_at_start": 0.01},
        }
    )
    dem = AiDemand(env, sec, pool, clock, 1, 0)
    env.run(until=clock.horizon_days)
    assert dem.arrived_by_class["training"] > 50
    assert dem.jobs_rejected_too_big == dem.arrived_by_class["training"]  # 16 > 12: never fits
    assert dem.arrived == dem.jobs_rejected_too_big + dem.arrived_by_class["inference"]  # 12 <= 12 waits


def test_arrival_rate_grows_by_growth_pct() -> None:
    clock = Clock(START, dt.date(2027, 12, 31))
    env = simpy.Environment()
    sec = section({"finetune": {"gpus_per_job": 1, "arrivals_per_day_at_start": 20.0}}, growth=100.0)
    dem = AiDemand(env, sec, fixed_pool(10_000, env), clock, 1, 0)
    day = dem.arrivals.day
    y1, y2 = (day < 365).sum(), ((day >= 365) & (day < 730)).sum()
    # expected: 20/day x 2^(t/365.25) integrated over the first 365 days = 7305 / ln 2 x (2^(365/365.25) - 1)
    # = 10,529 (the monthly piecewise-constant rates differ by < 0.1%); Poisson sd ~ 103: 4 sd tolerance
    e1 = 7305 / math.log(2) * (2 ** (365 / 365.25) - 1)
    assert abs(y1 - e1) < 4 * math.sqrt(e1)
    # the second year has twice the rate: sd of the ratio ~ 2 x sqrt(1/e1 + 1/(2 e1)) = 0.024
    assert abs(y2 / y1 - 2.0) < 4 * 2 * math.sqrt(1 / e1 + 1 / (2 * e1))


def test_warm_start_in_progress_jobs() -> None:
    # M/G/inf in steady state: Poisson(lambda E[D]) jobs, residual mean E[D^2] / (2 E[D]) = p50 e^(1.5 s^2) / 2
    jc = section(
        {
            "training": {
                "gpus_per_job": 8,
                "arrivals_per_day_at_start": 200.0,
                "duration": {"p50_days": 10.0, "p90_days": 30.0},
            }
        }
    ).classes.training
    rem = draw_in_progress(jc, np.random.default_rng(5))
    s = jc.duration.sigma
    assert rem.size == pytest.approx(200 * 10 * math.exp(s * s / 2), rel=0.02)
    assert rem.mean() == pytest.approx(10 * math.exp(1.5 * s * s) / 2, rel=0.05)
    # defaults: the pool is busy on day 0
    env = simpy.Environment()
    pool = fixed_pool(1826, env)
    dem = AiDemand(env, AiDemandSection(), pool, Clock(START, dt.date(2030, 12, 31)), 20251031, 0)
    env.run(until=0.01)
    assert dem.initial_jobs > 0 and 500 < pool.busy < 1700 and dem.arrived <= 1


def test_determinism() -> None:
    def run(rep):
        env = simpy.Environment()
        pool = fixed_pool(2000, env)
        dem = AiDemand(env, AiDemandSection(), pool, Clock(START, dt.date(2027, 12, 31)), 7, rep)
        env.run(until=700)
        return dem.started_wait_days, dem.busy_gpu_days, dem.completed

    a, b, c = run(0), run(0), run(1)
    assert a == b and a != c


def test_gpus_added_by_a_process_start_waiting_jobs_at_that_instant() -> None:
    """The job queue is replayed lazily; a pool change made by another SimPy process must still see
    (and act on) the queue exactly as of its own time."""
    env = simpy.Environment()
    pool = GpuPool(env, max_gpus_ever=3)  # else jobs bigger than the (empty) pool are rejected
    dem = AiDemand(env, section({}, enabled=False), pool, Clock(START, START + dt.timedelta(days=30)), 1, 0)
    dem.submit(2, 4.0)  # t=0, no GPUs: waits
    dem.submit(1, 1.0)  # waits behind it

    def powering():
        yield env.timeout(3.0)
        pool.add(2)  # the 2-GPU job starts at 3; the 1-GPU job still waits (none idle)
        assert dem.waiting_jobs == 1 and pool.busy == 2
        yield env.timeout(1.5)
        pool.add(1)  # t=4.5: the 1-GPU job starts

    env.process(powering())
    env.run(until=20)
    assert dem.started_wait_days == [(3.0, 3.0), (4.5, 4.5)]
    assert dem.busy_gpu_days == pytest.approx(2 * 4.0 + 1 * 1.0)
    assert dem.completed == 2 and pool.idle == 3
