"""Pairing quality and speed, side by side: our matcher, a random shuffle, a greedy matcher, the optimum.

    python bench/bench_pairing.py [--sizes 100,1000,10000] [--rounds 5] [--exact-limit 1000]

A plausible population: members spread over UTC-8 ... UTC+9 (weighted towards the Americas, Europe,
India and East Asia), each offering 2-4 two-hour windows on weekday evenings or weekend days, levels
and wanted kinds drawn at random, a few avoid lists. Each method plays `rounds` weekly rounds on its
own history (so repeats are its own), and the table shows the last round: time to match, pairs with
a shared 60-minute window (and as a share of the most any matching could give), repeated partners
from the previous four rounds, and the objective score of bot.domain.matching.

Before it prints a row it checks the matching, and exits 1 with one line on stderr unless every pair
is two different participants of this round, nobody is in two pairs, and (for every method but the
random shuffle) no pair breaks an avoid list.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.domain.matching import (  # noqa: E402
    CELL,
    KINDS,
    MIN_MINUTES,
    Participant,
    allowed,
    match,
    score,
    shared_slot,
)

WEEK = 7 * 24 * 60
# (offset in minutes, weight): Pacific, Mountain, Central, Eastern, Brazil, UK, Central Europe,
# Eastern Europe, India, Singapore/China, Japan/Korea.
ZONES = ((-480, 14), (-420, 4), (-360, 8), (-300, 16), (-180, 4), (0, 10), (60, 14), (120, 6), (330, 14),
         (480, 6), (540, 4))


def population(n: int, seed: int) -> list[Participant]:
    rng = random.Random(seed)
    offsets, weights = zip(*ZONES, strict=True)
    people = []
    for pid in range(n):
        offset = rng.choices(offsets, weights)[0]
        slots = set()
        for _ in range(rng.randint(2, 4)):
            if rng.random() < 0.6:  # a weekday evening
                day, start = rng.randrange(5), rng.choice((18, 19, 20)) * 60 + rng.choice((0, 30))
            else:  # a weekend day
                day, start = 5 + rng.randrange(2), rng.randrange(9, 20) * 60
            s = day * 1440 + start - offset
            slots.add((max(0, s), min(WEEK, s + 120)))
        merged: list[tuple[int, int]] = []
        for s, e in sorted(x for x in slots if x[1] - x[0] > 0):
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        kinds = frozenset(k for k in KINDS if rng.random() < 0.4)
        avoid = frozenset(rng.randrange(n) for _ in range(rng.random() < 0.05))
        people.append(Participant(pid, tuple(merged), level=rng.choice((0, 0, 1, 1, 1, 2)), kinds=kinds,
                                  avoid=avoid - {pid}))
    return people


def with_history(people: Sequence[Participant], rounds: list[list[tuple[int, int]]],
                 unpaired: list[list[int]]) -> list[Participant]:
    recent: dict[int, dict[int, int]] = {p.id: {} for p in people}
    for ago, pairs in enumerate(reversed(rounds[-4:]), start=1):
        for a, b in pairs:
            recent[a].setdefault(b, ago)
            recent[b].setdefault(a, ago)
    last_out = set(unpaired[-1]) if unpaired else set()
    outs = {p.id: sum(p.id in u for u in unpaired[-4:]) for p in people}
    led = {}
    for a, b in rounds[-1] if rounds else []:
        led[a], led[b] = True, False
    return [replace(p, recent=recent[p.id], sat_out_last=p.id in last_out, sit_outs=outs[p.id],
                    led_last=led.get(p.id)) for p in people]


def ours(people: Sequence[Participant], seed: int) -> list[tuple[int, int]]:
    return match(people, seed).pairs


def shuffle(people: Sequence[Participant], seed: int) -> list[tuple[int, int]]:
    ids = [p.id for p in people]
    random.Random(seed).shuffle(ids)
    return [(ids[i], ids[i + 1]) for i in range(0, len(ids) - 1, 2)]


def greedy(people: Sequence[Participant], seed: int) -> list[tuple[int, int]]:
    """What a simple slot-aware bot does: walk the hour buckets, pair whoever is free and allowed."""
    rng = random.Random(seed)
    buckets: dict[int, list[Participant]] = {}
    for p in people:
        for s, e in p.slots:
            k = -(-s // CELL)
            while (k * CELL) + MIN_MINUTES <= e:
                buckets.setdefault(k, []).append(p)
                k += 4
    paired: set[int] = set()
    pairs = []
    for k in sorted(buckets, key=lambda k: len(buckets[k])):
        free = [p for p in buckets[k] if p.id not in paired]
        rng.shuffle(free)
        while len(free) >= 2:
            a = free.pop()
            for i in range(len(free) - 1, -1, -1):
                if allowed(a, free[i]):
                    b = free.pop(i)
                    pairs.append((a.id, b.id))
                    paired |= {a.id, b.id}
                    break
    return pairs


def exact(people: Sequence[Participant], seed: int) -> list[tuple[int, int]]:
    return match(people, seed, method="exact").pairs


class Failed(Exception):
    """A method returned something that is not a matching: its figures mean nothing."""


def check(name: str, people: Sequence[Participant], pairs: list[tuple[int, int]]) -> None:
    by_id = {p.id: p for p in people}
    seen: set[int] = set()
    for a, b in pairs:
        if a not in by_id or b not in by_id or a == b:
            raise Failed(f"{name}: the pair ({a}, {b}) is not two participants of this round")
        if a in seen or b in seen:
            raise Failed(f"{name}: participant {a if a in seen else b} is in two pairs")
        seen |= {a, b}
        if name != "shuffle" and not allowed(by_id[a], by_id[b]):
            raise Failed(f"{name}: the pair ({a}, {b}) breaks an avoid list")


def measure(name: str, fn: Callable, people: list[Participant], rounds: int, seed: int):
    history: list[list[tuple[int, int]]] = []
    outs: list[list[int]] = []
    for r in range(rounds):
        current = with_history(people, history, outs)
        t0 = time.perf_counter()
        pairs = fn(current, seed + r)
        elapsed = time.perf_counter() - t0
        check(name, current, pairs)
        paired = {m for pair in pairs for m in pair}
        history.append(pairs)
        outs.append([p.id for p in people if p.id not in paired])
    by_id = {p.id: p for p in current}
    shared = sum(1 for a, b in pairs if shared_slot(by_id[a].slots, by_id[b].slots) and allowed(by_id[a], by_id[b]))
    repeats = sum(1 for a, b in pairs if b in by_id[a].recent)
    return {"name": name, "time": elapsed, "pairs": len(pairs), "shared": shared, "repeats": repeats,
            "score": score(current, pairs)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--exact-limit", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    print(f"{'n':>6} {'method':<8} {'time':>9} {'pairs':>6} {'shared-slot':>12} {'of best':>8} "
          f"{'repeats':>8} {'score':>9}")
    for n in (int(x) for x in args.sizes.split(",")):
        people = population(n, args.seed)
        methods = [("ours", ours), ("shuffle", shuffle), ("greedy", greedy)]
        if n <= args.exact_limit:
            methods.append(("exact", exact))
        rows = [measure(name, fn, people, args.rounds, args.seed) for name, fn in methods]
        best = max(r["shared"] for r in rows)
        for r in rows:
            print(f"{n:>6} {r['name']:<8} {r['time'] * 1000:>7.0f}ms {r['pairs']:>6} "
                  f"{r['shared'] / max(1, r['pairs']):>11.1%} {r['shared'] / max(1, best):>8.1%} "
                  f"{r['repeats']:>8} {r['score']:>9}")
        if n > args.exact_limit:
            print(f"{n:>6} {'exact':<8} {'skipped':>9}  (networkx blossom is O(n^3); above {args.exact_limit} "
                  "it takes minutes)")


if __name__ == "__main__":
    try:
        main()
    except Failed as exc:
        print(f"bench_pairing FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
