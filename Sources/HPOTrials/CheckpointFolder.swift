import Foundation

/// The checkpoint folder of the contract in docs/trials.md, seen from a trial in this process.
enum CheckpointFolder {
    /// Waits until `folder` exists and is empty (the worker has taken the last checkpoint and
    /// made the folder again), polling every 5 ms; false if `giveUp` says so first.
    static func waitUntilEmpty(_ folder: String, giveUp: () -> Bool) -> Bool {
        while true {
            if let entries = try? FileManager.default.contentsOfDirectory(atPath: folder), entries.isEmpty {
                return true
            }
            if giveUp() { return false }
            usleep(5_000)
        }
    }
}
