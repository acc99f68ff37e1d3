package org.visualrft.core.answer.py;

/**
 * CPython 3.11's {@code list.sort} (timsort with the powersort merge policy, binary insertion below minrun,
 * galloping merges), step for step, on an array of item indices compared by {@code keys[a] < keys[b]}. Only the
 * algorithm matters here: for keys that are not totally ordered (NaN) the resulting order depends on exactly which
 * comparisons are made, and Python's order is the one the original rewards saw. Re-implemented from the algorithm's
 * description (CPython's listsort.txt) and checked against CPython on random NaN-laden lists.
 */
final class CPythonListSort {
    private static final int MIN_GALLOP = 7;

    private final int[] a;
    private final Object[] keys;
    private int minGallop = MIN_GALLOP;
    private final int[] runBase = new int[85];
    private final int[] runLen = new int[85];
    private final int[] runPower = new int[85];
    private int runs;
    private int[] tmp = new int[16];

    private CPythonListSort(int[] a, Object[] keys) {
        this.a = a;
        this.keys = keys;
    }

    /** Sorts {@code a} (indices into keys) ascending with {@code <}, exactly as CPython's list.sort. */
    static void sort(int[] a, Object[] keys) {
        new CPythonListSort(a, keys).run();
    }

    private boolean lt(int x, int y) {
        return PyOps.lt(keys[x], keys[y]);
    }

    private void run() {
        int n = a.length;
        if (n < 2) {
            return;
        }
        int minrun = minrun(n);
        int lo = 0;
        int remaining = n;
        while (remaining > 0) {
            int len = countRun(lo, lo + remaining);
            if (len < minrun) {
                int force = Math.min(remaining, minrun);
                binarySort(lo, lo + force, lo + len);
                len = force;
            }
            foundNewRun(len, n);
            runBase[runs] = lo;
            runLen[runs] = len;
            runs++;
            lo += len;
            remaining -= len;
        }
        while (runs > 1) {
            int i = runs - 2;
            if (i > 0 && runLen[i - 1] < runLen[i + 1]) {
                i--;
            }
            mergeAt(i);
        }
    }

    private static int minrun(int n) {
        int r = 0;
        while (n >= 64) {
            r |= n & 1;
            n >>= 1;
        }
        return n + r;
    }

    /** Length of the run at lo; a strictly descending run is reversed in place. */
    private int countRun(int lo, int hi) {
        if (lo + 1 == hi) {
            return 1;
        }
        int n = 2;
        if (lt(a[lo + 1], a[lo])) {
            for (int p = lo + 2; p < hi && lt(a[p], a[p - 1]); p++) {
                n++;
            }
            reverse(lo, lo + n);
        } else {
            for (int p = lo + 2; p < hi && !lt(a[p], a[p - 1]); p++) {
                n++;
            }
        }
        return n;
    }

    private void reverse(int lo, int hi) {
        for (hi--; lo < hi; lo++, hi--) {
            int t = a[lo];
            a[lo] = a[hi];
            a[hi] = t;
        }
    }

    private void binarySort(int lo, int hi, int start) {
        if (start == lo) {
            start++;
        }
        for (; start < hi; start++) {
            int pivot = a[start];
            int l = lo;
            int r = start;
            do {
                int p = l + ((r - l) >> 1);
                if (lt(pivot, a[p])) {
                    r = p;
                } else {
                    l = p + 1;
                }
            } while (l < r);
            System.arraycopy(a, l, a, l + 1, start - l);
            a[l] = pivot;
        }
    }

    private void foundNewRun(int n2, int n) {
        if (runs == 0) {
            return;
        }
        int s1 = runBase[runs - 1];
        int n1 = runLen[runs - 1];
        int power = powerloop(s1, n1, n2, n);
        while (runs > 1 && runPower[runs - 2] > power) {
            mergeAt(runs - 2);
        }
        runPower[runs - 1] = power;
    }

    private static int powerloop(long s1, long n1, long n2, long n) {
        int result = 0;
        long x = 2 * s1 + n1;
        long y = x + n1 + n2;
        for (;;) {
            ++result;
            if (x >= n) {
                x -= n;
                y -= n;
            } else if (y >= n) {
                break;
            }
            x <<= 1;
            y <<= 1;
        }
        return result;
    }

