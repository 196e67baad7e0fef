import Foundation
import HPOCore
import HPORuntime
import HPOWire
import Logging

extension CoordinatorService {
    /// Runs the storage actions that come before the journal (`begin`, `append`, `commit`,
    /// `abort`), feeding each commit's outcome back to the state machine (its journal line and
    /// ack join this turn's actions). Returns the actions that wait for the journal (`remove`,
    /// `removeTrial`).
    func performStorage(_ actions: inout CoordinatorActions) -> [CheckpointStorageAction] {
        var afterJournal: [CheckpointStorageAction] = []
        var index = 0
        while index < actions.storage.count {
            let action = actions.storage[index]
            index += 1
            guard let store = checkpointStore else {
                if case .commit(let key, _, _, _) = action {
                    actions.append(machine.checkpointFailed(key, reason: "no checkpoint store"))
                } else if case .verifyShared(let checkpoint) = action {
                    actions.append(machine.checkpointFailed(checkpoint.key, reason: "no checkpoint store"))
                }
                continue
            }
            switch action {
            case .begin(let key):
                do { try store.begin(key) } catch {
                    actions.append(machine.checkpointFailed(key, reason: error.description))
                }
            case .append(let key, let data):
                do { try store.append(key, data) } catch {
                    actions.append(machine.checkpointFailed(key, reason: error.description))
                }
            case .commit(let key, let step, let size, let sha256):
                do {
                    let file = try store.commit(key, step: step, sha256: sha256)
                    logger.info(
                        "checkpoint stored",
                        metadata: ["trial.key": "\(key)", "step": "\(step)", "bytes": "\(size)", "file": "\(file)"])
                    actions.append(machine.checkpointCommitted(key, file: file, now: monotonicSeconds()))
                } catch {
                    actions.append(machine.checkpointFailed(key, reason: error.description))
                }
            case .verifyShared(let checkpoint):
                // Read in full off the loop (seconds for a big checkpoint): heartbeats and every
                // other worker's messages go on; the answer comes back through the inbox.
                let root = store.root
                let inbox = checkedCheckpoints
                checkpointLane.submit {
                    let outcome = Result { () throws(CheckpointStoreError) -> String in
                        try CheckpointStore.verifyShared(checkpoint, root: root)
                    }
                    inbox.post(CheckedCheckpoint(checkpoint: checkpoint, outcome: outcome))
                }
            case .abort(let key):
                store.abort(key)
            case .remove, .removeTrial, .removeAttempts:
                afterJournal.append(action)
            }
        }
        actions.storage.removeAll()
        return afterJournal
    }

    /// A shared checkpoint was read back and checked (off the loop): journal it, or refuse it.
    func sharedCheckpointChecked(_ checked: CheckedCheckpoint, now: Double) -> CoordinatorActions {
        let checkpoint = checked.checkpoint
        switch checked.outcome {
        case .success(let file):
            logger.info(
                "shared checkpoint verified",
                metadata: [
                    "trial.key": "\(checkpoint.key)", "step": "\(checkpoint.step)", "bytes": "\(checkpoint.size)",
                    "folder": "\(file)"
                ])
            return machine.checkpointCommitted(checkpoint.key, file: file, now: now)
        case .failure(let error):
            return machine.checkpointFailed(checkpoint.key, reason: error.description)
        }
    }

    func performAfterJournal(_ storage: [CheckpointStorageAction]) {
        guard let store = checkpointStore else { return }
        for action in storage {
            switch action {
            case .remove(let trial, let file): store.remove(trial, file: file)
            case .removeTrial(let trial): store.removeTrial(trial)
            case .removeAttempts(let trial): store.removeAttemptFolders(trial)
            default: break
            }
        }
    }

    /// A `resume_chunk` gets its bytes from the store here, as it is sent (the state machine
    /// leaves them out); nil when the archive cannot be read (logged; the worker gives the
    /// attempt up when the chunk does not come).
    func filled(_ message: CoordinatorMessage) -> CoordinatorMessage? {
        guard case .resumeChunk(var chunk) = message else { return message }
        guard let store = checkpointStore, let stored = machine.storedCheckpoint(of: chunk.key.trial),
            stored.sha256 == chunk.sha256
        else {
            logger.error("no stored checkpoint to resume \(chunk.key) from")
            return nil
        }
        let offset = chunk.index * WireLimits.maxChunkBytes
        let count = min(WireLimits.maxChunkBytes, chunk.size - offset)
        do {
            chunk.data = try store.read(chunk.key.trial, file: stored.file, offset: offset, count: count)
        } catch {
            logger.error("cannot read the checkpoint to resume \(chunk.key) from: \(error)")
            return nil
        }
        return .resumeChunk(chunk)
    }
}

/// What the checkpoint lane found in a shared checkpoint's folder.
struct CheckedCheckpoint: Sendable {
    var checkpoint: SharedCheckpoint
    /// The folder's name in the trial's folder, or why it is not the checkpoint announced.
    var outcome: Result<String, CheckpointStoreError>
}
