package org.visualrft.core.eval;

import java.util.Arrays;

/**
 * Position of an id in a sorted array of distinct ids, or -1. Uses a direct table when the ids are small
 * non-negative numbers (COCO and LVIS ids are), else binary search; remembers the last hit because detections of
 * one image usually come together.
 */
public final class IdIndex {
    private static final long TABLE_LIMIT = 1 << 24;

    private final long[] ids;
    private final int[] table;
    private long lastId = Long.MIN_VALUE;
    private int lastIndex = -1;

    /** @param sortedIds ascending, distinct */
    public IdIndex(long[] sortedIds) {
        this.ids = sortedIds;
        long max = sortedIds.length == 0 ? -1 : sortedIds[sortedIds.length - 1];
        if (sortedIds.length > 0 && sortedIds[0] >= 0 && max < TABLE_LIMIT) {
            table = new int[(int) max + 1];
            Arrays.fill(table, -1);
            for (int i = 0; i < sortedIds.length; i++) {
                table[(int) sortedIds[i]] = i;
            }
        } else {
            table = null;
        }
    }

    /** Not thread-safe (it caches the last lookup). */
    public int indexOf(long id) {
        if (id == lastId) {
            return lastIndex;
        }
        int i;
        if (table != null) {
            i = id >= 0 && id < table.length ? table[(int) id] : -1;
        } else {
            i = Arrays.binarySearch(ids, id);
            if (i < 0) {
                i = -1;
            }
        }
        lastId = id;
        lastIndex = i;
        return i;
    }
}
