import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How a child process ended.
enum Termination: Equatable, Sendable {
    case exited(Int32)
    case signaled(Int32)

    /// Decodes a `waitpid` status (the `WIFEXITED`/`WTERMSIG` macros do not import into Swift).
    init(waitStatus status: Int32) {
        let signal = status & 0x7f
        self = signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }
}

/// Why a child process could not be started.
struct SpawnError: Error, CustomStringConvertible {
    var executable: String
    var cause: Errno
    var description: String { "cannot run '\(executable)': \(cause)" }
}

/// A child process started with `posix_spawn` in a process group of its own (its pgid is its pid),
/// stdin on `/dev/null`, stdout and stderr on pipes that the caller reads.
///
/// The group lets `signalGroup` reach everything the trial started. The child is not reaped until
/// `reap()`: until then it stays a zombie after exiting, so its pid, and the group id, cannot be
/// reused, and signalling the group can never hit an unrelated process.
final class ChildProcess {
    let pid: pid_t
    /// The read ends of the child's stdout and stderr; the caller closes them (`closeOutput`).
    private(set) var stdout: Int32
    private(set) var stderr: Int32
    private var reaped = false

    private init(pid: pid_t, stdout: Int32, stderr: Int32) {
        self.pid = pid
        self.stdout = stdout
        self.stderr = stderr
    }

    /// Starts `executable` (a path) with `arguments` (argv, from argv[0]) and `environment`.
    static func spawn(
        executable: String,
        arguments: [String],
        environment: [String: String],
        workingDirectory: String?
    ) throws(SpawnError) -> ChildProcess {
        func failure(_ code: Int32) -> SpawnError {
            SpawnError(executable: arguments.first ?? executable, cause: Errno(code))
        }

        let out: (read: Int32, write: Int32)
        let err: (read: Int32, write: Int32)
        switch PosixShims.makePipe() {
        case .success(let pipe): out = pipe
        case .failure(let error): throw failure(error.code)
        }
        switch PosixShims.makePipe() {
        case .success(let pipe): err = pipe
        case .failure(let error):
            close(out.read)
            close(out.write)
            throw failure(error.code)
        }
        // The parent never writes to the child's pipes: close our copies of the write ends.
        defer {
            close(out.write)
            close(err.write)
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // dup2 clears close-on-exec on the target; the originals stay close-on-exec.
        posix_spawn_file_actions_adddup2(&actions, out.write, 1)
        posix_spawn_file_actions_adddup2(&actions, err.write, 2)
        PosixShims.addCloseFrom(&actions, 3)
        if let workingDirectory, !PosixShims.addChdir(&actions, workingDirectory) {
            close(out.read)
            close(err.read)
            throw failure(ENOSYS)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A new process group, an empty signal mask (the worker's threads may block SIGTERM and
        // SIGINT, and a mask is inherited) and default handling of the signals a parent may ignore.
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD, SIGALRM] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes,
            Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        )

        let argv = arguments.map { strdup($0) }
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") }
        defer {
            for string in argv + envp { free(string) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv + [nil], envp + [nil])
        guard status == 0 else {
            close(out.read)
            close(err.read)
            throw failure(status)
        }
        return ChildProcess(pid: pid, stdout: out.read, stderr: err.read)
    }

    /// The file to execute for `name`: `name` itself if it contains a slash (relative to the
    /// working directory), else the first executable file named `name` in the directories of
    /// `searchPath` (the child's `PATH`). `nil` when there is none (the caller reports ENOENT).
    static func resolveExecutable(_ name: String, searchPath: String?) -> String? {
        if name.contains("/") { return name }
        guard !name.isEmpty else { return nil }
        let directories = (searchPath ?? "/usr/local/bin:/usr/bin:/bin").split(
            separator: ":",
            omittingEmptySubsequences: false
        )
        for directory in directories {
            let candidate = directory.isEmpty ? name : "\(directory)/\(name)"
            var info = stat()
            if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }

    /// Sends `signal` to every process in the child's group.
    func signalGroup(_ signal: Int32) {
        guard !reaped else { return }
        kill(-pid, signal)
    }

    /// Whether a process of the child's group is still alive. Zombies do not count: a killed
    /// grandchild is reparented to init, which may take its time to reap it. After `reap`, the
    /// group id cannot be reused while it has members, so asking stays accurate.
    func groupHasLiveMembers() -> Bool {
        guard kill(-pid, 0) == 0 else { return false }
        #if os(Linux)
            return ProcessTable.hasLiveProcess(inGroup: pid)
        #else
            return true
        #endif
    }

    /// Whether the child has exited, without reaping it (it stays a zombie until `reap`).
    func hasExited() -> Bool {
        guard !reaped else { return true }
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 else { return errno == ECHILD }
        #if os(Linux)
            return info._sifields._sigchld.si_pid == pid
        #else
            return info.si_pid == pid
        #endif
    }

    /// Waits for the child to end and collects its status. Call once the child has exited or has
    /// been sent SIGKILL.
    func reap() -> Termination {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { break }
        }
        reaped = true
        return Termination(waitStatus: status)
    }

    /// Closes the read end of stdout or stderr.
    func closeOutput(_ fd: Int32) {
        if fd == stdout, stdout >= 0 {
            close(stdout)
            stdout = -1
        } else if fd == stderr, stderr >= 0 {
            close(stderr)
            stderr = -1
        }
    }

    /// A safety net: never leave a running group, a zombie or an open fd behind.
    deinit {
        if stdout >= 0 { close(stdout) }
        if stderr >= 0 { close(stderr) }
        if !reaped {
            kill(-pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        }
    }
}

/// The name of a signal as people know it: `SIGSEGV`.
func signalName(_ signal: Int32) -> String {
    let names: [Int32: String] = [
        SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
        SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1",
        SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2", SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM",
        SIGCHLD: "SIGCHLD", SIGCONT: "SIGCONT", SIGSTOP: "SIGSTOP", SIGTSTP: "SIGTSTP", SIGTTIN: "SIGTTIN",
        SIGTTOU: "SIGTTOU", SIGURG: "SIGURG", SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ", SIGVTALRM: "SIGVTALRM",
        SIGPROF: "SIGPROF", SIGWINCH: "SIGWINCH", SIGIO: "SIGIO", SIGSYS: "SIGSYS"
    ]
    return names[signal] ?? "signal \(signal)"
}

#if os(Linux)
    /// Reading `/proc`, for the rare moments when a killed group still has members.
    enum ProcessTable {
        /// Whether a process that is not a zombie has process group `group`.
        static func hasLiveProcess(inGroup group: pid_t) -> Bool {
            guard let directory = opendir("/proc") else { return true }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                guard let pid = Int32(name),
                    let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                    let fields = stat.lastIndex(of: ")").map({ stat[stat.index(after: $0)...].split(separator: " ") }),
                    fields.count > 2
                else { continue }
                // After the command name: state, ppid, pgrp.
                if fields[2] == "\(group)" && fields[0] != "Z" && fields[0] != "X" { return true }
            }
            return false
        }
    }
#endif
