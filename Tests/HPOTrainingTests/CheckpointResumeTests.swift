import Foundation
import HPOCore
import Testing

@testable import HPOTraining

@Suite struct CheckpointResumeTests {
    /// Small and fast, with everything that carries state across epochs: momentum, dropout (its
    /// own random stream), reshuffling, a schedule that moves with the step.
    static let parameters: Parameters = [
        "layers": .int(1), "units": .int(24), "epochs": .int(4), "dropout": .double(0.2), "batch_size": .int(128),
        "schedule": .string("one-cycle")
    ]

    /// Trains 2 of 4 epochs, checkpoints after epoch 2 and stops (as if the worker died), then
    /// resumes from the checkpoint — written to disk and read back — in a fresh trainer.
    static func interruptedRun(
        _ parameters: Parameters, precision: MLPTrainer.Precision, seed: UInt64 = 7
    ) throws -> (first: TrainingOutcome, resumed: TrainingOutcome, checkpoint: TrainerCheckpoint) {
        var saved: TrainerCheckpoint?
        let first = try MLPTrainer(precision: precision).train(
            parameters: parameters, seed: seed, checkpointing: .init(save: { saved = $0 }), report: { $0.step < 2 })
        let checkpoint = try #require(saved)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try checkpoint.write(to: folder)
        let read = try TrainerCheckpoint.read(from: folder)
        #expect(read == checkpoint)
        let resumed = try MLPTrainer(precision: precision).train(parameters: parameters, seed: seed, resume: read)
        return (first, resumed, read)
    }

    @Test(
        "4 epochs straight equal 2 epochs, a checkpoint on disk, and 2 more in a fresh run: bit for bit",
        arguments: [("sgd", MLPTrainer.Precision.single), ("adam", .single), ("sgd", .double)])
    func resumedEqualsUninterrupted(optimizer: String, precision: MLPTrainer.Precision) throws {
        var parameters = Self.parameters
        parameters["optimizer"] = .string(optimizer)
        if optimizer == "adam" { parameters["learning_rate"] = .double(0.003) }
        let straight = try MLPTrainer(precision: precision).train(parameters: parameters, seed: 7)
        let (first, resumed, checkpoint) = try Self.interruptedRun(parameters, precision: precision)
        #expect(first.status == .stopped && first.epochsRun == 2)
        #expect(checkpoint.epoch == 2)
        #expect(resumed.status == .completed)
        #expect(resumed.epochsRun == 4)
        // Bitwise: == on Double would also pass for -0 vs 0; compare the bits.
        let bits = { (outcome: TrainingOutcome) in
            outcome.history.map {
                [$0.trainLoss.bitPattern, $0.validationLoss.bitPattern, $0.validationAccuracy.bitPattern]
            }
        }
        #expect(bits(resumed) == bits(straight))
        #expect(resumed.metrics["val_loss"]?.bitPattern == straight.metrics["val_loss"]?.bitPattern)
        // The weights: both runs' checkpoints after epoch 3 hold identical tensors.
        var straightAt3: TrainerCheckpoint?
        var resumedAt3: TrainerCheckpoint?
        _ = try MLPTrainer(precision: precision).train(
            parameters: parameters, seed: 7, checkpointing: .init(save: { if $0.epoch == 3 { straightAt3 = $0 } }))
        _ = try MLPTrainer(precision: precision).train(
            parameters: parameters, seed: 7, resume: checkpoint,
            checkpointing: .init(save: { if $0.epoch == 3 { resumedAt3 = $0 } }))
        let a = try #require(straightAt3).document
        let b = try #require(resumedAt3).document
        #expect(a.tensors == b.tensors && a.velocities == b.velocities && a.secondMoments == b.secondMoments)
        #expect(a.shuffler == b.shuffler && a.dropout == b.dropout && a.order == b.order && a.checksum == b.checksum)
    }

