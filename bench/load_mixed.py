"""Requests per second of the production-like stack on a mixed read workload, old code and new side by side.

For each code tree (`--old`, a checkout of an earlier commit, and this repository) the script makes its own
PostgreSQL database, migrates it with that tree's code, loads the demo catalog and trains the model
(`seed_demo`), signs in `--users` users and links each to the stub Spotify with a track playing, then starts
that tree's own `api` and `engine` lines from its Procfile (so each stack runs with the worker settings it
ships) on PostgreSQL + a private Redis (bench/load_stack.py). Both stacks run at once, and every measurement
takes turns, old then new then new then old, for `--rounds` rounds, so a change in the machine's load falls
on both. It measures:

1. capacity: `wrk` (closed loop, `--connections` connections, `--seconds`) over the mix;
2. CPU per request: another closed-loop `wrk` run while /proc is read for the CPU seconds of every process of the
   stack (gunicorn master and workers, the engine, this database's PostgreSQL backends, the stack's own private
   Redis); requests per CPU second is capacity per core, and unlike req/s it hardly moves with other work on
   the machine;
3. open loop at 50% and 80% of that capacity: locust users each sending on a Poisson schedule (exponential gaps,
   USER_RATE requests/s each, from a random phase), so arrivals do not depend on answers; p50/p95/p99 per
   endpoint, errors counted, and the share of requests that went late because their user was still waiting.
   Each measured run follows an unmeasured one at the same rate that fills the answer cache again.
   (A fixed one request per user per second, locust's `constant_throughput`, fires every user in the same
   instant: the queue of that burst, not the server, set p50 at tens of milliseconds; bench/RESULTS.md.)

The mix, one fifth each: track search, artist detail, recommendations by artist, the caller's music
profile, playback state. The load generators run on the same two cores as the server: both stacks pay
that cost in the same way, so the ratio is the number to read.

    apt-get install wrk; python3 -m venv /tmp/juke-load && /tmp/juke-load/bin/pip install locust==2.32.4
    git worktree add --detach /tmp/juke-old <old commit> && ln -s $PWD/.venv /tmp/juke-old/.venv
    .venv/bin/python bench/load_mixed.py --old /tmp/juke-old
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.load_stack import SEARCH_WORDS, Stack, procfile_command  # noqa: E402
from bench.machine import machine_header  # noqa: E402
from bench.process_cpu import CpuMeter  # noqa: E402

LOCUST = os.environ.get("LOCUST", "/tmp/juke-load/bin/locust")

LOCUSTFILE = """
import itertools, json, os, random, time
from locust import FastHttpUser, events, task

USERS = json.loads(os.environ["JUKE_LOAD_USERS"])
WORDS = json.loads(os.environ["JUKE_LOAD_WORDS"])
ARTISTS = json.loads(os.environ["JUKE_LOAD_ARTISTS"])
RATE = float(os.environ["JUKE_LOAD_USER_RATE"])
_next = itertools.count()
schedule = {"requests": 0, "late": 0}


class Listener(FastHttpUser):
    # Each user sends on its own Poisson schedule (exponential gaps), from a random phase, so the total is a
    # Poisson stream at users x RATE. A request whose turn comes while the previous one is still out goes late:
    # counted, since then the load is no longer open.

    def wait_time(self):
        self.next_at += self.rng.expovariate(RATE)
        delay = self.next_at - time.monotonic()
        schedule["requests"] += 1
        schedule["late"] += delay < -0.01
        return max(0.0, delay)

    def on_start(self):
        number = next(_next)
        me = USERS[number % len(USERS)]
        self.auth = {"Authorization": "Token " + me["token"], "Accept": "application/json"}
        self.rng = random.Random(number)
        self.next_at = time.monotonic() + self.rng.expovariate(RATE)
        time.sleep(self.next_at - time.monotonic())

    @task
    def track_search(self):
        self.client.get("/api/v1/tracks/?q=" + self.rng.choice(WORDS) + "&limit=20", headers=self.auth,
                        name="track search")

    @task
    def artist_detail(self):
        self.client.get("/api/v1/artists/%d/" % self.rng.choice(ARTISTS)["id"], headers=self.auth,
                        name="artist detail")

    @task
    def recommendations(self):
        body = {"artists": [self.rng.choice(ARTISTS)["name"]], "limit": 10}
        self.client.post("/api/v1/recommendations/", json=body, headers=self.auth, name="recommendations")

    @task
    def profile(self):
        self.client.get("/api/v1/music-profiles/me/", headers=self.auth, name="profile")

    @task
    def playback_state(self):
        with self.client.get("/api/v1/playback/state/", headers=self.auth, name="playback state",
                             catch_response=True) as response:
            if response.status_code in (200, 204):
                response.success()


