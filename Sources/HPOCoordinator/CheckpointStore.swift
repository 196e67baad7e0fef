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
package final class CheckpointStore {
    package let root: String
    private var uploads: [TrialKey: Upload] = [:]

    private struct Upload {
        var descriptor: Int32
        var path: String
        var size = 0
    }

    /// The store for the results log at `logPath`.
    package init(logPath: String) {
        root = logPath + ".checkpoints"
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

    /// Deletes one archive (one that a newer durable checkpoint replaced).
    package func remove(_ trial: TrialID, file: String) {
        unlink(path(of: trial, file: file))
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
                unlink("\(folder(of: trial))/\(name)")
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

    package var description: String {
        switch self {
        case .io(let operation, let path, let code): "\(operation) \(path): \(String(cString: strerror(code)))"
        case .notStarted(let key): "no upload of \(key) in progress"
        case .notAFolder(let path): "\(path) is not a folder"
        case .short(let path): "\(path) is shorter than its log line says"
        }
    }
}
