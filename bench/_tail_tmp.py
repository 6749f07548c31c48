import asyncio, random, gc, time
from bench.throwaway import database
from bench import suggest as S
pauses = []
t0 = [0.0]
def cb(phase, info):
    if phase == "start": t0[0] = time.perf_counter()
    elif info["generation"] == 2: pauses.append((round((time.perf_counter() - t0[0]) * 1000, 1), info["collected"]))
gc.callbacks.append(cb)
with database("suggesttail", demo=True) as url:
    rng = random.Random(7)
    coop = S._on_shift(url, rng)
    S._history(url, coop, 30)
    pauses.clear()
    print("objects tracked", len(gc.get_objects()))
    req, knn = asyncio.run(S._run(url, coop, rng))
    worst = sorted(range(len(req)), key=lambda i: -req[i])[:6]
    print([(i, round(req[i]*1000)) for i in worst])
    print("gen2 pauses ms", pauses)
