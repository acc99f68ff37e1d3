package org.visualrft.model.tensor;

import java.time.Duration;
import java.util.Map;
import org.visualrft.core.BadInputException;

/**
 * Where and how the ranks of a run meet: torchrun's contract ({@code MASTER_ADDR}, {@code MASTER_PORT},
 * {@code WORLD_SIZE}, {@code RANK}, {@code LOCAL_RANK}) plus the backend, the device the tensors live on and the
 * timeout that bounds the rendezvous and every collective.
 *
 * @param storeHosted true when the c10d store is already served (by {@code visual-rft train --nproc}); otherwise rank 0
 *     serves it on {@code masterPort}, as torchrun-style launchers, Slurm and Kubeflow expect
 */
public record Rendezvous(String masterAddr, int masterPort, int rank, int worldSize, int localRank,
        DistBackend backend, Device device, Duration timeout, boolean storeHosted) {

    /** The default bound on the rendezvous and on every collective. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** Set by our own launcher: the store is served by it, every rank connects as a client. */
    public static final String STORE_HOSTED_ENV = "VRFT_STORE_HOSTED";

    public Rendezvous {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new BadInputException("environment", "RANK must be in [0, WORLD_SIZE): RANK " + rank
                    + ", WORLD_SIZE " + worldSize);
        }
        if (masterPort < 1 || masterPort > 65535) {
            throw new BadInputException("environment", "MASTER_PORT must be in 1..65535, got " + masterPort);
        }
    }

    /**
     * The torchrun environment, or null when {@code WORLD_SIZE} is not set (a plain single-process run). Missing or
     * malformed variables are one clear error naming the variable. {@code LOCAL_RANK} (default: {@code RANK}) is
     * carried for the caller that picks the rank's GPU; {@code MASTER_ADDR} defaults to 127.0.0.1.
     */
    public static Rendezvous fromEnvironment(Map<String, String> env, DistBackend backend, Device device,
            Duration timeout) {
        if (env.get("WORLD_SIZE") == null) {
            return null;
        }
        int world = intVar(env, "WORLD_SIZE", null);
        int rank = intVar(env, "RANK", null);
        int local = intVar(env, "LOCAL_RANK", String.valueOf(rank));
        String addr = env.getOrDefault("MASTER_ADDR", "127.0.0.1");
        int port = intVar(env, "MASTER_PORT", world == 1 ? "29500" : null);
        return new Rendezvous(addr, port, rank, world, local, backend, device, timeout,
                "1".equals(env.get(STORE_HOSTED_ENV)));
    }

    private static int intVar(Map<String, String> env, String name, String fallback) {
        String v = env.getOrDefault(name, fallback);
        if (v == null) {
            throw new BadInputException("environment", name + " is not set (torchrun's contract: MASTER_ADDR, "
                    + "MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK)");
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new BadInputException("environment", name + " must be an integer, got '" + v + "'");
        }
    }

    /** True when every rank is on this machine's loopback interface. */
    public boolean loopback() {
        return masterAddr.equals("127.0.0.1") || masterAddr.equals("localhost") || masterAddr.equals("::1");
    }

    @Override
    public String toString() {
        return "rank " + rank + " of " + worldSize + " (" + backend + " on " + device + ", store " + masterAddr + ":"
                + masterPort + ")";
    }
}
