import Foundation
import HPOCore
import HPOWire

#if canImport(Glibc)
    import Glibc
#endif

/// The coordinator's checkpoint store, beside the results log: `<log>.checkpoints/trial-N/`,
/// one archive per checkpoint, named by its step and checksum (`step-12-0123456789abcdef.ckpt`).
///
/// An upload is written to a temporary file (`.upload-A.tmp`, A the attempt) chunk by chunk;
/// `commit` fsyncs it, renames it to its final name and fsyncs the folder, so an archive under
/// its final name is always whole. Only then does the coordinator journal `trial_checkpoint`,
/// and only after that line is durable does it delete the archive it replaces: a crash at any
/// point leaves the log naming an archive that exists. Names come from numbers and hex digits
/// only (never from a peer's text), so nothing is ever written outside the store.
///
/// In shared mode (`--checkpoints shared:FOLDER`) the root is that folder and each checkpoint is
/// a folder the worker wrote, `trial-N/step-S-<sha16>/` (`SharedCheckpoint`): nothing is uploaded;
/// `verifyShared` reads it back and checks its size and checksum before it is journaled. The
/// attempts' own folders there (`trial-N/.attempt-A/`) belong to their workers until the trial ends.
package final class CheckpointStore {
    package let root: String
    /// Checkpoints are folders in a shared filesystem, not uploaded archives.
    package let isShared: Bool
    private var uploads: [TrialKey: Upload] = [:]

    private struct Upload {
        var descriptor: Int32
        var path: String
        var size = 0
    }

    /// The store for the results log at `logPath`.
    package init(logPath: String) {
        root = logPath + ".checkpoints"
        isShared = false
    }

    /// The store in the shared folder `folder` (checked with `checkSharedFolder` first).
    package init(sharedFolder folder: String) {
        root = folder
        isShared = true
    }

    /// `checkSharedFolder`'s complaint about `path`, or nil when it is usable.
    package static func checkSharedFolderError(_ path: String) -> String? {
        do {
            _ = try checkSharedFolder(path)
            return nil
        } catch { return error.description }
    }

    /// The shared folder as an absolute path, once it is known to be a folder this process can
    /// write in; else an error that says which and why.
    package static func checkSharedFolder(_ path: String) throws(CheckpointStoreError) -> String {
        guard !path.isEmpty else { throw .sharedFolder(path, "no folder given (shared:FOLDER)") }
        let absolute =
            path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var info = stat()
        guard stat(absolute, &info) == 0 else {
            throw .sharedFolder(
                absolute, "\(String(cString: strerror(errno))) (make it on the shared filesystem first)")
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { throw .sharedFolder(absolute, "not a folder") }
        let probe = "\(absolute)/.hpo-write-test-\(getpid())"
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .sharedFolder(absolute, "not writable: \(String(cString: strerror(errno)))") }
        close(fd)
        unlink(probe)
        return absolute
    }

    deinit {
        for upload in uploads.values { close(upload.descriptor) }
    }

    package static func fileName(step: Int, sha256: String) -> String {
        "step-\(step)-\(sha256.prefix(16)).ckpt"
    }

    package func folder(of trial: TrialID) -> String { "\(root)/trial-\(trial.rawValue)" }

    package func path(of trial: TrialID, file: String) -> String { "\(folder(of: trial))/\(file)" }

    /// Starts (or restarts) the upload of `key`: an empty temporary file.
    package func begin(_ key: TrialKey) throws(CheckpointStoreError) {
        abort(key)
        try makeFolder(root)
        try makeFolder(folder(of: key.trial))
        let path = "\(folder(of: key.trial))/.upload-\(key.attempt).tmp"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io("open", path, errno) }
        uploads[key] = Upload(descriptor: fd, path: path)
    }

    package func append(_ key: TrialKey, _ data: Data) throws(CheckpointStoreError) {
        guard var upload = uploads[key] else { throw .notStarted(key) }
        var offset = 0
        while offset < data.count {
            let written = data.withUnsafeBytes { write(upload.descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .io("write", upload.path, errno)
            }
            offset += written
        }
        // Start writing the chunk back to disk now, without waiting for it (on Linux, DONTNEED
        // starts the writeback of dirty pages, then drops them from the cache): the `fsync` of
        // the commit, on the coordinator's loop, then has little left to wait for, however big
        // the checkpoint.
        _ = posix_fadvise(upload.descriptor, off_t(upload.size), off_t(data.count), POSIX_FADV_DONTNEED)
        upload.size += data.count
        uploads[key] = upload
    }

    /// Makes the upload durable under its final name and returns that name.
    package func commit(_ key: TrialKey, step: Int, sha256: String) throws(CheckpointStoreError) -> String {
        guard let upload = uploads.removeValue(forKey: key) else { throw .notStarted(key) }
        let name = Self.fileName(step: step, sha256: sha256)
        let final = path(of: key.trial, file: name)
        guard fsync(upload.descriptor) == 0 else {
            let error = errno
            close(upload.descriptor)
            unlink(upload.path)
            throw .io("fsync", upload.path, error)
        }
        close(upload.descriptor)
        guard rename(upload.path, final) == 0 else {
            let error = errno
            unlink(upload.path)
            throw .io("rename", final, error)
        }
        try syncFolder(folder(of: key.trial))
        return name
    }

    /// Drops an upload in progress (its temporary file goes).
    package func abort(_ key: TrialKey) {
        guard let upload = uploads.removeValue(forKey: key) else { return }
        close(upload.descriptor)
        unlink(upload.path)
    }

    /// Deletes one archive (one that a newer durable checkpoint replaced), or its folder in shared mode.
    package func remove(_ trial: TrialID, file: String) {
        if isShared {
            try? FileManager.default.removeItem(atPath: path(of: trial, file: file))
        } else {
            unlink(path(of: trial, file: file))
        }
    }

    /// Shared mode: deletes the attempts' own folders of a trial that ended (`.attempt-A/`, a
    /// lost worker's leftovers among them); its checkpoints stay.
    package func removeAttemptFolders(_ trial: TrialID) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder(of: trial))) ?? []
        where name.hasPrefix(SharedCheckpoint.attemptPrefix) {
            try? FileManager.default.removeItem(atPath: "\(folder(of: trial))/\(name)")
        }
    }

    /// Shared mode: reads the checkpoint folder a worker announced and checks that it is what the
    /// worker says (the size and SHA-256 of its archive); returns its name in the trial's folder.
    /// Static (only `root` is needed) so that it can run on another thread than the store's.
    package static func verifyShared(_ checkpoint: SharedCheckpoint, root: String) throws(CheckpointStoreError)
        -> String
    {
        let name = checkpoint.folderName
        let folder = "\(SharedCheckpoint.trialFolder(root: root, trial: checkpoint.key.trial))/\(name)"
        var info = stat()
        guard lstat(folder, &info) == 0 else { throw .io("stat", folder, errno) }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { throw .notAFolder(folder) }
        let digest: CheckpointArchive.Packed
        do { digest = try CheckpointArchive.digest(folder: folder, syncing: false) } catch {
            throw .unreadable(folder, error.description)
        }
        if let problem = SharedCheckpoint.problem(skipped: digest.skipped) { throw .unreadable(folder, problem) }
        guard digest.size == checkpoint.size, digest.sha256 == checkpoint.sha256 else {
            throw .mismatch(folder, "\(digest.size) bytes, sha256 \(digest.sha256.prefix(16))…")
        }
        return name
    }

    package func verifyShared(_ checkpoint: SharedCheckpoint) throws(CheckpointStoreError) -> String {
        try Self.verifyShared(checkpoint, root: root)
    }

    /// Whether the checkpoint `file` of `trial` (of `size` bytes) is there after a restart: an
    /// archive of that size; in shared mode, a folder (read in full only when it is resumed from).
    package func holds(_ trial: TrialID, file: String, size: Int) -> Bool {
        guard isShared else { return self.size(of: trial, file: file) == size }
        var info = stat()
        return lstat(path(of: trial, file: file), &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Deletes a trial's folder (its trial ended and its checkpoint is not kept).
    package func removeTrial(_ trial: TrialID) {
        for (key, _) in uploads where key.trial == trial { abort(key) }
        try? FileManager.default.removeItem(atPath: folder(of: trial))
    }

    /// Reads `count` bytes at `offset` of an archive: one chunk of a resume.
    package func read(_ trial: TrialID, file: String, offset: Int, count: Int) throws(CheckpointStoreError) -> Data {
        let path = path(of: trial, file: file)
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw .io("open", path, errno) }
        defer { close(fd) }
        var data = Data(count: count)
        var done = 0
        while done < count {
            let got = data.withUnsafeMutableBytes {
                pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done))
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw .io("read", path, errno)
            }
            if got == 0 { throw .short(path) }
            done += got
        }
        return data
    }

    /// The size of an archive, or nil if it is missing.
    package func size(of trial: TrialID, file: String) -> Int? {
        var info = stat()
        guard lstat(path(of: trial, file: file), &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    /// After a restart: deletes what the log does not name (temporary files of uploads cut off
    /// by the crash, archives replaced but not yet deleted, folders of trials that ended).
    package func sweep(keeping kept: [TrialID: String]) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: root) else { return }
        for entry in entries {
            guard entry.hasPrefix("trial-"), let number = Int(entry.dropFirst(6)) else { continue }
            let trial = TrialID(number)
            guard let file = kept[trial] else {
                removeTrial(trial)
                continue
            }
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder(of: trial))) ?? []
            where name != file {
                if isShared {
                    // Attempts' folders: their workers may still be writing in them.
                    guard !name.hasPrefix(SharedCheckpoint.attemptPrefix) else { continue }
                    try? FileManager.default.removeItem(atPath: "\(folder(of: trial))/\(name)")
                } else {
                    unlink("\(folder(of: trial))/\(name)")
                }
            }
        }
    }

    private func makeFolder(_ path: String) throws(CheckpointStoreError) {
        if mkdir(path, 0o700) == 0 {
            // The new name must survive a crash too: fsync its parent.
            let parent = (path as NSString).deletingLastPathComponent
            try syncFolder(parent.isEmpty ? "." : parent)
            return
        }
        guard errno == EEXIST else { throw .io("mkdir", path, errno) }
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { throw .notAFolder(path) }
    }

    private func syncFolder(_ path: String) throws(CheckpointStoreError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("open", path, errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io("fsync", path, errno) }
    }
}

/// What went wrong in the checkpoint store: the upload is refused with this reason (and logged).
package enum CheckpointStoreError: Error, CustomStringConvertible, Sendable {
    case io(String, String, Int32)
    case notStarted(TrialKey)
    case notAFolder(String)
    case short(String)
    case sharedFolder(String, String)
    case unreadable(String, String)
    case mismatch(String, String)

    package var description: String {
        switch self {
        case .io(let operation, let path, let code): "\(operation) \(path): \(String(cString: strerror(code)))"
        case .notStarted(let key): "no upload of \(key) in progress"
        case .notAFolder(let path): "\(path) is not a folder"
        case .short(let path): "\(path) is shorter than its log line says"
        case .sharedFolder(let path, let why): "shared checkpoint folder \(path): \(why)"
        case .unreadable(let path, let why): "cannot read \(path): \(why)"
        case .mismatch(let path, let found): "\(path) is not the checkpoint announced: it reads as \(found)"
        }
    }
}
