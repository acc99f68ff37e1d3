package org.visualrft.core.reward;

import java.util.Arrays;

/** Maximum-weight one-to-one assignment (Hungarian algorithm, O(n³)) on a rectangular weight matrix. */
final class Assignment {
    private Assignment() {
    }

    /** The largest achievable sum of {@code w[i][assigned(i)]} over a one-to-one assignment of rows to columns. */
    static double maxWeight(double[][] w) {
        int rows = w.length;
        int cols = rows == 0 ? 0 : w[0].length;
        int n = Math.max(rows, cols);
        if (n == 0) {
            return 0.0;
        }
        // cost = -weight on an n x n matrix padded with zeros; classic potentials formulation (1-based)
        double[] u = new double[n + 1];
        double[] v = new double[n + 1];
        int[] p = new int[n + 1];
        int[] way = new int[n + 1];
        for (int i = 1; i <= n; i++) {
            p[0] = i;
            int j0 = 0;
            double[] minv = new double[n + 1];
            Arrays.fill(minv, Double.POSITIVE_INFINITY);
            boolean[] usedCol = new boolean[n + 1];
            do {
                usedCol[j0] = true;
                int i0 = p[j0];
                double delta = Double.POSITIVE_INFINITY;
                int j1 = 0;
                for (int j = 1; j <= n; j++) {
                    if (!usedCol[j]) {
                        double cur = cost(w, i0 - 1, j - 1) - u[i0] - v[j];
                        if (cur < minv[j]) {
                            minv[j] = cur;
                            way[j] = j0;
                        }
                        if (minv[j] < delta) {
                            delta = minv[j];
                            j1 = j;
                        }
                    }
                }
                for (int j = 0; j <= n; j++) {
                    if (usedCol[j]) {
                        u[p[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            } while (p[j0] != 0);
            do {
                int j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        double total = 0.0;
        for (int j = 1; j <= n; j++) {
            int i = p[j];
            if (i >= 1 && i <= rows && j <= cols) {
                total += w[i - 1][j - 1];
            }
        }
        return total;
    }

    private static double cost(double[][] w, int i, int j) {
        return i < w.length && j < w[i].length ? -w[i][j] : 0.0;
    }
}
