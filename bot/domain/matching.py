"""Weekly mock-interview pairing: a pure function over participants and their history.

Hard rules (never broken): a pair shares a window of at least `min_minutes` in the coming week, and
neither member has the other on their avoid list.

Objective, in order of importance, encoded as integer edge weights so one maximisation serves all:
as many members paired as possible (PAIR outweighs every penalty, and the exact solver is asked for
maximum cardinality first); no partner from the last four rounds (a decaying penalty, larger than
every lower term together); close levels; a shared interview kind; and, last, pairs in which roles
can alternate. A member who sat out last round carries a bonus on all their edges so that the one
left over is never the same member twice in a row.

Small groups (up to EXACT_LIMIT) are solved exactly with networkx's blossom algorithm. Above that,
`_fast` works over 15-minute slot buckets: members who share a bucket are candidate partners, each
bucket sorted by level and kinds so that neighbours are good partners; a min-degree greedy then takes
the best edge per member, and two repair passes follow (augmenting paths of length three to pair
the leftovers, then 2-opt swaps that remove repeats and level gaps). docs/mock-interviews.md has the
figures.
"""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx

KINDS = ("coding", "system-design", "ml-design", "behavioral")
MIN_MINUTES = 60
SESSION_MINUTES = 100  # two halves of 5 + 30 + 10 + 5 minutes
EXACT_LIMIT = 120

PAIR = 200
REPEAT = {1: 96, 2: 72, 3: 48, 4: 24}  # rounds ago -> penalty; 24 > 2 * LEVEL_STEP + NO_SHARED_KIND + SAME_ROLE
LEVEL_STEP = 8
NO_SHARED_KIND = 4
SAME_ROLE = 2
SAT_OUT_LAST = 1000  # larger than any realistic sum of penalties it could be traded against
SAT_OUT_EACH = 10
CELL = 15  # bucket width in minutes; a 60-minute overlap always contains a bucket index divisible by 3
NEIGHBOURS = 3  # candidates taken on each side of a member in a crowded bucket
SMALL_BUCKET = 16  # buckets up to this size are fully connected
FULL_GRAPH = 300  # below this many members every bucket is

Slot = tuple[int, int]  # minutes after the start of the week being matched


@dataclass(frozen=True)
class Participant:
    id: int
    slots: tuple[Slot, ...]  # sorted, disjoint
    level: int = 0  # 0 beginner, 1 intermediate, 2 advanced
    kinds: frozenset[str] = frozenset()  # empty: any kind
    avoid: frozenset[int] = frozenset()
    recent: Mapping[int, int] = field(default_factory=dict)  # partner id -> rounds ago (1 = last round)
    sat_out_last: bool = False
    sit_outs: int = 0  # sit-outs in recent rounds
    led_last: bool | None = None  # interviewed first in their last session; None: no session yet


@dataclass(frozen=True)
class Session:
    members: tuple[int, ...]  # two, or three for the odd one out joining as observer
    start: int
    end: int
    kind: str
    weight: int


@dataclass
class Matching:
    sessions: list[Session]
    unpaired: list[int]
    seed: int
    method: str
    score: int

    @property
    def pairs(self) -> list[tuple[int, int]]:
        return [(s.members[0], s.members[1]) for s in self.sessions]


def shared_slot(a: Sequence[Slot], b: Sequence[Slot], min_minutes: int = MIN_MINUTES) -> Slot | None:
    """The best common window: the longest (capped at a full session), the earliest among equals."""
    best: Slot | None = None
    best_len = min_minutes - 1
    i = j = 0
    while i < len(a) and j < len(b):
        s, e = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        length = min(e - s, SESSION_MINUTES)
        if length > best_len:
            best, best_len = (s, s + length), length
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return best


def common(a: Sequence[tuple], b: Sequence[tuple]) -> tuple[tuple, ...]:
    """The intersection of two sorted lists of disjoint (start, end) intervals (minutes or instants)."""
    out = []
    i = j = 0
    while i < len(a) and j < len(b):
        s, e = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if e > s:
            out.append((s, e))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def allowed(a: Participant, b: Participant) -> bool:
    return a.id != b.id and b.id not in a.avoid and a.id not in b.avoid


