package org.visualrft.train;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import org.visualrft.model.tensor.ProcessGroup;

/**
 * At the start of a data-parallel run every rank compares a hash of its resolved config (and data size) with the
 * others': ranks started with different configs would train different things while summing their gradients.
 */
final class ConfigAgreement {
    /** 16-bit chunks of the hash travel as doubles (exact), compared by max and min over the ranks. */
    private static final int CHUNKS = 4;

    private ConfigAgreement() {
    }

    static void check(ProcessGroup group, String kind, Map<String, Object> config, int dataSize) {
        if (group.worldSize() == 1) {
            return;
        }
        byte[] h = hash(kind + "\n" + config + "\ndata " + dataSize);
        double[] mine = new double[2 * CHUNKS];
        for (int i = 0; i < CHUNKS; i++) {
            double v = ((h[2 * i] & 0xff) << 8) | (h[2 * i + 1] & 0xff);
            mine[i] = v;
            mine[CHUNKS + i] = -v;
        }
        double[] max = group.allreduceMax(mine);
        for (int i = 0; i < CHUNKS; i++) {
            if (max[i] != -max[CHUNKS + i]) {
                throw new IllegalStateException("rank " + group.rank() + ": the ranks were started with different "
                        + "configs (this rank's resolved config hashes to " + HexFormat.of().formatHex(h, 0, 8)
                        + "); start every rank with the same config and data");
            }
        }
    }

    private static byte[] hash(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
