import Foundation
import HPOCore
import HPOJournal
import Testing

/// GPUs with real processes: a fake `nvidia-smi` on the worker's `PATH` lists four devices, and
/// command trials record the `CUDA_VISIBLE_DEVICES` they got with their start and end times.
@Suite(.serialized) struct GPUEndToEndTests {
    /// A fake `nvidia-smi` that answers the worker's query (`nvidia-smi --query-gpu=index,uuid,memory.total
    /// --format=csv,noheader`) with real output lines for `gpus` (uuid, MiB), indices in order. It
    /// refuses other arguments, so the query is checked too.
    static func nvidiaSMI(_ gpus: [(uuid: String, mib: Int)]) -> String {
        let lines = gpus.enumerated().map { "echo \"\($0), GPU-\($1.uuid), \($1.mib) MiB\"" }
        return """
            #!/bin/sh
            [ "$*" = "--query-gpu=index,uuid,memory.total --format=csv,noheader" ] ||
              { echo "unexpected arguments: $*" >&2; exit 9; }

            """ + lines.joined(separator: "\n") + "\n"
    }

    /// A 4 × A100 80GB host.
    static let fakeNvidiaSMI = nvidiaSMI([
        ("8d3c5f9a-0f0e-4b5e-9d2c-1a2b3c4d5e6f", 81920), ("1f2e3d4c-5b6a-7980-a1b2-c3d4e5f60718", 81920),
        ("a0b1c2d3-e4f5-0617-2839-4a5b6c7d8e9f", 81920), ("f0e1d2c3-b4a5-9687-7869-5a4b3c2d1e0f", 81920)
    ])

    /// The worker's log line for `fakeNvidiaSMI`'s devices.
    static let fourGPUsNote = "GPUs 0 (81920 MiB), 1 (81920 MiB), 2 (81920 MiB), 3 (81920 MiB) (nvidia-smi lists 4)"

    /// A host of mixed sizes: 16 GB T4s (15360 MiB) at indices 0 and 2, 80 GB A100s at 1 and 3.
    static let mixedNvidiaSMI = nvidiaSMI([
        ("3e1c7a52-9b0d-4f6e-8a21-5c4d3b2a1f00", 15360), ("1f2e3d4c-5b6a-7980-a1b2-c3d4e5f60718", 81920),
        ("7b6a5c4d-3e2f-1a0b-9c8d-7e6f5a4b3c2d", 15360), ("f0e1d2c3-b4a5-9687-7869-5a4b3c2d1e0f", 81920)
    ])

    /// A trial: records its devices and times in `record-TRIAL`. The first `together` trials
    /// (created first, so dispatched in the first wave) wait until that many have started, with
    /// a deadline: if the worker ran fewer at once, they fail and so does the test.
    static let trialScript = """
        #!/bin/sh
        start=$(date +%s.%N)
        dir="$1"; trial="$2"; together="$3"
        touch "$dir/started-$trial"
        if [ "$trial" -le "$together" ]; then
          n=0
          while [ "$(ls "$dir" | grep -c '^started-')" -lt "$together" ]; do
            n=$((n + 1))
            if [ "$n" -gt 1200 ]; then
              echo "only $(ls "$dir" | grep -c '^started-') trials started together" >&2; exit 1
            fi
            sleep 0.05
          done
        else
          sleep 0.3
        fi
        end=$(date +%s.%N)
        echo "$trial|$CUDA_VISIBLE_DEVICES|$HPO_GPUS|$CUDA_DEVICE_ORDER|$start|$end" > "$dir/record-$trial"
        echo '{"loss": 1}'
        """

    struct Record {
        var trial: Int
        var devices: [String]
        var start: Double
        var end: Double
        func overlaps(_ other: Record) -> Bool { start < other.end && other.start < end }
    }