def bonus(p: Participant) -> int:
    return (SAT_OUT_LAST if p.sat_out_last else 0) + SAT_OUT_EACH * min(p.sit_outs, 3)


def penalty(a: Participant, b: Participant) -> int:
    ago = min(a.recent.get(b.id, 99), b.recent.get(a.id, 99))
    cost = REPEAT.get(ago, 0) + LEVEL_STEP * abs(a.level - b.level)
    if a.kinds and b.kinds and not (a.kinds & b.kinds):
        cost += NO_SHARED_KIND
    if a.led_last is not None and a.led_last == b.led_last:
        cost += SAME_ROLE
    return cost


def weight(a: Participant, b: Participant) -> int:
    return PAIR - penalty(a, b) + bonus(a) + bonus(b)


def score(participants: Iterable[Participant], pairs: Iterable[tuple[int, int]],
          min_minutes: int = MIN_MINUTES) -> int:
    """The objective of any pairing: pairs that break a hard rule count nothing."""
    by_id = {p.id: p for p in participants}
    total = 0
    for x, y in pairs:
        a, b = by_id[x], by_id[y]
        if allowed(a, b) and shared_slot(a.slots, b.slots, min_minutes) is not None:
            total += weight(a, b)
    return total


def choose_kind(a: Participant, b: Participant, rng: random.Random) -> str:
    wanted_a = a.kinds or frozenset(KINDS)
    wanted_b = b.kinds or frozenset(KINDS)
    options = sorted(wanted_a & wanted_b) or sorted(wanted_a | wanted_b)
    return rng.choice(options)


def match(participants: Sequence[Participant], seed: int, *, method: str = "auto",
          min_minutes: int = MIN_MINUTES) -> Matching:
    """Pair the participants. `method`: auto (exact up to EXACT_LIMIT), exact or fast."""
    ps = sorted(participants, key=lambda p: p.id)
    if len({p.id for p in ps}) != len(ps):
        raise ValueError("participant ids must be unique")
    if method == "auto":
        method = "exact" if len(ps) <= EXACT_LIMIT else "fast"
    rng = random.Random(seed)
    if method == "exact":
        pairs = _exact(ps, min_minutes)
    elif method == "fast":
        pairs = _fast(ps, rng, min_minutes)
    else:
        raise ValueError(f"unknown method {method!r}")
    by_id = {p.id: p for p in ps}
    sessions = []
    for x, y in sorted(pairs):
        a, b = by_id[x], by_id[y]
        s, e = shared_slot(a.slots, b.slots, min_minutes)  # type: ignore[misc]
        sessions.append(Session((x, y), s, e, choose_kind(a, b, rng), weight(a, b)))
    total = sum(s.weight for s in sessions)
    paired = {m for s in sessions for m in s.members}
    left = [p for p in ps if p.id not in paired]
    left.sort(key=lambda p: (-bonus(p), p.id))
    sessions, unpaired = _trios(sessions, left, by_id, min_minutes)
    return Matching(sessions, unpaired, seed, method, total)


def sit_out_reasons(participants: Sequence[Participant], unpaired: Iterable[int],
                    min_minutes: int = MIN_MINUTES) -> dict[int, str]:
    """Why each member left over sat out: "no-shared-window" when nobody they may be paired with shares
    a window of `min_minutes` with them, else "odd-count" (someone could have taken them, but the count
    was odd and no window fitted three). Linear in the participants per member left over."""
    by_id = {p.id: p for p in participants}
    out = {}
    for u in unpaired:
        me = by_id[u]
        fits = any(allowed(me, p) and shared_slot(me.slots, p.slots, min_minutes) is not None
                   for p in participants if p.id != u)
        out[u] = "odd-count" if fits else "no-shared-window"
    return out


