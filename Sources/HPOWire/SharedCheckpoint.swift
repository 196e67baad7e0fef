import HPOCore

/// A checkpoint on a filesystem every worker and the coordinator share (`hpo-coordinator
/// --checkpoints shared:FOLDER`): only its description travels, never its bytes.
///
/// A worker sends `checkpoint_shared` once the folder is complete and `fsync`ed under its final
/// name; the coordinator reads it back, checks `size` and `sha256`, journals it and answers with
/// the same `checkpoint_ack` as an upload's. Before the `assign` of an attempt that resumes,
/// the coordinator sends `resume_shared`: the worker checks the folder the same way and starts
/// the attempt with `HPO_RESUME_DIR` pointing at it.
///
/// `size` and `sha256` are those of the folder's archive (`CheckpointArchive`), computed without
/// writing it: the same figures as in upload mode, so one journal line and one resume logic
/// serve both.
package struct SharedCheckpoint: Hashable, Sendable, Codable {
    package var key: TrialKey
    package var step: Int
    package var size: Int
    package var sha256: String

    package init(key: TrialKey, step: Int, size: Int, sha256: String) {
        self.key = key
        self.step = step
        self.size = size
        self.sha256 = sha256
    }

    /// The checkpoint's folder inside `trial-N/` of the shared folder: from numbers and hex
    /// digits only, so neither side ever builds a path from a peer's text.
    package static func folderName(step: Int, sha256: String) -> String { "step-\(step)-\(sha256.prefix(16))" }

    package var folderName: String { Self.folderName(step: step, sha256: sha256) }

    /// `FOLDER/trial-N`: the folder of a trial's checkpoints.
    package static func trialFolder(root: String, trial: TrialID) -> String { "\(root)/trial-\(trial.rawValue)" }

    /// `FOLDER/trial-N/.attempt-A`: an attempt's own folder (its `HPO_CHECKPOINT_DIR` is `out/`
    /// inside), on the same filesystem, so that a checkpoint is taken by a rename, not a copy.
    package static func attemptFolder(root: String, key: TrialKey) -> String {
        "\(trialFolder(root: root, trial: key.trial))/\(attemptPrefix)\(key.attempt)"
    }

    package static let attemptPrefix = ".attempt-"

    /// Why a shared checkpoint folder cannot be used as it is, or nil. The digest skips symbolic
    /// links and special files (as an upload's archive leaves them out), but a trial resuming
    /// from the folder itself would follow them: such a folder is refused on every side.
    package static func problem(skipped: [String]) -> String? {
        guard let first = skipped.first else { return nil }
        return "it holds a symbolic link or special file (\(first.prefix(200))\(skipped.count > 1 ? ", …" : "")), "
            + "which a shared checkpoint may not"
    }
}

extension WireBounds {
    package static func violation(in checkpoint: SharedCheckpoint) -> String? {
        if let violation = violation(in: checkpoint.key) { return violation }
        guard (0...WireLimits.maxStep).contains(checkpoint.step) else {
            return "step \(checkpoint.step) is not in 0...\(WireLimits.maxStep)"
        }
        guard (0...WireLimits.maxCheckpointBytes).contains(checkpoint.size) else {
            return "checkpoint of \(checkpoint.size) bytes is not in 0...\(WireLimits.maxCheckpointBytes)"
        }
        guard checkpoint.sha256.utf8.count == 64,
            checkpoint.sha256.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
        else { return "sha256 is not 64 lower-case hex digits" }
        return nil
    }
}
