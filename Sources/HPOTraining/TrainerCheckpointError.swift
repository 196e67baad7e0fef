/// A checkpoint the built-in trainer cannot resume from: unreadable (corrupt, truncated), of
/// another format version, or from another run (architecture, hyperparameters, precision, seed).
/// The description says what did not match; the attempt fails with it rather than start over.
package struct TrainerCheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    package let description: String

    init(_ description: String) {
        self.description = "cannot resume the mlp trainer from its checkpoint: " + description
    }
}
