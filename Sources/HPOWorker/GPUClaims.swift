import Foundation
import HPOWire

#if canImport(Glibc)
    import Glibc
#endif

/// Which of this host's GPUs each worker process hands out, so that several workers on one host
/// (systemd's `hpo-worker@N`, an SSH fan-out of N per host) do not hand out the same device.
///
/// A worker holds an exclusive `flock` on one file per device (`hpo-gpu-<uuid or index>.lock` in
/// `/dev/shm`, which systemd's `PrivateTmp` does not separate, else the temporary directory) for
/// as long as it runs; the kernel releases it when the process ends, however it ends, so a lock
/// is never stale. Advisory: it keeps `hpo-worker`s apart, not other programs.
package final class GPUClaims {
    /// Where the lock files are: `HPO_GPU_LOCK_DIR`, else `/dev/shm`, else the temporary directory.
    package static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String
    {
        if let directory = environment["HPO_GPU_LOCK_DIR"], !directory.isEmpty { return directory }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isDirectory), isDirectory.boolValue,
            access("/dev/shm", W_OK) == 0
        {
            return "/dev/shm"
        }
        return NSTemporaryDirectory()
    }

    private let directory: String
    /// Open descriptors of the locks held, closed (released) on `deinit`.
    private var held: [String: Int32] = [:]

    package init(directory: String) {
        self.directory = directory
    }

    deinit {
        for fd in held.values { close(fd) }
    }

    /// The lock file of `device`: by UUID when known (the same device whatever index it has in a
    /// process's view), else by its id.
    func path(for device: GPUDevice) -> String {
        let name = (device.uuid ?? device.id).map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
        return (directory as NSString).appendingPathComponent("hpo-gpu-\(String(name)).lock")
    }

    /// Takes `device` for this process: true if no other worker holds it (or the lock cannot be
    /// made at all: then nothing can be known, and the device is not withheld).
    package func claim(_ device: GPUDevice) -> Bool {
        let path = path(for: device)
        if held[path] != nil { return true }
        var fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o666)
        // Another user's lock file: a read-only descriptor locks just as well.
        if fd < 0, errno == EACCES { fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) }
        guard fd >= 0 else { return true }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            return errno != EWOULDBLOCK
        }
        held[path] = fd
        return true
    }

    /// What a worker takes from `devices`: with `auto`, the ones no other worker on this host
    /// holds, at most `limit` (its `--slots` when given); with a list, all of them, each held by
    /// another worker named in a note. The notes are for the worker's log.
    package func take(_ devices: [GPUDevice], auto: Bool, limit: Int?) -> (devices: [GPUDevice], notes: [String]) {
        var taken: [GPUDevice] = []
        var busy: [String] = []
        for device in devices {
            if auto, let limit, taken.count >= limit { break }
            if claim(device) {
                taken.append(device)
            } else if auto {
                busy.append(device.id)
            } else {
                taken.append(device)
                busy.append(device.id)
            }
        }
        guard !busy.isEmpty else { return (taken, []) }
        let list = busy.joined(separator: ", ")
        let note =
            auto
            ? "GPU\(busy.count == 1 ? "" : "s") \(list) handed out by another hpo-worker on this host: left to it"
            : """
            GPU\(busy.count == 1 ? "" : "s") \(list) also handed out by another hpo-worker on this host (--gpus): \
            trials of both may share \(busy.count == 1 ? "it" : "them")
            """
        return (taken, [note])
    }
}