    private void mergeAt(int i) {
        int baseA = runBase[i];
        int na = runLen[i];
        int baseB = runBase[i + 1];
        int nb = runLen[i + 1];
        runLen[i] = na + nb;
        if (i == runs - 3) {
            runBase[i + 1] = runBase[i + 2];
            runLen[i + 1] = runLen[i + 2];
            runPower[i + 1] = runPower[i + 2];
        }
        runs--;
        int k = gallopRight(a[baseB], a, baseA, na, 0);
        baseA += k;
        na -= k;
        if (na == 0) {
            return;
        }
        nb = gallopLeft(a[baseA + na - 1], a, baseB, nb, nb - 1);
        if (nb <= 0) {
            return;
        }
        if (na <= nb) {
            mergeLo(baseA, na, baseB, nb);
        } else {
            mergeHi(baseA, na, baseB, nb);
        }
    }

    /** First position in arr[base, base+n) where key belongs to the left of equal elements. */
    private int gallopLeft(int key, int[] arr, int base, int n, int hint) {
        int lastofs = 0;
        int ofs = 1;
        if (lt(arr[base + hint], key)) {
            int maxofs = n - hint;
            while (ofs < maxofs) {
                if (lt(arr[base + hint + ofs], key)) {
                    lastofs = ofs;
                    ofs = (ofs << 1) + 1;
                } else {
                    break;
                }
            }
            if (ofs > maxofs) {
                ofs = maxofs;
            }
            lastofs += hint;
            ofs += hint;
        } else {
            int maxofs = hint + 1;
            while (ofs < maxofs) {
                if (lt(arr[base + hint - ofs], key)) {
                    break;
                }
                lastofs = ofs;
                ofs = (ofs << 1) + 1;
            }
            if (ofs > maxofs) {
                ofs = maxofs;
            }
            int k = lastofs;
            lastofs = hint - ofs;
            ofs = hint - k;
        }
        ++lastofs;
        while (lastofs < ofs) {
            int m = lastofs + ((ofs - lastofs) >> 1);
            if (lt(arr[base + m], key)) {
                lastofs = m + 1;
            } else {
                ofs = m;
            }
        }
        return ofs;
    }

    /** Position in arr[base, base+n) where key belongs to the right of equal elements. */
    private int gallopRight(int key, int[] arr, int base, int n, int hint) {
        int lastofs = 0;
        int ofs = 1;
        if (lt(key, arr[base + hint])) {
            int maxofs = hint + 1;
            while (ofs < maxofs) {
                if (lt(key, arr[base + hint - ofs])) {
                    lastofs = ofs;
                    ofs = (ofs << 1) + 1;
                } else {
                    break;
                }
            }
            if (ofs > maxofs) {
                ofs = maxofs;
            }
            int k = lastofs;
            lastofs = hint - ofs;
            ofs = hint - k;
        } else {
            int maxofs = n - hint;
            while (ofs < maxofs) {
                if (lt(key, arr[base + hint + ofs])) {
                    break;
                }
                lastofs = ofs;
                ofs = (ofs << 1) + 1;
            }
            if (ofs > maxofs) {
                ofs = maxofs;
            }
            lastofs += hint;
            ofs += hint;
        }
        ++lastofs;
        while (lastofs < ofs) {
            int m = lastofs + ((ofs - lastofs) >> 1);
            if (lt(key, arr[base + m])) {
                ofs = m;
            } else {
                lastofs = m + 1;
            }
        }
        return ofs;
    }

    private int[] tmp(int n) {
        if (tmp.length < n) {
            tmp = new int[Math.max(n, tmp.length * 2)];
        }
        return tmp;
    }