    @Test("checkpoints come every N epochs, never after the last; preemption checkpoints at once and stops")
    func intervalsAndPreemption() throws {
        var parameters = Self.parameters
        parameters["epochs"] = .int(5)
        var epochs: [Int] = []
        _ = try MLPTrainer().train(
            parameters: parameters, seed: 1, checkpointing: .init(every: 2, save: { epochs.append($0.epoch) }))
        #expect(epochs == [2, 4])
        epochs = []
        var polls = 0
        let preempted = try MLPTrainer().train(
            parameters: parameters, seed: 1,
            checkpointing: .init(
                every: 10,
                preempt: {
                    polls += 1
                    return polls == 1
                }, save: { epochs.append($0.epoch) }))
        #expect(epochs == [1])
        #expect(preempted.status == .stopped && preempted.epochsRun == 1)
        #expect(preempted.failureReason?.contains("preempted") == true)
    }

    @Test("a minimum interval holds checkpoints back (epochs of milliseconds, an hour between): only a preemption's")
    func minimumInterval() throws {
        var parameters = Self.parameters
        parameters["epochs"] = .int(5)
        var epochs: [Int] = []
        _ = try MLPTrainer().train(
            parameters: parameters, seed: 1,
            checkpointing: .init(every: 1, minimumSeconds: 3600, save: { epochs.append($0.epoch) }))
        #expect(epochs.isEmpty)
        var polls = 0
        _ = try MLPTrainer().train(
            parameters: parameters, seed: 1,
            checkpointing: .init(
                every: 1, minimumSeconds: 3600,
                preempt: {
                    polls += 1
                    return polls == 3
                }, save: { epochs.append($0.epoch) }))
        #expect(epochs == [3])
    }

    @Test("a checkpoint of another architecture, hyperparameter, seed or precision is refused, naming the mismatch")
    func incompatible() throws {
        let (_, _, checkpoint) = try Self.interruptedRun(Self.parameters, precision: .single)
        func rejection(
            _ change: (inout Parameters) -> Void, seed: UInt64 = 7, precision: MLPTrainer.Precision = .single
        ) throws -> String {
            var parameters = Self.parameters
            change(&parameters)
            let outcome = try MLPTrainer(precision: precision).train(
                parameters: parameters, seed: seed, resume: checkpoint)
            #expect(outcome.status == .rejectedCheckpoint)
            #expect(outcome.history.isEmpty)
            return outcome.failureReason ?? ""
        }
        #expect(
            try rejection { $0["units"] = .int(32) }.contains("layer sizes [64, 24, 10], this run's has [64, 32, 10]"))
        #expect(try rejection { $0["momentum"] = .double(0.5) }.contains("momentum 0.9 vs 0.5"))
        #expect(try rejection({ _ in }, seed: 8).contains("seed 7, this run from seed 8"))
        #expect(try rejection({ _ in }, precision: .double).contains("single precision, this run is double"))
    }

    @Test("a truncated, corrupt or other-version file is refused with a clear reason")
    func unreadable() throws {
        let (_, _, checkpoint) = try Self.interruptedRun(Self.parameters, precision: .single)
        let encoder = JSONEncoder()
        let data = try encoder.encode(checkpoint.document)
        #expect(throws: TrainerCheckpointError.self) { try TrainerCheckpoint.decode(data.prefix(data.count / 2)) }
        do {
            _ = try TrainerCheckpoint.decode(data.prefix(data.count / 2))
        } catch {
            #expect("\(error)".contains("corrupt or truncated"))
        }
        var other = checkpoint.document
        other.version = 2
        do {
            _ = try TrainerCheckpoint.decode(try encoder.encode(other))
            Issue.record("version 2 accepted")
        } catch {
            #expect("\(error)".contains("format version 2; this trainer reads version 1"))
        }
        // A flipped byte inside a tensor: still valid base64 and the right length, caught by the checksum.
        var flipped = checkpoint.document
        var bytes = try #require(Data(base64Encoded: flipped.tensors[0]))
        bytes[5] ^= 0x40
        flipped.tensors[0] = bytes.base64EncodedString()
        let outcome = try MLPTrainer().train(
            parameters: Self.parameters, seed: 7, resume: TrainerCheckpoint(document: flipped))
        #expect(outcome.status == .rejectedCheckpoint)
        #expect(outcome.failureReason?.contains("checksum") == true)
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-ckpt-\(UUID().uuidString)").path
        #expect(throws: TrainerCheckpointError.self) { try TrainerCheckpoint.read(from: missing) }
    }
}