def _trios(sessions: list[Session], left: list[Participant], by_id: Mapping[int, Participant],
           min_minutes: int) -> tuple[list[Session], list[int]]:
    """The odd one out joins a pair as observer when a window of `min_minutes` fits all three.

    In a small group every window the pair shares is tried; in a large one only the slot they were
    given, found by bisection, which keeps this cheap whatever the number of sessions.
    """
    thorough = len(sessions) <= EXACT_LIMIT
    by_start = sorted((s.start, i) for i, s in enumerate(sessions))
    starts = [t for t, _ in by_start]
    unpaired = []
    for u in left:
        if thorough:
            near = range(len(sessions))
        else:
            near = sorted({i for us, ue in u.slots
                           for _, i in by_start[bisect_left(starts, us - SESSION_MINUTES):
                                                bisect_right(starts, ue - min_minutes)]})
        best, best_w = None, None
        for i in near:
            s = sessions[i]
            if len(s.members) != 2:
                continue
            windows = common(by_id[s.members[0]].slots, by_id[s.members[1]].slots) if thorough else ((s.start, s.end),)
            slot = shared_slot(windows, u.slots, min_minutes)
            if slot is None:
                continue
            a, b = by_id[s.members[0]], by_id[s.members[1]]
            if not (allowed(u, a) and allowed(u, b)):
                continue
            w = PAIR - penalty(u, a) - penalty(u, b)
            if best_w is None or w > best_w:
                best, best_w = (i, slot), w
        if best is None:
            unpaired.append(u.id)
            continue
        i, (start, end) = best
        s = sessions[i]
        sessions[i] = Session((*s.members, u.id), start, end, s.kind, s.weight)
    return sessions, unpaired


def _exact(ps: Sequence[Participant], min_minutes: int) -> list[tuple[int, int]]:
    graph = nx.Graph()
    for i, a in enumerate(ps):
        for b in ps[i + 1:]:
            if allowed(a, b) and shared_slot(a.slots, b.slots, min_minutes) is not None:
                graph.add_edge(a.id, b.id, weight=weight(a, b))
    return [tuple(sorted(e)) for e in nx.max_weight_matching(graph, maxcardinality=True)]


