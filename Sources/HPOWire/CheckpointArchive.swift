import Foundation
import HPOWire

#if canImport(Glibc)
    import Glibc
#endif

/// The archive a checkpoint folder travels in: a format of our own, because it is small enough
/// to read in full here and strict enough to unpack safely without a subprocess (a `tar` would
/// need its own path checks against `..`, absolute names and links planted by a hostile peer,
/// and differs between systems). Big-endian throughout:
///
///     "HPOCKPT1"                                   8 bytes, the format and its version
///     then entries, in sorted path order:
///       'D' u32 n, n bytes path                    a folder
///       'F' u32 n, n bytes path, u32 mode, u64 size, size bytes      a regular file
///     'E'                                          the end
///
/// Paths are relative, `/`-separated UTF-8, at most 4096 bytes, with no empty, `.` or `..`
/// component. Only regular files and folders are packed: symbolic links, devices and the like in
/// a checkpoint folder are skipped (a link could point anywhere on the worker's disk), and
/// unpacking creates nothing else, each file with `O_CREAT | O_EXCL | O_NOFOLLOW` in a folder
/// made fresh for it.
package enum CheckpointArchive {
    static let magic = Array("HPOCKPT1".utf8)
    static let maxPathBytes = 4096

    /// What packing produced: the archive's size and SHA-256, and what was skipped.
    package struct Packed: Sendable {
        package var size: Int
        package var sha256: String
        package var skipped: [String]
    }

    /// Packs the folder `source` into a new file `archive`.
    package static func pack(folder source: String, into archive: String) throws(CheckpointArchiveError) -> Packed {
        let out = open(archive, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard out >= 0 else { throw .io("create", archive, errno) }
        defer { close(out) }
        return try stream(folder: source, into: HashingWriter(descriptor: out, path: archive), syncing: false)
    }

    /// The size and SHA-256 the archive of the folder `source` would have, without writing it:
    /// how a checkpoint in a shared folder is described and verified (`SharedCheckpoint`).
    /// `syncing`: each file and folder is `fsync`ed as it is read (the writer's side makes the
    /// checkpoint durable before it is announced).
    package static func digest(folder source: String, syncing: Bool) throws(CheckpointArchiveError) -> Packed {
        try stream(folder: source, into: HashingWriter(descriptor: -1, path: source), syncing: syncing)
    }

    private static func stream(folder source: String, into writer: HashingWriter, syncing: Bool)
        throws(CheckpointArchiveError) -> Packed
    {
        var writer = writer
        var skipped: [String] = []
        try writer.write(magic)
        try packEntries(of: source, relative: "", writer: &writer, skipped: &skipped, syncing: syncing)
        try writer.write([UInt8(ascii: "E")])
        try writer.flush()
        if syncing { try sync(source) }
        return Packed(size: writer.size, sha256: writer.hasher.finalizeHex(), skipped: skipped)
    }

    private static func sync(_ path: String) throws(CheckpointArchiveError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("open", path, errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io("fsync", path, errno) }
    }

    private static func packEntries(
        of folder: String, relative: String, writer: inout HashingWriter, skipped: inout [String], syncing: Bool
    ) throws(CheckpointArchiveError) {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted() } catch {
            throw .io("list", folder, EIO)
        }
        for name in names {
            let full = "\(folder)/\(name)"
            let path = relative.isEmpty ? name : "\(relative)/\(name)"
            var info = stat()
            guard lstat(full, &info) == 0 else { throw .io("stat", full, errno) }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                try writer.write([UInt8(ascii: "D")] + lengthPrefixed(path))
                try packEntries(of: full, relative: path, writer: &writer, skipped: &skipped, syncing: syncing)
                if syncing { try sync(full) }
            case S_IFREG:
                let fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
                guard fd >= 0 else { throw .io("open", full, errno) }
                defer { close(fd) }
                var fileInfo = stat()
                guard fstat(fd, &fileInfo) == 0 else { throw .io("stat", full, errno) }
                let size = Int(fileInfo.st_size)
                try writer.write(
                    [UInt8(ascii: "F")] + lengthPrefixed(path) + bigEndian(UInt32(fileInfo.st_mode & 0o777))
                        + bigEndian(UInt64(size)))
                var left = size
                var buffer = [UInt8](repeating: 0, count: 1 << 20)
                while left > 0 {
                    let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, min($0.count, left)) }
                    if got < 0 && errno == EINTR { continue }
                    guard got > 0 else { throw .changed(full) }
                    try writer.write(buffer[0..<got])
                    left -= got
                }
                if syncing && fsync(fd) != 0 { throw .io("fsync", full, errno) }
            default:
                skipped.append(path)
            }
        }
    }

    /// Unpacks `archive` into `destination`, a folder that must not exist yet (made here, 0700).
    package static func unpack(_ archive: String, into destination: String) throws(CheckpointArchiveError) {
        guard mkdir(destination, 0o700) == 0 else { throw .io("mkdir", destination, errno) }
        let fd = open(archive, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw .io("open", archive, errno) }
        defer { close(fd) }
        var reader = Reader(descriptor: fd, path: archive)
        guard try reader.bytes(magic.count) == magic else { throw .malformed("not a checkpoint archive (bad magic)") }
        while true {
            let kind = try reader.bytes(1)[0]
            if kind == UInt8(ascii: "E") { break }
            let pathLength = Int(try reader.uint32())
            guard pathLength <= maxPathBytes else { throw .malformed("a path of \(pathLength) bytes") }
            let path = try validated(String(decoding: try reader.bytes(pathLength), as: UTF8.self))
            let full = "\(destination)/\(path)"
            switch kind {
            case UInt8(ascii: "D"):
                guard mkdir(full, 0o700) == 0 else { throw .io("mkdir", full, errno) }
            case UInt8(ascii: "F"):
                let mode = mode_t(try reader.uint32() & 0o777) | 0o600
                let size = try reader.uint64()
                let out = open(full, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
                guard out >= 0 else { throw .io("create", full, errno) }
                defer { close(out) }
                var left = size
                while left > 0 {
                    let piece = try reader.bytes(Int(min(left, 1 << 20)))
                    try writeAll(out, piece, path: full)
                    left -= UInt64(piece.count)
                }
            default:
                throw .malformed("unknown entry kind \(kind)")
            }
        }
        guard try reader.atEnd() else { throw .malformed("bytes after the end marker") }
    }

    /// A path as the archive may name it, or an error.
    static func validated(_ path: String) throws(CheckpointArchiveError) -> String {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.isEmpty, !path.hasPrefix("/"), !path.utf8.contains(0),
            components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
        else { throw .malformed("unsafe path \"\(path.prefix(100))\"") }
        return path
    }

    private static func lengthPrefixed(_ path: String) -> [UInt8] {
        bigEndian(UInt32(path.utf8.count)) + Array(path.utf8)
    }

    private static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    static func writeAll(_ fd: Int32, _ bytes: some Collection<UInt8>, path: String) throws(CheckpointArchiveError) {
        let array = Array(bytes)
        var offset = 0
        while offset < array.count {
            let written = array.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .io("write", path, errno)
            }
            offset += written
        }
    }

    /// Hashes what it is given and writes it to `descriptor` (-1: hashes only).
    private struct HashingWriter {
        let descriptor: Int32
        let path: String
        var hasher = SHA256()
        var size = 0
        var pending: [UInt8] = []

        init(descriptor: Int32, path: String) {
            self.descriptor = descriptor
            self.path = path
        }

        mutating func write(_ bytes: some Collection<UInt8>) throws(CheckpointArchiveError) {
            hasher.update(bytes)
            size += bytes.count
            guard descriptor >= 0 else { return }
            pending.append(contentsOf: bytes)
            if pending.count >= 1 << 20 { try flush() }
        }

        mutating func flush() throws(CheckpointArchiveError) {
            guard descriptor >= 0 else { return }
            try CheckpointArchive.writeAll(descriptor, pending, path: path)
            pending.removeAll(keepingCapacity: true)
        }
    }

    private struct Reader {
        let descriptor: Int32
        let path: String

        mutating func bytes(_ count: Int) throws(CheckpointArchiveError) -> [UInt8] {
            var result = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let got = result.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + done, count - done) }
                if got < 0 {
                    if errno == EINTR { continue }
                    throw .io("read", path, errno)
                }
                guard got > 0 else { throw .malformed("the archive ends early") }
                done += got
            }
            return result
        }

        mutating func uint32() throws(CheckpointArchiveError) -> UInt32 {
            try bytes(4).reduce(0) { $0 << 8 | UInt32($1) }
        }

        mutating func uint64() throws(CheckpointArchiveError) -> UInt64 {
            try bytes(8).reduce(0) { $0 << 8 | UInt64($1) }
        }

        mutating func atEnd() throws(CheckpointArchiveError) -> Bool {
            var byte: UInt8 = 0
            return read(descriptor, &byte, 1) == 0
        }
    }
}

package enum CheckpointArchiveError: Error, CustomStringConvertible, Sendable {
    case io(String, String, Int32)
    case malformed(String)
    /// A file shrank while it was being packed (the trial wrote to the folder after announcing it).
    case changed(String)

    package var description: String {
        switch self {
        case .io(let operation, let path, let code): "\(operation) \(path): \(String(cString: strerror(code)))"
        case .malformed(let reason): "malformed checkpoint archive: \(reason)"
        case .changed(let path): "\(path) changed while it was being packed"
        }
    }
}
