import Foundation

/// The built-in trainer's state at an epoch boundary, as saved in a checkpoint folder
/// (`mlp-checkpoint.json`, format `hpo-mlp-checkpoint` version 1; docs/trainer.md,
/// "Checkpoints"): weights, optimizer state, both random streams, the row order, the epoch and
/// schedule step reached, and the metrics history. Restored into a run with the same
/// hyperparameters, precision and seed, training continues bit for bit as if never stopped.
package struct TrainerCheckpoint: Sendable, Equatable {
    /// The file's name inside a checkpoint folder.
    package static let fileName = "mlp-checkpoint.json"
    static let format = "hpo-mlp-checkpoint"
    /// Bumped whenever the meaning of a field changes; other versions are refused.
    static let version = 1

    var document: Document

    /// The last epoch the checkpoint completed (the resumed run starts at the next).
    package var epoch: Int { document.epoch }
    /// The metrics of every epoch up to `epoch`.
    package var history: [EpochRecord] { document.history.map(\.record) }

    /// The JSON document (tensors as base64 of their little-endian bytes, in the run's precision).
    struct Document: Codable, Equatable, Sendable {
        var format: String
        var version: Int
        var precision: String
        var seed: UInt64
        /// Every hyperparameter, spelled out as text (`TrainerHyperparameters.parameters`).
        var hyperparameters: [String: String]
        /// Layer widths, inputs first.
        var sizes: [Int]
        var epoch: Int
        /// Mini-batches trained so far: the learning-rate schedule's position.
        var step: Int
        /// The first mini-batch's loss (the divergence test compares against it).
        var initialLoss: Double?
        var history: [History]
        var optimizerSteps: Int
        var shuffler: [UInt64]
        var dropout: [UInt64]?
        var order: [Int]
        var position: Int
        var tensors: [String]
        var velocities: [String]
        var secondMoments: [String]
        /// FNV-1a (64 bits, hex) over the bytes of tensors, velocities and second moments in order.
        var checksum: String
    }

    struct History: Codable, Equatable, Sendable {
        var epoch: Int
        var trainLoss: Double
        var validationLoss: Double
        var validationAccuracy: Double
        var trainSeconds: Double

        init(_ record: EpochRecord) {
            (epoch, trainLoss, validationLoss, validationAccuracy, trainSeconds) =
                (record.epoch, record.trainLoss, record.validationLoss, record.validationAccuracy, record.trainSeconds)
        }

        var record: EpochRecord {
            EpochRecord(
                epoch: epoch, trainLoss: trainLoss, validationLoss: validationLoss,
                validationAccuracy: validationAccuracy, trainSeconds: trainSeconds)
        }
    }

    init<S: TrainingScalar>(
        run: TrainingRun<S>, seed: UInt64, epoch: Int, step: Int, initialLoss: Double?, history: [EpochRecord]
    ) {
        let state = run.state
        let groups = [state.tensors, state.velocities, state.secondMoments].map { $0.map(Self.bytes) }
        var hash = FNV1a()
        for group in groups { for data in group { hash.add(data) } }
        document = Document(
            format: Self.format, version: Self.version, precision: Self.precisionName(S.self), seed: seed,
            hyperparameters: Self.binding(run.hyperparameters), sizes: run.network.sizes,
            epoch: epoch, step: step, initialLoss: initialLoss, history: history.map(History.init),
            optimizerSteps: state.optimizerSteps, shuffler: state.shuffler, dropout: state.dropout,
            order: state.order, position: state.position,
            tensors: groups[0].map { $0.base64EncodedString() }, velocities: groups[1].map { $0.base64EncodedString() },
            secondMoments: groups[2].map { $0.base64EncodedString() }, checksum: hash.hex)
    }

    // MARK: Files

    /// Writes `mlp-checkpoint.json` into `folder` (atomically: through a temporary file and a
    /// rename, so the file is whole or absent).
    package func write(to folder: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(document).write(to: URL(fileURLWithPath: "\(folder)/\(Self.fileName)"), options: .atomic)
    }

    /// Reads the checkpoint in `folder`; a missing, truncated or corrupt file is an error saying so.
    package static func read(from folder: String) throws(TrainerCheckpointError) -> TrainerCheckpoint {
        let path = "\(folder)/\(fileName)"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainerCheckpointError("\(fileName) is missing from the checkpoint folder")
        }
        return try decode(data)
    }

    /// Decodes a checkpoint file's bytes.
    static func decode(_ data: Data) throws(TrainerCheckpointError) -> TrainerCheckpoint {
        struct Header: Decodable {
            var format: String?
            var version: Int?
        }
        guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw TrainerCheckpointError("\(fileName) is not valid JSON (corrupt or truncated, \(data.count) bytes)")
        }
        guard header.format == format else {
            throw TrainerCheckpointError(
                "\(fileName) has format \(header.format.map { "'\($0)'" } ?? "none"), not '\(format)'")
        }
        guard header.version == version else {
            throw TrainerCheckpointError(
                """
                \(fileName) is format version \(header.version.map(String.init) ?? "none"); this trainer reads \
                version \(version)
                """
            )
        }
        do {
            return TrainerCheckpoint(document: try JSONDecoder().decode(Document.self, from: data))
        } catch {
            throw TrainerCheckpointError("\(fileName) is incomplete or has a field of the wrong type: \(error)")
        }
    }

    init(document: Document) { self.document = document }

    // MARK: Restoring

    /// The run state the checkpoint holds, after checking that it fits `run` (a fresh run of the
    /// same hyperparameters, precision and seed): every mismatch is named.
    func state<S: TrainingScalar>(for run: TrainingRun<S>, seed: UInt64) throws(TrainerCheckpointError)
        -> TrainingRun<S>.State
    {
        let d = document
        let precision = Self.precisionName(S.self)
        guard d.precision == precision else {
            throw TrainerCheckpointError("it was trained in \(d.precision) precision, this run is \(precision)")
        }
        guard d.sizes == run.network.sizes else {
            throw TrainerCheckpointError(
                "its network has layer sizes \(d.sizes), this run's has \(run.network.sizes) (another architecture)")
        }
        let ours = Self.binding(run.hyperparameters)
        let differing = Set(ours.keys).union(d.hyperparameters.keys).sorted().filter {
            ours[$0] != d.hyperparameters[$0]
        }
        guard differing.isEmpty else {
            let list = differing.map { "\($0) \(d.hyperparameters[$0] ?? "unset") vs \(ours[$0] ?? "unset")" }
            throw TrainerCheckpointError("its hyperparameters differ from this run's: \(list.joined(separator: ", "))")
        }
        guard d.seed == seed else {
            throw TrainerCheckpointError("it was trained from seed \(d.seed), this run from seed \(seed)")
        }
        let epochs = run.hyperparameters.epochs
        guard (1...epochs).contains(d.epoch), d.history.map(\.epoch) == Array(1...d.epoch),
            d.step == d.epoch * run.batchesPerEpoch, d.optimizerSteps == d.step
        else {
            throw TrainerCheckpointError(
                "its epoch \(d.epoch), step \(d.step) and history of \(d.history.count) epochs do not agree with "
                    + "\(epochs) epochs of \(run.batchesPerEpoch) batches")
        }
        guard d.order.count == run.rowCount, Set(d.order) == Set(0..<run.rowCount),
            (0...run.rowCount).contains(d.position)
        else {
            throw TrainerCheckpointError("its row order is not a permutation of the \(run.rowCount) training rows")
        }
        guard SeededGenerator(rawState: d.shuffler) != nil, (d.dropout != nil) == run.hasDropout,
            d.dropout.map({ SeededGenerator(rawState: $0) != nil }) ?? true
        else { throw TrainerCheckpointError("its random generator states are missing or invalid") }

        let counts = run.tensorCounts
        let tensors = try Self.decode(d.tensors, counts: counts, as: S.self, what: "weights")
        let velocities = try Self.decode(d.velocities, counts: counts, as: S.self, what: "optimizer velocities")
        let adam = run.hyperparameters.optimizer == .adam
        let second = try Self.decode(
            d.secondMoments, counts: adam ? counts : [], as: S.self, what: "Adam second moments")
        var hash = FNV1a()
        for group in [tensors, velocities, second] { for tensor in group { hash.add(Self.bytes(tensor)) } }
        guard hash.hex == d.checksum else {
            throw TrainerCheckpointError(
                "its tensors do not match their checksum (\(hash.hex), expected \(d.checksum)): corrupt")
        }
        return TrainingRun<S>.State(
            tensors: tensors, velocities: velocities, secondMoments: second, optimizerSteps: d.optimizerSteps,
            shuffler: d.shuffler, dropout: d.dropout, order: d.order, position: d.position)
    }

    /// The hyperparameters a resumed run must share with the checkpoint's, as text: all but
    /// `checkpoint_every`, which changes nothing in the training.
    static func binding(_ hyperparameters: TrainerHyperparameters) -> [String: String] {
        hyperparameters.parameters.filter { $0.key != "checkpoint_every" && $0.key != "checkpoint_seconds" }.mapValues(
            \.description)
    }

    static func precisionName<S: TrainingScalar>(_: S.Type) -> String {
        S.self == Float.self ? MLPTrainer.Precision.single.rawValue : MLPTrainer.Precision.double.rawValue
    }

    static func bytes<S: TrainingScalar>(_ tensor: [S]) -> Data {
        tensor.withUnsafeBytes { Data($0) }
    }

    private static func decode<S: TrainingScalar>(
        _ texts: [String], counts: [Int], as _: S.Type, what: String
    ) throws(TrainerCheckpointError) -> [[S]] {
        guard texts.count == counts.count else {
            throw TrainerCheckpointError("it has \(texts.count) tensors of \(what), this network \(counts.count)")
        }
        var tensors: [[S]] = []
        for (index, (text, count)) in zip(texts, counts).enumerated() {
            guard let data = Data(base64Encoded: text) else {
                throw TrainerCheckpointError("tensor \(index) of \(what) is not valid base64 (corrupt)")
            }
            guard data.count == count * MemoryLayout<S>.size else {
                throw TrainerCheckpointError(
                    """
                    tensor \(index) of \(what) has \(data.count) bytes, this network needs \
                    \(count * MemoryLayout<S>.size)
                    """
                )
            }
            var tensor = [S](repeating: 0, count: count)
            _ = tensor.withUnsafeMutableBytes { data.copyBytes(to: $0) }
            tensors.append(tensor)
        }
        return tensors
    }
}

/// FNV-1a, 64 bits: a cheap checksum that catches flipped bytes in a checkpoint's tensors.
struct FNV1a {
    private var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ data: Data) {
        for byte in data { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
    }

    var hex: String { String(value, radix: 16) }
}
