import Foundation
import HPOCore
import HPOTrials
import Testing

/// The built-in trainer through `TrialRunner` with the checkpoint contract a worker gives it:
/// an empty `out` folder, and a hook that takes the folder (renames it away, makes it again), as
/// `WorkerService.prepareCheckpoints` does for command trials' `{"checkpoint": STEP}` lines.
@Suite struct MLPTrialCheckpointTests {
    static let parameters: Parameters = [
        "layers": .int(1), "units": .int(24), "epochs": .int(4), "dropout": .double(0.2), "batch_size": .int(128),
        // A checkpoint after every epoch, however short (the default waits 30 s between them).
        "checkpoint_seconds": .double(0)
    ]

    /// Snapshots the hook took, by step, each in a folder of its own.
    final class Snapshots: @unchecked Sendable {
        // @unchecked: `taken` is only touched under `lock`.
        private let lock = NSLock()
        private var taken: [(step: Int, folder: String)] = []
        let base: String
        var onTake: @Sendable (Int) -> Void = { _ in }

        init(base: String) { self.base = base }

        func take(step: Int) {
            let snapshot = "\(base)/snap-\(step)"
            let ok = rename("\(base)/out", snapshot) == 0 && mkdir("\(base)/out", 0o700) == 0
            #expect(ok, "the checkpoint folder could be taken")
            lock.withLock { taken.append((step, snapshot)) }
            onTake(step)
        }

        var all: [(step: Int, folder: String)] { lock.withLock { taken } }
    }

    static func run(
        _ base: String?, resume: (String, Int)? = nil, snapshots: Snapshots? = nil,
        cancellation: TrialCancellation = TrialCancellation(), parameters: Parameters = parameters
    ) async -> TrialRun {
        var context = TrialContext(
            trial: TrialID(11), attempt: 1, parameters: parameters, spec: TrialSpec(program: .builtin("mlp")),
            objectiveMetric: "val_loss", scratchDirectory: temporaryPath())
        if let base {
            mkdir("\(base)/out", 0o700)
            context.checkpointDirectory = "\(base)/out"
        }
        context.resume = resume.map { (directory: $0.0, step: $0.1) }
        let log = ReportLog()
        var hook: (@Sendable (Int) -> Void)?
        if let snapshots { hook = { snapshots.take(step: $0) } }
        let (trialContext, trialHook) = (context, hook)
        return await withCheckedContinuation { continuation in
            Thread {
                let result = TrialRunner.run(
                    trialContext, cancellation: cancellation, report: { log.append($0) }, checkpoint: trialHook)
                continuation.resume(returning: TrialRun(result: result, reports: log.all))
            }.start()
        }
    }

    @Test(
        """
        preempted after a checkpoint, the trial finishes its epoch, checkpoints, and a new attempt resumes to the \
        same val_loss bit for bit
        """
    )
    func preemptAndResume() async throws {
        let straight = await Self.run(nil)
        #expect(straight.result.status == .completed)

        let first = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(first) }
        let snapshots = Snapshots(base: first)
        let cancellation = TrialCancellation()
        snapshots.onTake = { step in
            if step == 1 { cancellation.preempt(reason: "preempted: SIGTERM", graceSeconds: 30) }
        }
        let interrupted = await Self.run(first, snapshots: snapshots, cancellation: cancellation)
        #expect(interrupted.result.status == .failed)
        #expect(interrupted.result.reason == "preempted: SIGTERM")
        #expect(snapshots.all.map(\.step) == [1, 2], "epoch 1 on schedule, epoch 2 on preemption")
        #expect(interrupted.reports.map(\.step) == [1, 2])
        let last = try #require(snapshots.all.last)
        #expect(try FileManager.default.contentsOfDirectory(atPath: last.folder) == ["mlp-checkpoint.json"])

        let second = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(second) }
        let later = Snapshots(base: second)
        let resumed = await Self.run(second, resume: (last.folder, last.step), snapshots: later)
        #expect(resumed.result.status == .completed)
        #expect(resumed.reports.map(\.step) == [3, 4])
        #expect(later.all.map(\.step) == [3])
        let a = try #require(resumed.result.metrics["val_loss"])
        let b = try #require(straight.result.metrics["val_loss"])
        #expect(a.bitPattern == b.bitPattern)
        // Everything but the one measured metric (time per epoch) is identical.
        let measured = "epoch_seconds"
        #expect(
            resumed.result.metrics.filter { $0.key != measured }
                == straight.result.metrics.filter { $0.key != measured })
        #expect(resumed.result.metrics[measured] != nil && straight.result.metrics[measured] != nil)
    }

    @Test(
        "a truncated checkpoint, a step that does not match, or another architecture fails the attempt with the reason")
    func badResume() async throws {
        let base = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(base) }
        let snapshots = Snapshots(base: base)
        let cancellation = TrialCancellation()
        snapshots.onTake = { _ in cancellation.preempt(reason: "preempted", graceSeconds: 30) }
        _ = await Self.run(base, snapshots: snapshots, cancellation: cancellation)
        let snapshot = try #require(snapshots.all.first)

        var wider = Self.parameters
        wider["units"] = .int(32)
        let other = await Self.run(nil, resume: (snapshot.folder, snapshot.step), parameters: wider)
        #expect(other.result.status == .failed)
        #expect(other.result.reason?.contains("layer sizes [64, 24, 10], this run's has [64, 32, 10]") == true)
        #expect(other.reports.isEmpty)

        let wrongStep = await Self.run(nil, resume: (snapshot.folder, 3))
        #expect(wrongStep.result.reason?.contains("HPO_RESUME_STEP is 3 but its checkpoint is of epoch 1") == true)

        let file = "\(snapshot.folder)/mlp-checkpoint.json"
        let data = try #require(FileManager.default.contents(atPath: file))
        try data.prefix(data.count - 100).write(to: URL(fileURLWithPath: file))
        let truncated = await Self.run(nil, resume: (snapshot.folder, snapshot.step))
        #expect(truncated.result.status == .failed)
        #expect(truncated.result.reason?.contains("corrupt or truncated") == true)
        #expect(truncated.reports.isEmpty)
    }
}
