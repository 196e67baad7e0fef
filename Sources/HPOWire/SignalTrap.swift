#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The write end of the trap's waker, and the last signal caught, for the C signal handler.
/// Written before the handler is installed and read only by it and by `SignalTrap.caught`.
nonisolated(unsafe) private var trapWakeDescriptor: Int32 = -1
nonisolated(unsafe) private var trapCaughtSignal: sig_atomic_t = 0

/// Turns SIGINT and SIGTERM into a polled flag plus a wake-up of the loop (the self-pipe trick),
/// so the owning loop stops cleanly and flushes the results log last.
public enum SignalTrap {
    /// Installs the handlers. `waker` is the one the loop polls.
    public static func install(waking waker: Waker) {
        trapWakeDescriptor = waker.rawWriteDescriptor
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { caught in
                trapCaughtSignal = caught
                var byte: UInt8 = 1
                _ = write(trapWakeDescriptor, &byte, 1)
            }
        }
        signal(SIGPIPE, SIG_IGN)
    }

    /// The name of the signal caught so far (`SIGINT`), if any.
    public static var caught: String? {
        switch trapCaughtSignal {
        case 0: nil
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        default: "signal \(trapCaughtSignal)"
        }
    }
}