    /// Runs a study of `trials` trials of `trialYAML` against one `hpo-worker` (default `--gpus
    /// auto`, no `--slots`) that finds the fake GPUs; returns each trial's record.
    /// With `localWorkers`, the coordinator starts that many workers itself (`--local-workers`).
    /// Or `workers` worker processes, each with `workerArguments`. `nvidiaSMI` is the fake's
    /// script, `gpuNote` what each worker must log about the GPUs it found.
    func run(
        trials: Int, together: Int, resources: String, scratch: Scratch, localWorkers: Int? = nil, workers: Int = 1,
        workerArguments: [String] = [], nvidiaSMI: String = Self.fakeNvidiaSMI, gpuNote: String = Self.fourGPUsNote
    ) throws -> [Record] {
        let bin = scratch.path("bin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        for (name, text) in [("nvidia-smi", nvidiaSMI), ("trial.sh", Self.trialScript)] {
            let path = try scratch.write("bin/\(name)", text)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
        let records = scratch.path("records")
        try FileManager.default.createDirectory(atPath: records, withIntermediateDirectories: true)
        let study = try scratch.write(
            "study.yaml",
            """
            name: gpus
            objective: {metric: loss, direction: minimize}
            budget: {trials: \(trials)}
            strategy: random
            space:
              x: {type: float, low: 0, high: 1}
            trial:
              command: ["\(bin)/trial.sh", "\(records)", "{trial}", "\(together)"]
              timeout: 2m
            \(resources)
            """)
        let log = scratch.path("results.jsonl")
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let path = "\(bin):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
        // The workers' GPU locks in this test's folder: nothing else on the machine holds the fake GPUs.
        let locks = scratch.path("locks")
        try FileManager.default.createDirectory(atPath: locks, withIntermediateDirectories: true)
        let environment = ["PATH": path, "HPO_GPU_LOCK_DIR": locks]
        if let localWorkers {
            let coordinator = try RunningProcess(
                "hpo-coordinator", [study, "--log", log, "--local-workers", "\(localWorkers)"], scratch: scratch,
                label: "coordinator", environment: environment)
            #expect(coordinator.waitForExit(within: 120) == 0, "coordinator stderr:\n\(coordinator.stderr)")
        } else {
            let coordinator = try RunningProcess(
                "hpo-coordinator", [study, "--bind", endpoint, "--log", log], scratch: scratch, label: "coordinator")
            let processes = try (0..<workers).map { index in
                try RunningProcess(
                    "hpo-worker", ["--connect", endpoint, "--log-level", "info"] + workerArguments, scratch: scratch,
                    label: "worker\(index)", environment: environment)
            }
            #expect(coordinator.waitForExit(within: 120) == 0, "coordinator stderr:\n\(coordinator.stderr)")
            for worker in processes {
                #expect(worker.waitForExit(within: 20) == 0, "worker stderr:\n\(worker.stderr)")
                #expect(worker.stderr.contains(gpuNote), "worker stderr:\n\(worker.stderr)")
            }
        }
        let summary = try LogSummary(path: log)
        #expect(summary.completed.count == trials, "failures: \(summary.failed.map { $0.reason ?? "" })")
        #expect(summary.failed.isEmpty)

        return try (1...trials).map { trial in
            let text = try String(contentsOfFile: "\(records)/record-\(trial)", encoding: .utf8)
            let fields = text.trimmingCharacters(in: .whitespacesAndNewlines).split(
                separator: "|", omittingEmptySubsequences: false
            )
            .map(String.init)
            try #require(fields.count == 6, "record of trial \(trial): \(text)")
            #expect(fields[1] == fields[2], "HPO_GPUS repeats CUDA_VISIBLE_DEVICES")
            #expect(fields[3] == "PCI_BUS_ID")
            return Record(
                trial: Int(fields[0]) ?? 0, devices: fields[1].split(separator: ",").map(String.init),
                start: Double(fields[4]) ?? 0, end: Double(fields[5]) ?? 0)
        }
    }

    /// The most records running at one moment.
    func peakConcurrency(_ records: [Record]) -> Int {
        records.map { record in records.filter { $0.start <= record.start && record.start < $0.end }.count }.max() ?? 0
    }

    @Test("four fake GPUs, --gpus auto and no --slots: four trials at once, each on a different single device")
    func onePerTrial() throws {
        let scratch = try Scratch()
        let records = try run(trials: 8, together: 4, resources: "", scratch: scratch)
        for record in records {
            #expect(record.devices.count == 1, "trial \(record.trial) got \(record.devices)")
            #expect(
                ["0", "1", "2", "3"].contains(record.devices.first ?? ""), "trial \(record.trial) got \(record.devices)"
            )
        }
        #expect(peakConcurrency(records) == 4)
        for a in records {
            for b in records where a.trial < b.trial && a.overlaps(b) {
                #expect(
                    Set(a.devices).isDisjoint(with: b.devices),
                    "trials \(a.trial) and \(b.trial) overlap on \(a.devices)")
            }
        }
        // The first wave ran together, so it used all four devices.
        #expect(Set(records.prefix(4).flatMap(\.devices)) == ["0", "1", "2", "3"])
    }

    @Test("resources: {gpus: 2}: each trial gets two devices, trials holding the same device never overlap")
    func twoPerTrial() throws {
        let scratch = try Scratch()
        let records = try run(trials: 6, together: 2, resources: "  resources: {gpus: 2}", scratch: scratch)
        for record in records {
            #expect(
                record.devices.count == 2 && Set(record.devices).count == 2,
                "trial \(record.trial) got \(record.devices)")
            #expect(Set(record.devices).isSubset(of: ["0", "1", "2", "3"]))
        }
        #expect(peakConcurrency(records) == 2)
        for a in records {
            for b in records where a.trial < b.trial && a.overlaps(b) {
                #expect(
                    Set(a.devices).isDisjoint(with: b.devices),
                    "trials \(a.trial) and \(b.trial) overlap: \(a.devices), \(b.devices)")
            }
        }
    }

    @Test("mixed GPU sizes, resources: {gpu_memory_gb: 40}: trials get only the two 80 GB devices, two at once")
    func gpuMemory() throws {
        let scratch = try Scratch()
        let records = try run(
            trials: 6, together: 2, resources: "  resources: {gpu_memory_gb: 40}", scratch: scratch,
            nvidiaSMI: Self.mixedNvidiaSMI,
            gpuNote: "GPUs 0 (15360 MiB), 1 (81920 MiB), 2 (15360 MiB), 3 (81920 MiB) (nvidia-smi lists 4)")
        for record in records {
            #expect(record.devices == ["1"] || record.devices == ["3"], "trial \(record.trial) got \(record.devices)")
        }
        // The coordinator gives the worker two at once (its big GPUs), not four (its slots).
        #expect(peakConcurrency(records) == 2)
        #expect(Set(records.prefix(2).flatMap(\.devices)) == ["1", "3"])
        for a in records {
            for b in records where a.trial < b.trial && a.overlaps(b) {
                #expect(a.devices != b.devices, "trials \(a.trial) and \(b.trial) overlap on \(a.devices)")
            }
        }
    }

    @Test("--local-workers 2 on a 4-GPU host: the GPUs are dealt out, so the two workers' trials never share a device")
    func localWorkers() throws {
        let scratch = try Scratch()
        let records = try run(trials: 4, together: 2, resources: "", scratch: scratch, localWorkers: 2)
        #expect(peakConcurrency(records) == 2)
        for a in records {
            #expect(a.devices.count == 1, "trial \(a.trial) got \(a.devices)")
            for b in records where a.trial < b.trial && a.overlaps(b) {
                #expect(
                    Set(a.devices).isDisjoint(with: b.devices),
                    "trials \(a.trial) and \(b.trial) overlap on \(a.devices)")
            }
        }
    }

    @Test("two workers with --slots 1 on one 4-GPU host: each takes a GPU the other does not hold")
    func twoWorkersOneHost() throws {
        let scratch = try Scratch()
        let records = try run(
            trials: 4, together: 2, resources: "", scratch: scratch, workers: 2, workerArguments: ["--slots", "1"])
        #expect(peakConcurrency(records) == 2)
        for a in records {
            #expect(a.devices.count == 1, "trial \(a.trial) got \(a.devices)")
            for b in records where a.trial < b.trial && a.overlaps(b) {
                #expect(
                    Set(a.devices).isDisjoint(with: b.devices),
                    "trials \(a.trial) and \(b.trial) overlap on \(a.devices)")
            }
        }
    }

    @Test("a study no connected worker can hold: placement_warning in the log, a warning on stderr and in hpo status")
    func noWorkerFits() throws {
        let scratch = try Scratch()
        let bin = scratch.path("bin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let smi = try scratch.write("bin/nvidia-smi", Self.fakeNvidiaSMI)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: smi)
        let study = try scratch.write(
            "study.yaml",
            braninStudy(
                name: "too-big", trials: 3, seed: 1,
                trial: "{command: [\"true\"], resources: {gpus: 8}, labels: [a100]}"))
        let log = scratch.path("results.jsonl")
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let coordinator = try RunningProcess(
            "hpo-coordinator", [study, "--bind", endpoint, "--log", log], scratch: scratch, label: "coordinator")
        let worker = try RunningProcess(
            "hpo-worker", ["--connect", endpoint, "--label", "a100,big", "--log-level", "warning"], scratch: scratch,
            label: "worker",
            environment: [
                "PATH": "\(bin):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")",
                "HPO_GPU_LOCK_DIR": scratch.path(".")
            ])
        let warned = waitUntil(within: 60) {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("\"placement_warning\"")
        }
        #expect(warned, "coordinator stderr:\n\(coordinator.stderr)")
        let warnings = try LogSummary(path: log).records.compactMap {
            if case .placementWarning(let w) = $0.event { w } else { nil }
        }
        #expect(warnings.count == 1)
        #expect(warnings.first?.gpus == 8)
        #expect(warnings.first?.workers.first?.reason == "has 4 GPUs, a trial needs 8")
        #expect(
            waitUntil(within: 10) {
                coordinator.stderr.contains(
                    "no connected worker can run this study's trials (each needs 8 GPUs and label a100)")
            },
            "coordinator stderr:\n\(coordinator.stderr)")
        let status = try RunningProcess("hpo", ["status", log], scratch: scratch, label: "status")
        #expect(status.waitForExit(within: 30) == 0)
        #expect(
            status.stdout.contains("  warning    no connected worker can run this study's trials"),
            "status:\n\(status.stdout)")
        #expect(try LogSummary(path: log).dispatched.isEmpty)

        kill(coordinator.pid, SIGTERM)
        #expect(coordinator.waitForExit(within: 30) == 130)
        #expect(worker.waitForExit(within: 20) == 0, "worker stderr:\n\(worker.stderr)")
    }
}