def _candidates(ps: Sequence[Participant], rng: random.Random, min_minutes: int) -> list[dict[int, int]]:
    """Candidate partners (index -> weight) of each participant, gathered from shared slot buckets."""
    n = len(ps)
    order = list(range(n))
    rng.shuffle(order)
    tiebreak = [0] * n
    for rank, i in enumerate(order):
        tiebreak[i] = rank
    kind_bits = {k: 1 << i for i, k in enumerate(KINDS)}
    # "Any kind" is every bit, so `mask_a & mask_b` is non-zero exactly when `penalty` sees a shared kind.
    masks = [sum(kind_bits.get(k, 0) for k in p.kinds) or 15 for p in ps]
    levels = [p.level for p in ps]
    bonuses = [bonus(p) for p in ps]
    led = [p.led_last for p in ps]
    recent = [p.recent for p in ps]
    ids = [p.id for p in ps]
    picky = [bool(p.avoid) for p in ps]
    buckets: dict[int, list[tuple[int, int, int, int, int, int]]] = {}
    for i, p in enumerate(ps):
        for s, e in p.slots:
            k = -(-s // CELL)
            k += (-k) % 3
            while (k + 1) * CELL <= e:
                buckets.setdefault(k, []).append((p.level, masks[i], tiebreak[i], i, s, e))
                k += 3
    adj: list[dict[int, int]] = [{} for _ in range(n)]
    for entries in buckets.values():
        entries.sort()
        size = len(entries)
        reach = size if size <= SMALL_BUCKET or n <= FULL_GRAPH else NEIGHBOURS
        for x in range(size):
            _, mi, _, i, s1, e1 = entries[x]
            ai = adj[i]
            for y in range(x + 1, min(size, x + 1 + reach)):
                _, mj, _, j, s2, e2 = entries[y]
                if j in ai or i == j:
                    continue
                if (e1 if e1 < e2 else e2) - (s1 if s1 > s2 else s2) < min_minutes:
                    continue
                if (picky[i] or picky[j]) and not allowed(ps[i], ps[j]):
                    continue
                # `weight`, inlined: this loop runs a few hundred thousand times for 10,000 members.
                w = PAIR + bonuses[i] + bonuses[j] - LEVEL_STEP * abs(levels[i] - levels[j])
                if not mi & mj:
                    w -= NO_SHARED_KIND
                if led[i] is not None and led[i] == led[j]:
                    w -= SAME_ROLE
                if recent[i] or recent[j]:
                    w -= REPEAT.get(min(recent[i].get(ids[j], 99), recent[j].get(ids[i], 99)), 0)
                ai[j] = w
                adj[j][i] = w
    return adj


def _fast(ps: Sequence[Participant], rng: random.Random, min_minutes: int) -> list[tuple[int, int]]:
    n = len(ps)
    adj = _candidates(ps, rng, min_minutes)
    mate = [-1] * n
    degree = [len(a) for a in adj]
    tiebreak = list(range(n))
    rng.shuffle(tiebreak)
    # Members with the fewest options choose first: a crowded member can still find someone later.
    order = sorted(range(n), key=lambda i: (-bonus(ps[i]), degree[i], tiebreak[i]))
    for i in order:
        if mate[i] >= 0 or not adj[i]:
            continue
        best, best_key = -1, None
        for j, w in adj[i].items():
            if mate[j] < 0:
                key = (w, -degree[j])
                if best_key is None or key > best_key:
                    best, best_key = j, key
        if best >= 0:
            mate[i], mate[best] = best, i

    # Augmenting paths (Kuhn's search, depth- and size-bounded): each one found pairs one more member.
    # Blossoms are not shrunk, so a rare path through an odd cycle is missed; the bounds keep a search
    # in a crowded group from walking the whole graph.
    for u in range(n):
        if mate[u] < 0 and adj[u]:
            _augment(u, adj, mate)
    if n <= CHAIN_LIMIT:
        # Edmonds' search shrinks odd cycles, so it finds every augmenting path the bounded one missed.
        for u in range(n):
            if mate[u] < 0 and adj[u]:
                _blossom_augment(u, adj, mate)
    # A bounded search that failed may have met an odd cycle; in another order it often gets round it.
    for _ in range(0 if n <= CHAIN_LIMIT else RETRIES):
        free = [u for u in range(n) if mate[u] < 0 and adj[u]]
        if not free:
            break
        for u in free:
            if mate[u] < 0:
                _augment(u, adj, mate, rng)

    # 2-opt: swap partners between two pairs (or with a leftover) when the total weight rises.
    for _ in range(8 if n <= 2000 else 2):
        improved = False
        for a in range(n):
            b = mate[a]
            if b < 0:
                continue
            wab = adj[a][b]
            for c, wac in adj[a].items():
                if wac <= wab or c == b:
                    continue
                d = mate[c]
                if d < 0:
                    # The weights carry the sit-out bonuses, so leaving b out for c stays fair.
                    mate[a], mate[c], mate[b] = c, a, -1
                    improved = True
                    break
                if d == a or d == b:
                    continue
                wbd = adj[b].get(d)
                if wbd is None:
                    continue
                if wac + wbd > wab + adj[c][d]:
                    mate[a], mate[c], mate[b], mate[d] = c, a, d, b
                    improved = True
                    break
        if not improved:
            break
    if n <= CHAIN_LIMIT:
        for _ in range(4):
            if not any([_chain(x, adj, mate) for x in range(n)]):
                break
    else:
        # Too many members to try chains from everyone: start them where a partner repeats.
        ids = [p.id for p in ps]
        for _ in range(2):
            repeats = [x for x in range(n) if mate[x] >= 0 and ids[mate[x]] in ps[x].recent]
            if not any([_chain(x, adj, mate, 2) for x in repeats if mate[x] >= 0 and ids[mate[x]] in ps[x].recent]):
                break
    return [(ps[i].id, ps[mate[i]].id) for i in range(n) if mate[i] > i]


AUGMENT_DEPTH = 40
AUGMENT_VISITS = 600
RETRIES = 12


def _augment(u: int, adj: list[dict[int, int]], mate: list[int], rng: random.Random | None = None) -> bool:
    seen = {u}

    def search(x: int, depth: int) -> bool:
        options = list(adj[x])
        if rng is not None:
            rng.shuffle(options)
        for v in options:
            if v in seen:
                continue
            seen.add(v)
            w = mate[v]
            if w < 0:
                mate[x], mate[v] = v, x
                return True
            if w in seen or depth >= AUGMENT_DEPTH or len(seen) > AUGMENT_VISITS:
                continue
            seen.add(w)
            if search(w, depth + 1):
                mate[x], mate[v] = v, x
                return True
        return False

    return search(u, 0)


CHAIN_LIMIT = 3000


def _chain(x0: int, adj: list[dict[int, int]], mate: list[int], depth_limit: int = 3) -> bool:
    """Lin-Kernighan-style move: an alternating path or cycle from x0 of up to `depth_limit` new edges.

    x0 breaks from its partner b (if any) and takes c1, whose partner d1 takes c2, ...; the chain ends at
    a free member, or at a member left free, or closes back on b. Every partial sum must stay positive
    (the usual pruning), and no move may pair fewer members. Applied when the total weight rises.
    """
    b = mate[x0]
    start_gain = -adj[x0][b] if b >= 0 else 0
    best: tuple[int, list[tuple[int, int]]] | None = None
    touched = {x0} if b < 0 else {x0, b}

    def consider(gain: int, added: list[tuple[int, int]], freed_pair: bool) -> None:
        nonlocal best
        # A chain that ends by freeing a member while x0's old partner stays free has lost a pair.
        if freed_pair or gain <= 0:
            return
        if best is None or gain > best[0]:
            best = (gain, list(added))

    def search(x: int, gain: int, depth: int, added: list[tuple[int, int]]) -> None:
        for c, w in adj[x].items():
            if c in touched or gain + w <= 0:
                continue
            d = mate[c]
            added.append((x, c))
            if d < 0:
                consider(gain + w, added, False)  # augmenting (x0 free) or b left free (x0 matched)
            elif d not in touched:
                g = gain + w - adj[c][d]
                touched.update((c, d))
                # End with d free: pairs one fewer when x0 had a partner, as many when it had none.
                consider(g, added, b >= 0)
                if b >= 0 and b in adj[d]:
                    added.append((d, b))
                    consider(g + adj[d][b], added, False)
                    added.pop()
                if depth < depth_limit:
                    search(d, g, depth + 1, added)
                touched.difference_update((c, d))
            added.pop()

    search(x0, start_gain, 1, [])
    if best is None:
        return False
    for u, v in best[1]:
        for z in (u, v):
            if mate[z] >= 0:
                mate[mate[z]] = -1
                mate[z] = -1
    for u, v in best[1]:
        mate[u], mate[v] = v, u
    return True


def _blossom_augment(root: int, adj: list[dict[int, int]], mate: list[int]) -> bool:
    """One augmenting path from a free vertex by Edmonds' algorithm (BFS with blossom contraction)."""
    n = len(adj)
    used = [False] * n
    parent = [-1] * n
    base = list(range(n))
    used[root] = True
    queue = deque([root])

    def lca(a: int, b: int) -> int:
        seen = [False] * n
        while True:
            a = base[a]
            seen[a] = True
            if mate[a] < 0:
                break
            a = parent[mate[a]]
        while True:
            b = base[b]
            if seen[b]:
                return b
            b = parent[mate[b]]

    def mark(v: int, b: int, child: int, blossom: list[bool]) -> None:
        while base[v] != b:
            blossom[base[v]] = blossom[base[mate[v]]] = True
            parent[v] = child
            child = mate[v]
            v = parent[mate[v]]

    while queue:
        v = queue.popleft()
        for to in adj[v]:
            if base[v] == base[to] or mate[v] == to:
                continue
            if to == root or (mate[to] >= 0 and parent[mate[to]] >= 0):
                top = lca(v, to)
                blossom = [False] * n
                mark(v, top, to, blossom)
                mark(to, top, v, blossom)
                for i in range(n):
                    if blossom[base[i]]:
                        base[i] = top
                        if not used[i]:
                            used[i] = True
                            queue.append(i)
            elif parent[to] < 0:
                parent[to] = v
                if mate[to] < 0:
                    while to >= 0:
                        pv = parent[to]
                        nxt = mate[pv]
                        mate[to], mate[pv] = pv, to
                        to = nxt
                    return True
                used[mate[to]] = True
                queue.append(mate[to])
    return False
