#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why the supervisor ended a child before it finished on its own.
enum StopCause: Equatable {
    case timeout
    case cancelled(String)
}

/// What happened to a supervised child.
struct SupervisedOutcome {
    var termination: Termination
    /// Set when the child was stopped (timeout or cancellation) rather than exiting on its own.
    var stopCause: StopCause?
    var stdoutTail: OutputTail
    var stderrTail: OutputTail
}

/// Runs the loop around one child process on the calling thread: reads stdout and stderr with
/// `poll` (no helper threads, no deadlock), hands stdout to `line` one line at a time, enforces
/// the deadline and cancellation with SIGTERM then SIGKILL to the whole process group, and reaps
/// the child.
///
/// When the child exits, anything else still running in its group (a background grandchild) is
/// killed; if such a process holds the pipes open, they get `pipeGrace` to drain first.
struct ChildSupervisor {
    var deadline: ContinuousClock.Instant?
    var cancellation: TrialCancellation
    /// Between SIGTERM and SIGKILL.
    var killGrace: Duration = .seconds(2)
    /// How long the pipes may stay open after the child has exited.
    var pipeGrace: Duration = .milliseconds(500)
    /// How long to wait, at the end, for killed members of the group to disappear.
    var groupSettle: Duration = .milliseconds(500)
    /// How often cancellation and the child's exit are checked while nothing else happens.
    var slice: Duration = .milliseconds(50)

    private enum Phase {
        case running
        case terminating(cause: StopCause, killAt: ContinuousClock.Instant)
        case killed(cause: StopCause)
    }

    func supervise(_ child: ChildProcess, line: (String) -> Void) -> SupervisedOutcome {
        let clock = ContinuousClock()
        var phase = Phase.running
        var exitedAt: ContinuousClock.Instant?
        var stdoutLines = LineSplitter()
        var stdoutTail = OutputTail()
        var stderrTail = OutputTail()
        var idleBackoff: Duration = .microseconds(100)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 1)
        defer { buffer.deallocate() }

        while true {
            let now = clock.now
            // 1. Has the child exited? Then wait only for the pipes, and only for a short while.
            if exitedAt == nil, child.hasExited() { exitedAt = now }
            if let exitedAt {
                if child.stdout < 0 && child.stderr < 0 { break }
                if now >= exitedAt + pipeGrace { break }
            }
            // 2. Stop the child on cancellation or timeout; escalate to SIGKILL after the grace.
            switch phase {
            case .running where exitedAt == nil:
                var cause: StopCause?
                if let reason = cancellation.reason {
                    cause = .cancelled(reason)
                } else if let deadline, now >= deadline {
                    cause = .timeout
                }
                if let cause {
                    child.signalGroup(SIGTERM)
                    let grace = cancellation.graceSeconds.map { Duration.milliseconds(Int64($0 * 1000)) } ?? killGrace
                    phase = .terminating(cause: cause, killAt: now + grace)
                }
            case .terminating(let cause, let killAt)
            where exitedAt == nil && (now >= killAt || cancellation.killRequested):
                child.signalGroup(SIGKILL)
                phase = .killed(cause: cause)
            default:
                break
            }
            // 3. Wait for output, or for the next moment something above may change.
            var wait = slice
            if case .running = phase, let deadline { wait = min(wait, max(deadline - now, .zero)) }
            if case .terminating(_, let killAt) = phase { wait = min(wait, max(killAt - now, .zero)) }
            if let exitedAt { wait = min(wait, max(exitedAt + pipeGrace - now, .zero)) }

            var fds = [child.stdout, child.stderr].filter { $0 >= 0 }.map {
                pollfd(fd: $0, events: Int16(POLLIN), revents: 0)
            }
            if fds.isEmpty {
                // Both pipes closed but the child still running (or just about to be a zombie):
                // check again soon, backing off from 0.1 ms so a normal exit is seen at once.
                wait = min(wait, idleBackoff)
                idleBackoff = min(idleBackoff * 2, slice)
                usleep(UInt32(wait.microseconds))
                continue
            }
            let ready = poll(&fds, nfds_t(fds.count), Int32(wait.millisecondsRoundedUp))
            guard ready > 0 else { continue }  // timeout or EINTR: loop and re-check
            for entry in fds where entry.revents != 0 {
                let isStdout = entry.fd == child.stdout
                let count = read(entry.fd, buffer.baseAddress, buffer.count)
                if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                guard count > 0 else {
                    child.closeOutput(entry.fd)
                    if isStdout { stdoutLines.finish(line: line) }
                    continue
                }
                let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
                if isStdout {
                    stdoutTail.append(chunk)
                    stdoutLines.append(chunk, line: line)
                } else {
                    stderrTail.append(chunk)
                }
            }
        }

        // Whatever is left of the group goes (the child is a zombie or dying; its pid still
        // names the group), then the child is reaped.
        child.signalGroup(SIGKILL)
        let termination = child.reap()
        // SIGKILL takes effect asynchronously: wait (briefly) until the group is really gone, so
        // that the next trial on this slot starts with the resources this one held freed.
        let settleBy = clock.now + groupSettle
        var pause: Duration = .microseconds(100)
        while child.groupHasLiveMembers(), clock.now < settleBy {
            usleep(UInt32(pause.microseconds))
            pause = min(pause * 2, .milliseconds(10))
        }
        var stopCause: StopCause?
        switch phase {
        case .running: stopCause = nil
        case .terminating(let cause, _), .killed(let cause): stopCause = cause
        }
        return SupervisedOutcome(
            termination: termination,
            stopCause: stopCause,
            stdoutTail: stdoutTail,
            stderrTail: stderrTail
        )
    }
}
