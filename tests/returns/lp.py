"""A small linear-programming solver for the disclosure test: maximise c.y subject to A y = b, y >= 0.

Dense two-phase simplex with Bland's rule, in floating point (the tables hold small integers). Standard library
only. interval() answers what an attacker can work out of published totals: the least and greatest value a
suppressed count can take.
"""
EPS = 1e-9


def _pivot(T, pr, pc):
    row = T[pr]
    p = row[pc]
    T[pr] = row = [x / p for x in row]
    for i, other in enumerate(T):
        if i != pr:
            f = other[pc]
            if abs(f) > EPS:
                T[i] = [a - f * b for a, b in zip(other, row)]


def _simplex(T, basis, allowed):
    m = len(T) - 1
    for _ in range(20000):
        obj = T[m]
        pc = next((j for j in range(allowed) if obj[j] < -EPS), None)
        if pc is None:
            return "optimal"
        pr, best = None, None
        for i in range(m):
            a = T[i][pc]
            if a > EPS:
                r = T[i][-1] / a
                if pr is None or r < best - EPS or (abs(r - best) <= EPS and basis[i] < basis[pr]):
                    pr, best = i, r
        if pr is None:
            return "unbounded"
        _pivot(T, pr, pc)
        basis[pr] = pc
    raise RuntimeError("the simplex did not finish")


def maximise(A, b, c):
    """(status, value): status 'optimal', 'unbounded' or 'infeasible'."""
    m, n = len(A), len(c)
    T = []
    for i in range(m):
        s = -1.0 if b[i] < 0 else 1.0
        T.append([s * x for x in A[i]] + [1.0 if k == i else 0.0 for k in range(m)] + [s * b[i]])
    basis = [n + i for i in range(m)]
    obj = [0.0] * (n + m + 1)
    for i in range(m):
        for j in list(range(n)) + [n + m]:
            obj[j] -= T[i][j]
    T.append(obj)
    _simplex(T, basis, n + m)
    if T[m][-1] < -1e-7:
        return "infeasible", None
    for i in range(m):
        if basis[i] >= n:
            j = next((j for j in range(n) if abs(T[i][j]) > EPS), None)
            if j is not None:
                _pivot(T, i, j)
                basis[i] = j
    obj = [-x for x in c] + [0.0] * (m + 1)
    for i in range(m):
        f = obj[basis[i]]
        if abs(f) > EPS:
            obj = [a - f * b for a, b in zip(obj, T[i])]
    T[m] = obj
    status = _simplex(T, basis, n)
    return status, (T[m][-1] if status == "optimal" else None)


def interval(A, b, k):
    """The least and greatest values of unknown k (None for unbounded above)."""
    n = len(A[0]) if A else k + 1
    c = [0.0] * n
    c[k] = 1.0
    st_hi, hi = maximise(A, b, c)
    c[k] = -1.0
    st_lo, lo = maximise(A, b, c)
    if "infeasible" in (st_hi, st_lo):
        raise AssertionError("the published table has no solution: the checker's equations are wrong")
    return (-lo if st_lo == "optimal" else float("-inf")), (hi if st_hi == "optimal" else None)
