#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The write end of the trap's waker, and the last signal caught, for the C signal handler.
/// Written before the handler is installed and read only by it and by `SignalTrap.caught`.
nonisolated(unsafe) private var trapWakeDescriptor: Int32 = -1
nonisolated(unsafe) private var trapCaughtSignal: sig_atomic_t = 0
nonisolated(unsafe) private var trapHangups: sig_atomic_t = 0
nonisolated(unsafe) private var trapExitOnSecond: sig_atomic_t = 1
nonisolated(unsafe) private var trapCount: sig_atomic_t = 0

/// Turns SIGINT and SIGTERM (stop) and SIGHUP (reload) into polled flags plus a wake-up of the loop
/// (the self-pipe trick), so the owning loop stops cleanly and flushes the results log last. A second signal exits at
/// once (status 130): everything acted on is already durable, so nothing is lost by it.
package enum SignalTrap {
    /// Installs the handlers. `waker` is the one the loop polls. `exitOnSecondSignal: false`
    /// (the worker, which kills its trials itself on a second signal) only counts it (`count`).
    package static func install(waking waker: Waker, exitOnSecondSignal: Bool = true) {
        trapWakeDescriptor = waker.rawWriteDescriptor
        trapExitOnSecond = exitOnSecondSignal ? 1 : 0
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { caught in
                if trapCaughtSignal != 0 && trapExitOnSecond != 0 { _exit(130) }
                trapCount += 1
                if trapCaughtSignal == 0 { trapCaughtSignal = caught }
                var byte: UInt8 = 1
                _ = write(trapWakeDescriptor, &byte, 1)
            }
        }
        signal(SIGHUP) { _ in
            trapHangups = 1
            var byte: UInt8 = 1
            _ = write(trapWakeDescriptor, &byte, 1)
        }
        signal(SIGPIPE, SIG_IGN)
        // A blocked mask is inherited across exec: a parent (a test runner, a job launcher) may
        // have left these signals blocked, which would make them pend forever. Call this on the
        // main thread before starting others, which inherit the mask.
        var mask = handledSignals
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
    }

    /// Blocks the trapped signals in the calling thread, so that they are delivered to the loop's
    /// thread and never interrupt background work (call first thing in a thread of one's own).
    package static func blockInThisThread() {
        var mask = handledSignals
        pthread_sigmask(SIG_BLOCK, &mask, nil)
    }

    private static var handledSignals: sigset_t {
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, SIGINT)
        sigaddset(&mask, SIGTERM)
        sigaddset(&mask, SIGHUP)
        return mask
    }

    /// Whether SIGHUP arrived since the last call (a request to reload configuration, such as
    /// the authorised keys). Resets the flag.
    package static func takeHangup() -> Bool {
        guard trapHangups != 0 else { return false }
        trapHangups = 0
        return true
    }

    /// How many SIGINT/SIGTERM arrived so far.
    package static var count: Int { Int(trapCount) }

    /// The name of the signal caught so far (`SIGINT`), if any.
    package static var caught: String? {
        switch trapCaughtSignal {
        case 0: nil
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        default: "signal \(trapCaughtSignal)"
        }
    }
}
