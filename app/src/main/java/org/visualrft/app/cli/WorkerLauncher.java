package org.visualrft.app.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.visualrft.app.Main;
import org.visualrft.model.tensor.Rendezvous;
import org.visualrft.model.tensor.StoreServer;

/**
 * {@code --nproc N}: serves the c10d store on an ephemeral loopback port, starts N worker JVMs (this JVM's command,
 * flags and class path) with torchrun's environment, streams their output with a {@code [rank k]} prefix, and ends
 * the job as soon as one rank fails: the others are killed and the launcher returns that rank's exit code.
 */
final class WorkerLauncher {
    private WorkerLauncher() {
    }

    static int launch(int nproc, List<String> workerArgs, Duration timeout, PrintWriter out) throws IOException,
            InterruptedException {
        try (StoreServer store = StoreServer.start(nproc, timeout)) {
            List<Process> ranks = new ArrayList<>();
            List<Thread> pumps = new ArrayList<>();
            try {
                for (int rank = 0; rank < nproc; rank++) {
                    ProcessBuilder pb = new ProcessBuilder(command(workerArgs)).redirectErrorStream(true);
                    Map<String, String> env = pb.environment();
                    env.put("MASTER_ADDR", "127.0.0.1");
                    env.put("MASTER_PORT", String.valueOf(store.port()));
                    env.put("WORLD_SIZE", String.valueOf(nproc));
                    env.put("RANK", String.valueOf(rank));
                    env.put("LOCAL_RANK", String.valueOf(rank));
                    env.put(Rendezvous.STORE_HOSTED_ENV, "1");
                    env.putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
                    Process p = pb.start();
                    ranks.add(p);
                    pumps.add(pump(p, "[rank " + rank + "] ", out));
                }
                int failed = -1;
                int code = 0;
                while (failed < 0) {
                    boolean allDone = true;
                    for (int r = 0; r < ranks.size() && failed < 0; r++) {
                        Process p = ranks.get(r);
                        if (p.isAlive()) {
                            allDone = false;
                        } else if (p.exitValue() != 0) {
                            failed = r;
                            code = p.exitValue();
                        }
                    }
                    if (allDone) {
                        break;
                    }
                    Thread.sleep(100);
                }
                if (failed >= 0) {
                    killAll(ranks);
                }
                for (Thread t : pumps) {
                    t.join(5000);
                }
                if (failed >= 0) {
                    synchronized (out) {
                        out.println("visual-rft train: rank " + failed + " failed (exit " + code + "); stopped the "
                                + "other ranks");
                        out.flush();
                    }
                    return code == 0 ? 1 : code;
                }
                return 0;
            } finally {
                killAll(ranks);
            }
        }
    }

    /** This JVM's java, flags and class path, with access to the socket descriptor the store serves on. */
    private static List<String> command(List<String> workerArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent")) {
                cmd.add(a);
            }
        }
        cmd.add("--add-exports=java.base/sun.nio.ch=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(workerArgs);
        return cmd;
    }

    private static Thread pump(Process p, String prefix, PrintWriter out) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (out) {
                        out.println(prefix + line);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // the rank was killed: its stream ended
            }
        }, "log " + prefix.trim());
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void killAll(List<Process> ranks) throws InterruptedException {
        for (Process p : ranks) {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        for (Process p : ranks) {
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
