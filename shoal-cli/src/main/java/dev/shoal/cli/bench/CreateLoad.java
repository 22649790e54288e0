package dev.shoal.cli.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code POST /containers/create} through the manager's API from many client connections at once, each a virtual
 * thread with its own kept-alive connection, until the count is reached or the time is up. The body is what the
 * docker CLI 28 sends for {@code docker create --name bench-0000042 --label bench.group=g42 busybox sleep 3600}.
 * Latencies are kept in completion order, so the first and the last thousand can be compared.
 */
final class CreateLoad {
    /** What was done: completions in order, each with its latency and its completion time. */
    record Result(int created, long[] latencyNanos, long[] doneAtNanos, long startedAtNanos, long endedAtNanos,
                  Map<Integer, Integer> failures, String firstFailure) {
        double seconds() {
            return (endedAtNanos - startedAtNanos) / 1e9;
        }

        double ratePerSecond() {
            return created / seconds();
        }

        /** Creates per second over completions {@code from} (inclusive) to {@code to} (exclusive). */
        double rate(int from, int to) {
            long start = from == 0 ? startedAtNanos : doneAtNanos[from - 1];
            return (to - from) / ((doneAtNanos[to - 1] - start) / 1e9);
        }

        double p50Millis(int from, int to) {
            return Stats.millis(Arrays.copyOfRange(latencyNanos, from, to), 50);
        }
    }

    private final Path socket;
    private final int concurrency;
    private final LongAdder done = new LongAdder();

    CreateLoad(Path socket, int concurrency) {
        this.socket = socket;
        this.concurrency = concurrency;
    }

    /** Containers created so far (for progress). */
    long done() {
        return done.sum();
    }

    Result run(int count, long deadlineNanos) throws InterruptedException {
        long[] latency = new long[count];
        long[] doneAt = new long[count];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger slot = new AtomicInteger();
        Map<Integer, Integer> failures = new ConcurrentHashMap<>();
        String[] firstFailure = new String[1];
        long started = System.nanoTime();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < concurrency; c++) {
                clients.submit(() -> {
                    try (ApiClient api = new ApiClient(socket)) {
                        for (int i = next.getAndIncrement(); i < count && System.nanoTime() < deadlineNanos;
                             i = next.getAndIncrement()) {
                            long t0 = System.nanoTime();
                            ApiClient.Reply r = api.post("/v1.41/containers/create?name=" + name(i), body(i));
                            long t1 = System.nanoTime();
                            if (r.status() == 201) {
                                int s = slot.getAndIncrement();
                                latency[s] = t1 - t0;
                                doneAt[s] = t1;
                                done.increment();
                            } else {
                                failures.merge(r.status(), 1, Integer::sum);
                                synchronized (firstFailure) {
                                    if (firstFailure[0] == null) {
                                        firstFailure[0] = r.status() + " " + r.text();
                                    }
                                }
                            }
                        }
                    } catch (IOException e) {
                        failures.merge(-1, 1, Integer::sum);
                        synchronized (firstFailure) {
                            if (firstFailure[0] == null) {
                                firstFailure[0] = "connection: " + e;
                            }
                        }
                    }
                    return null;
                });
            }
        }
        int created = slot.get();
        long ended = created == 0 ? System.nanoTime() : doneAt[created - 1];
        for (int i = 0; i < created; i++) {
            ended = Math.max(ended, doneAt[i]);
        }
        return new Result(created, Arrays.copyOf(latency, created), Arrays.copyOf(doneAt, created), started, ended,
                failures, firstFailure[0]);
    }

    static String name(int i) {
        return String.format("bench-%07d", i);
    }

    static String group(int i) {
        return "g" + i % 100;
    }

    private static byte[] body(int i) {
        return ("{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,\"AttachStdout\":false,"
                + "\"AttachStderr\":false,\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":[],"
                + "\"Cmd\":[\"sleep\",\"3600\"],\"Image\":\"busybox\",\"Volumes\":{},\"WorkingDir\":\"\","
                + "\"Entrypoint\":null,\"OnBuild\":null,\"Labels\":{\"bench.group\":\"" + group(i) + "\"},"
                + "\"HostConfig\":{\"Binds\":null,\"ContainerIDFile\":\"\",\"LogConfig\":{\"Type\":\"\",\"Config\":{}},"
                + "\"NetworkMode\":\"default\",\"PortBindings\":{},\"RestartPolicy\":{\"Name\":\"no\","
                + "\"MaximumRetryCount\":0},\"AutoRemove\":false,\"VolumeDriver\":\"\",\"VolumesFrom\":null,"
                + "\"ConsoleSize\":[0,0],\"CapAdd\":null,\"CapDrop\":null,\"CgroupnsMode\":\"\",\"Dns\":[],"
                + "\"DnsOptions\":[],\"DnsSearch\":[],\"ExtraHosts\":null,\"GroupAdd\":null,\"IpcMode\":\"\","
                + "\"Cgroup\":\"\",\"Links\":null,\"OomScoreAdj\":0,\"PidMode\":\"\",\"Privileged\":false,"
                + "\"PublishAllPorts\":false,\"ReadonlyRootfs\":false,\"SecurityOpt\":null,\"UTSMode\":\"\","
                + "\"UsernsMode\":\"\",\"ShmSize\":0,\"Isolation\":\"\",\"CpuShares\":0,\"Memory\":0,\"NanoCpus\":0,"
                + "\"CgroupParent\":\"\",\"BlkioWeight\":0,\"BlkioWeightDevice\":[],\"BlkioDeviceReadBps\":[],"
                + "\"BlkioDeviceWriteBps\":[],\"BlkioDeviceReadIOps\":[],\"BlkioDeviceWriteIOps\":[],"
                + "\"CpuPeriod\":0,\"CpuQuota\":0,\"CpuRealtimePeriod\":0,\"CpuRealtimeRuntime\":0,"
                + "\"CpusetCpus\":\"\",\"CpusetMems\":\"\",\"Devices\":[],\"DeviceCgroupRules\":null,"
                + "\"DeviceRequests\":null,\"MemoryReservation\":0,\"MemorySwap\":0,\"MemorySwappiness\":-1,"
                + "\"OomKillDisable\":false,\"PidsLimit\":0,\"Ulimits\":[],\"CpuCount\":0,\"CpuPercent\":0,"
                + "\"IOMaximumIOps\":0,\"IOMaximumBandwidth\":0,\"MaskedPaths\":null,\"ReadonlyPaths\":null},"
                + "\"NetworkingConfig\":{\"EndpointsConfig\":{}}}").getBytes(StandardCharsets.UTF_8);
    }
}
