package org.visualrft.model.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.visualrft.core.BadInputException;

class RendezvousTest {
    @Test
    void readsTorchrunsEnvironment() {
        Rendezvous rv = Rendezvous.fromEnvironment(Map.of("MASTER_ADDR", "node-0", "MASTER_PORT", "29501",
                "WORLD_SIZE", "8", "RANK", "5", "LOCAL_RANK", "1"), DistBackend.GLOO, Device.CPU,
                Rendezvous.DEFAULT_TIMEOUT);
        assertEquals(new Rendezvous("node-0", 29501, 5, 8, 1, DistBackend.GLOO, Device.CPU,
                Rendezvous.DEFAULT_TIMEOUT, false), rv);
        assertFalse(rv.loopback());
        assertEquals(60, Rendezvous.DEFAULT_TIMEOUT.toSeconds());
        assertNull(Rendezvous.fromEnvironment(Map.of("RANK", "0"), DistBackend.GLOO, Device.CPU,
                Rendezvous.DEFAULT_TIMEOUT), "no WORLD_SIZE: a single process");
        Rendezvous ours = Rendezvous.fromEnvironment(Map.of("MASTER_PORT", "4000", "WORLD_SIZE", "2", "RANK", "1",
                Rendezvous.STORE_HOSTED_ENV, "1"), DistBackend.GLOO, Device.CPU, Rendezvous.DEFAULT_TIMEOUT);
        assertTrue(ours.loopback() && ours.storeHosted());
        assertEquals(1, ours.localRank());
    }

    @Test
    void missingOrBadVariablesNameTheVariable() {
        BadInputException missing = assertThrows(BadInputException.class, () -> Rendezvous.fromEnvironment(
                Map.of("WORLD_SIZE", "2", "MASTER_PORT", "1"), DistBackend.GLOO, Device.CPU,
                Rendezvous.DEFAULT_TIMEOUT));
        assertTrue(missing.getMessage().contains("RANK is not set"), missing.getMessage());
        BadInputException bad = assertThrows(BadInputException.class, () -> Rendezvous.fromEnvironment(
                Map.of("WORLD_SIZE", "2", "RANK", "2", "MASTER_PORT", "1"), DistBackend.GLOO, Device.CPU,
                Rendezvous.DEFAULT_TIMEOUT));
        assertTrue(bad.getMessage().contains("RANK must be in [0, WORLD_SIZE)"), bad.getMessage());
        BadInputException text = assertThrows(BadInputException.class, () -> Rendezvous.fromEnvironment(
                Map.of("WORLD_SIZE", "two"), DistBackend.GLOO, Device.CPU, Rendezvous.DEFAULT_TIMEOUT));
        assertTrue(text.getMessage().contains("WORLD_SIZE must be an integer"), text.getMessage());
    }

    @Test
    void theBackendFollowsTheDevice() {
        assertEquals(DistBackend.GLOO, DistBackend.parse("auto", Device.CPU));
        assertEquals(DistBackend.NCCL, DistBackend.parse("auto", Device.parse("cuda:1")));
        assertEquals(DistBackend.GLOO, DistBackend.parse("GLOO", Device.parse("cuda")));
        assertEquals(DistBackend.NCCL, DistBackend.parse("nccl", Device.CPU));
        assertThrows(BadInputException.class, () -> DistBackend.parse("mpi", Device.CPU));
    }

    @Test
    void aSingleProcessGroupIsTheIdentity() {
        ProcessGroup g = ProcessGroup.single();
        assertEquals(0, g.rank());
        assertEquals(1, g.worldSize());
        assertTrue(g.isMain());
        double[] v = {1.5, -2};
        double[] r = g.allreduceSum(v);
        assertEquals(1.5, r[0]);
        r[0] = 9;
        assertEquals(1.5, v[0], "a copy, not the caller's array");
    }
}