    private void mergeLo(int baseA, int na, int baseB, int nb) {
        int[] t = tmp(na);
        System.arraycopy(a, baseA, t, 0, na);
        int dest = baseA;
        int pa = 0; // into t
        int pb = baseB; // into a
        a[dest++] = a[pb++];
        --nb;
        if (nb == 0) {
            System.arraycopy(t, pa, a, dest, na);
            return;
        }
        if (na == 1) {
            System.arraycopy(a, pb, a, dest, nb);
            a[dest + nb] = t[pa];
            return;
        }
        int mg = minGallop;
        outer:
        for (;;) {
            int acount = 0;
            int bcount = 0;
            for (;;) {
                if (lt(a[pb], t[pa])) {
                    a[dest++] = a[pb++];
                    ++bcount;
                    acount = 0;
                    --nb;
                    if (nb == 0) {
                        break outer;
                    }
                    if (bcount >= mg) {
                        break;
                    }
                } else {
                    a[dest++] = t[pa++];
                    ++acount;
                    bcount = 0;
                    --na;
                    if (na == 1) {
                        System.arraycopy(a, pb, a, dest, nb);
                        a[dest + nb] = t[pa];
                        return;
                    }
                    if (acount >= mg) {
                        break;
                    }
                }
            }
            ++mg;
            do {
                mg -= mg > 1 ? 1 : 0;
                minGallop = mg;
                int k = gallopRight(a[pb], t, pa, na, 0);
                acount = k;
                if (k != 0) {
                    System.arraycopy(t, pa, a, dest, k);
                    dest += k;
                    pa += k;
                    na -= k;
                    if (na == 1) {
                        System.arraycopy(a, pb, a, dest, nb);
                        a[dest + nb] = t[pa];
                        return;
                    }
                    if (na == 0) {
                        break outer;
                    }
                }
                a[dest++] = a[pb++];
                --nb;
                if (nb == 0) {
                    break outer;
                }
                k = gallopLeft(t[pa], a, pb, nb, 0);
                bcount = k;
                if (k != 0) {
                    System.arraycopy(a, pb, a, dest, k);
                    dest += k;
                    pb += k;
                    nb -= k;
                    if (nb == 0) {
                        break outer;
                    }
                }
                a[dest++] = t[pa++];
                --na;
                if (na == 1) {
                    System.arraycopy(a, pb, a, dest, nb);
                    a[dest + nb] = t[pa];
                    return;
                }
            } while (acount >= MIN_GALLOP || bcount >= MIN_GALLOP);
            ++mg;
            minGallop = mg;
        }
        if (na > 0) {
            System.arraycopy(t, pa, a, dest, na);
        }
    }

    private void mergeHi(int baseA, int na, int baseB, int nb) {
        int[] t = tmp(nb);
        System.arraycopy(a, baseB, t, 0, nb);
        int dest = baseB + nb - 1;
        int pb = nb - 1; // into t, last element of b
        int pa = baseA + na - 1; // into a, last element of a
        a[dest--] = a[pa--];
        --na;
        if (na == 0) {
            System.arraycopy(t, 0, a, dest - (nb - 1), nb);
            return;
        }
        if (nb == 1) {
            copyA(dest, pa, na, t[pb]);
            return;
        }
        int mg = minGallop;
        outer:
        for (;;) {
            int acount = 0;
            int bcount = 0;
            for (;;) {
                if (lt(t[pb], a[pa])) {
                    a[dest--] = a[pa--];
                    ++acount;
                    bcount = 0;
                    --na;
                    if (na == 0) {
                        break outer;
                    }
                    if (acount >= mg) {
                        break;
                    }
                } else {
                    a[dest--] = t[pb--];
                    ++bcount;
                    acount = 0;
                    --nb;
                    if (nb == 1) {
                        copyA(dest, pa, na, t[pb]);
                        return;
                    }
                    if (bcount >= mg) {
                        break;
                    }
                }
            }
            ++mg;
            do {
                mg -= mg > 1 ? 1 : 0;
                minGallop = mg;
                int k = gallopRight(t[pb], a, baseA, na, na - 1);
                k = na - k;
                acount = k;
                if (k != 0) {
                    dest -= k;
                    pa -= k;
                    System.arraycopy(a, pa + 1, a, dest + 1, k);
                    na -= k;
                    if (na == 0) {
                        break outer;
                    }
                }
                a[dest--] = t[pb--];
                --nb;
                if (nb == 1) {
                    copyA(dest, pa, na, t[pb]);
                    return;
                }
                k = gallopLeft(a[pa], t, 0, nb, nb - 1);
                k = nb - k;
                bcount = k;
                if (k != 0) {
                    dest -= k;
                    pb -= k;
                    System.arraycopy(t, pb + 1, a, dest + 1, k);
                    nb -= k;
                    if (nb == 1) {
                        copyA(dest, pa, na, t[pb]);
                        return;
                    }
                    if (nb == 0) {
                        break outer;
                    }
                }
                a[dest--] = a[pa--];
                --na;
                if (na == 0) {
                    break outer;
                }
            } while (acount >= MIN_GALLOP || bcount >= MIN_GALLOP);
            ++mg;
            minGallop = mg;
        }
        if (nb > 0) {
            System.arraycopy(t, 0, a, dest - (nb - 1), nb);
        }
    }

    /** merge_hi's CopyA: the na elements of a ending at pa move up by one; b's remaining element goes first. */
    private void copyA(int dest, int pa, int na, int bFirst) {
        System.arraycopy(a, pa - na + 1, a, dest - na + 1, na);
        a[dest - na] = bFirst;
    }
}