@events.quitting.add_listener
def report_schedule(environment, **kwargs):
    with open("schedule.json", "w") as handle:
        json.dump(schedule, handle)
"""

WRK_SCRIPT = """
local users = {%(tokens)s}
local words = {%(words)s}
local artists = {%(artist_ids)s}
local names = {%(artist_names)s}
local n = 0
request = function()
  n = n + 1
  local headers = {["Authorization"] = "Token " .. users[(n %% #users) + 1], ["Accept"] = "application/json"}
  local kind = %(kind)s
  if kind == 0 then
    return wrk.format("GET", "/api/v1/tracks/?q=" .. words[(n %% #words) + 1] .. "&limit=20", headers)
  elseif kind == 1 then
    return wrk.format("GET", "/api/v1/artists/" .. artists[(n %% #artists) + 1] .. "/", headers)
  elseif kind == 2 then
    headers["Content-Type"] = "application/json"
    local body = '{"artists": ["' .. names[(n %% #names) + 1] .. '"], "limit": 10}'
    return wrk.format("POST", "/api/v1/recommendations/", headers, body)
  elseif kind == 3 then
    return wrk.format("GET", "/api/v1/music-profiles/me/", headers)
  end
  return wrk.format("GET", "/api/v1/playback/state/", headers)
end
local shown = 0
response = function(status, headers, body)
  if status >= 300 and shown < 3 then
    shown = shown + 1
    io.stderr:write("non-2xx: " .. status .. " " .. string.sub(body, 1, 160) .. "\\n")
  end
end
"""


def lua_list(values: list) -> str:
    return ", ".join(json.dumps(v, ensure_ascii=False) for v in values)


OPEN_LOOP_WARM_UP_SECONDS = 10
USER_RATE = 0.25  # requests per second per locust user: gaps long against answers, so few requests go late
ENDPOINTS = ["track search", "artist detail", "recommendations", "profile", "playback state"]


def measure_capacity(
    api: str, users: list[dict], artists: list[dict], connections: int, seconds: int, endpoint: int | None = None
) -> dict:
    """A closed-loop wrk run over the mix, or over one endpoint of it (an index into ENDPOINTS)."""
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(WRK_SCRIPT % {
        "kind": "n % 5" if endpoint is None else str(endpoint),
        "tokens": lua_list([u["token"] for u in users]), "words": lua_list(SEARCH_WORDS),
        "artist_ids": lua_list([a["id"] for a in artists]), "artist_names": lua_list([a["name"] for a in artists]),
    })  # fmt: skip
    completed = subprocess.run(
        ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--latency", "-s", str(script),
         api], capture_output=True, text=True, check=True,
    )  # fmt: skip
    out = completed.stdout + completed.stderr
    if completed.stderr.strip().startswith(str(script)) or " 0 requests in" in out:
        raise SystemExit(f"wrk could not run the mix: {out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    for line in out.splitlines():
        if line.startswith("non-2xx:"):
            print(line, flush=True)
    return {
        "rps": rps,
        "requests": requests,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def measure_open_loop(api: str, users: list[dict], artists: list[dict], rate: int, seconds: int) -> dict:
    """Poisson arrivals at `rate` per second: USER_RATE requests/s from each of rate / USER_RATE locust users."""
    workdir = Path(tempfile.mkdtemp(prefix="juke-locust-"))
    (workdir / "locustfile.py").write_text(LOCUSTFILE)
    env = {**os.environ, "JUKE_LOAD_USERS": json.dumps(users), "JUKE_LOAD_WORDS": json.dumps(SEARCH_WORDS),
           "JUKE_LOAD_ARTISTS": json.dumps(artists), "JUKE_LOAD_USER_RATE": str(USER_RATE)}  # fmt: skip
    locust_users = max(1, round(rate / USER_RATE))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [LOCUST, "-f", "locustfile.py", "--headless", "-u", str(locust_users), "-r", str(locust_users),
         "-t", f"{seconds}s",
         "--host", api, "--csv", "out", "--only-summary", "--loglevel", "ERROR"],
        cwd=workdir, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    with (workdir / "out_stats.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    generator_cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / seconds
    schedule = json.loads((workdir / "schedule.json").read_text())
    shutil.rmtree(workdir, ignore_errors=True)
    endpoints = [
        {"endpoint": r["Name"], "n": int(r["Request Count"]), "errors": int(r["Failure Count"]),
         "rps": float(r["Requests/s"]), "p50": float(r["50%"]), "p95": float(r["95%"]), "p99": float(r["99%"])}
        for r in rows
    ]  # fmt: skip
    late_share = schedule["late"] / max(1, schedule["requests"])
    return {"rate": rate, "late_share": late_share, "generator_cores": generator_cpu, "endpoints": endpoints}


def measure_cpu(stack: Stack, args: argparse.Namespace, endpoint: int | None = None) -> dict:
    """Requests answered and CPU seconds by part during one closed-loop wrk run (the mix, or one endpoint)."""
    parts = stack.cpu_parts()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with CpuMeter(parts) as meter:
        run = measure_capacity(stack.api, stack.users, stack.artists, args.connections, args.cpu_seconds, endpoint)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = meter.seconds_by_part()
    seconds["load generator (wrk)"] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"requests": run["requests"], "rps": run["rps"], "non_2xx": run["non_2xx"], "cpu_seconds": seconds}


def _sum_cpu(runs: list[dict]) -> dict:
    total = {"requests": sum(r["requests"] for r in runs), "non_2xx": sum(r["non_2xx"] for r in runs)}
    total["cpu_seconds"] = {part: sum(r["cpu_seconds"][part] for r in runs) for part in runs[0]["cpu_seconds"]}
    return total


def _turns(stacks: list[Stack], round_number: int) -> list[Stack]:
    return stacks if round_number % 2 == 0 else stacks[::-1]


def measure(stacks: list[Stack], args: argparse.Namespace) -> dict[str, dict]:
    results: dict[str, dict] = {
        s.label: {"label": s.label, "api": procfile_command(s.tree, "api"), "capacity": [], "cpu": [],
                  "cpu_by_endpoint": {name: [] for name in ENDPOINTS}, "open_loop": {}}
        for s in stacks
    }  # fmt: skip
    for stack in stacks:  # warm-up: imports, caches, engine index
        measure_capacity(stack.api, stack.users, stack.artists, args.connections, 5)
    for round_number in range(args.rounds):
        for stack in _turns(stacks, round_number):
            run = measure_capacity(stack.api, stack.users, stack.artists, args.connections, args.seconds)
            results[stack.label]["capacity"].append(run)
            print(
                f"[round {round_number + 1}] {stack.label}: {run['rps']:.0f} req/s, non-2xx {run['non_2xx']}",
                flush=True,
            )
        for stack in _turns(stacks, round_number):
            results[stack.label]["cpu"].append(measure_cpu(stack, args))
            if args.cpu_by_endpoint:
                for index, name in enumerate(ENDPOINTS):
                    results[stack.label]["cpu_by_endpoint"][name].append(measure_cpu(stack, args, index))
    for stack in stacks:
        result = results[stack.label]
        result["cpu"] = _sum_cpu(result["cpu"])
        result["cpu_by_endpoint"] = {n: _sum_cpu(runs) for n, runs in result["cpu_by_endpoint"].items() if runs}
        capacity = sum(r["rps"] for r in result["capacity"]) / len(result["capacity"])
        result["capacity_rps"] = capacity
        for share in (0.5, 0.8):
            rate = max(1, int(capacity * share))
            # Unmeasured first: the answers cached during the capacity runs have expired by now, and the first
            # seconds at this rate would measure refilling the cache (bench/RESULTS.md), not the steady state.
            measure_open_loop(stack.api, stack.users, stack.artists, rate, OPEN_LOOP_WARM_UP_SECONDS)
            result["open_loop"][share] = measure_open_loop(stack.api, stack.users, stack.artists, rate, args.seconds)
    return results


def _server_ms(cpu: dict) -> float:
    return 1000 * sum(v for p, v in cpu["cpu_seconds"].items() if p != "load generator (wrk)") / cpu["requests"]


def print_capacity(old: dict, new: dict) -> None:
    print("\n| round | old req/s | new req/s | new/old |\n|---|---|---|---|")
    for number, (o, n) in enumerate(zip(old["capacity"], new["capacity"], strict=True), start=1):
        print(f"| {number} | {o['rps']:.0f} | {n['rps']:.0f} | {n['rps'] / o['rps']:.2f}x |")
    non_2xx = {r["label"]: sum(run["non_2xx"] for run in r["capacity"]) for r in (old, new)}
    print(f"| all | {old['capacity_rps']:.0f} | {new['capacity_rps']:.0f} | "
          f"**{new['capacity_rps'] / old['capacity_rps']:.2f}x** |\n\nnon-2xx: old {non_2xx['old']}, new {non_2xx['new']}")  # fmt: skip


def print_cpu(old: dict, new: dict) -> None:
    """CPU milliseconds per request by part; requests per CPU second is what one core serves."""
    parts = list(old["cpu"]["cpu_seconds"])
    print(
        "\n| stack | requests | "
        + " | ".join(f"{p} ms/req" for p in parts)
        + " | server total ms/req | req per CPU s |"
    )
    print("|---" * (len(parts) + 4) + "|")
    for r in (old, new):
        cpu = r["cpu"]
        cells = " | ".join(f"{1000 * cpu['cpu_seconds'][p] / cpu['requests']:.2f}" for p in parts)
        print(f"| {r['label']} | {cpu['requests']} | {cells} | {_server_ms(cpu):.2f} | {1000 / _server_ms(cpu):.0f} |")
    print(f"\nnew/old requests per server CPU second: **{_server_ms(old['cpu']) / _server_ms(new['cpu']):.2f}x**")
    if old["cpu_by_endpoint"]:
        print("\n| endpoint alone | old server ms/req | new server ms/req | old/new |\n|---|---|---|---|")
        for name in ENDPOINTS:
            o, n = _server_ms(old["cpu_by_endpoint"][name]), _server_ms(new["cpu_by_endpoint"][name])
            print(f"| {name} | {o:.2f} | {n:.2f} | {o / n:.2f}x |")


def print_open_loop(results: list[dict]) -> None:
    for r in results:
        print(f"\n{r['label']}: `{r['api']}`")
        print(
            "| load | endpoint | requests | errors | req/s | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|---|---|---|"
        )
        for share, run in r["open_loop"].items():
            for row in run["endpoints"]:
                print(f"| {int(share * 100)}% | {row['endpoint']} | {row['n']} | {row['errors']} | {row['rps']:.0f} | "
                      f"{row['p50']:.0f} | {row['p95']:.0f} | {row['p99']:.0f} |")  # fmt: skip
        for share, run in r["open_loop"].items():
            print(f"{int(share * 100)}%: target {run['rate']} req/s; requests sent late (their user still waiting on "
                  f"the previous answer): {100 * run['late_share']:.1f}%; locust's CPU: {run['generator_cores']:.2f} cores")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", type=Path, required=True, help="checkout of the old code (with a .venv link)")
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=20, help="length of each capacity run and open-loop run")
    parser.add_argument("--rounds", type=int, default=3, help="turns of old and new for capacity and CPU")
    parser.add_argument("--cpu-seconds", type=int, default=10, help="length of each wrk run that CPU is read over")
    parser.add_argument(
        "--cpu-by-endpoint", action="store_true", help="also read CPU per request of each endpoint alone"
    )
    args = parser.parse_args()
    for tool in ("wrk", LOCUST):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is missing: see the usage at the top of {__file__}")
    print(machine_header(), flush=True)
    stacks = [Stack("old", args.old.resolve(), args.users), Stack("new", ROOT, args.users)]
    try:
        for stack in stacks:
            print(f"[{stack.label}] preparing and starting the stack from {stack.tree} ...", flush=True)
            stack.prepare()
            stack.start()
        results = measure(stacks, args)
    finally:
        for stack in stacks:
            stack.stop()
    raw = ROOT / "bench/out/load_mixed.json"
    raw.parent.mkdir(exist_ok=True)
    raw.write_text(json.dumps(results, indent=1))
    print_capacity(results["old"], results["new"])
    print_cpu(results["old"], results["new"])
    print_open_loop(list(results.values()))
    print(machine_header(end=True))


if __name__ == "__main__":
    main()
