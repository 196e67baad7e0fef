#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// C functions that Swift's `Glibc` module hides (they are declared only under `_GNU_SOURCE`),
/// looked up once at run time. The package has no C target to declare them in.
enum PosixShims {
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    private typealias AddChdir =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    private static let pipe2Function: Pipe2? = symbol("pipe2")
    private static let addChdirFunction: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np")
    private static let addCloseFromFunction: AddCloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np")

    private static func symbol<Function>(_ name: String) -> Function? {
        guard let handle = dlopen(nil, RTLD_NOW), let address = dlsym(handle, name) else { return nil }
        return unsafeBitCast(address, to: Function.self)
    }

    /// A pipe whose two ends are close-on-exec from the start, so that a child spawned at the same
    /// moment by another thread (another worker slot) cannot inherit them and hold them open.
    /// Returns `(read, write)` or the errno.
    static func makePipe() -> Result<(read: Int32, write: Int32), Errno> {
        var fds: [Int32] = [-1, -1]
        if let pipe2 = pipe2Function {
            guard pipe2(&fds, O_CLOEXEC) == 0 else { return .failure(Errno(errno)) }
        } else {
            // No pipe2 (not glibc): a small window in which a concurrent spawn may inherit the fds.
            guard pipe(&fds) == 0 else { return .failure(Errno(errno)) }
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        }
        // A worker started with stdin, stdout or stderr closed would get fds 0-2 here, and the
        // spawn's dup2 onto 0-2 would then clobber them: move such fds up.
        var failure: Errno?
        for index in fds.indices where fds[index] < 3 {
            let moved = fcntl(fds[index], F_DUPFD_CLOEXEC, 3)
            if moved < 0 { failure = Errno(errno) }
            close(fds[index])
            fds[index] = moved
        }
        if let failure {
            for fd in fds where fd >= 0 { close(fd) }
            return .failure(failure)
        }
        return .success((fds[0], fds[1]))
    }

    /// Adds "close every fd from `lowest` up" to the spawn's file actions (glibc 2.34 and later),
    /// so a child inherits no fd that other code in the worker opened without close-on-exec.
    /// Without it (an older C library) such fds leak into the child.
    static func addCloseFrom(_ actions: inout posix_spawn_file_actions_t, _ lowest: Int32) {
        _ = addCloseFromFunction?(&actions, lowest)
    }

    /// Adds "change to `directory`" to the spawn's file actions; `false` if the C library lacks it.
    static func addChdir(_ actions: inout posix_spawn_file_actions_t, _ directory: String) -> Bool {
        guard let addChdir = addChdirFunction else { return false }
        return addChdir(&actions, directory) == 0
    }
}

/// An `errno` value with its text.
struct Errno: Error, Equatable, CustomStringConvertible {
    var code: Int32
    init(_ code: Int32) { self.code = code }
    var description: String { String(cString: strerror(code)) }
}
