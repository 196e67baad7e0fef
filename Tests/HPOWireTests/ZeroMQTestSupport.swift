import Foundation
import HPOWire
import HPOZeroMQ

/// Helpers for the ZeroMQ and transport-contract tests (one namespace: this target is shared).
enum ZMQTestSupport {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// `count` bytes of a repeating, position-dependent pattern (so misplaced bytes show).
    static func pattern(count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
    }

    /// Polls a raw socket until one message arrives or `seconds` pass.
    static func receiveOne(_ socket: ZeroMQSocket, seconds: Double = 20) throws -> Frames? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            _ = try ZeroMQ.poll([.socket(socket)], timeoutMilliseconds: 50)
            if let frames = try socket.receive(dontWait: true) { return frames }
        }
        return nil
    }

    /// Receives until `count` messages arrived or `seconds` pass.
    static func receive(from server: any ServerTransport, count: Int, seconds: Double = 20) throws -> [InboundMessage] {
        let deadline = Date().addingTimeInterval(seconds)
        var received: [InboundMessage] = []
        while received.count < count, Date() < deadline {
            received += try server.receive(timeoutMilliseconds: 50, limit: count - received.count)
        }
        return received
    }

    /// Receives until `count` messages arrived or `seconds` pass.
    static func receive(from client: any ClientTransport, count: Int, seconds: Double = 20) throws -> [Frames] {
        let deadline = Date().addingTimeInterval(seconds)
        var received: [Frames] = []
        while received.count < count, Date() < deadline {
            received += try client.receive(timeoutMilliseconds: 50, limit: count - received.count)
        }
        return received
    }

    /// Runs `body` on a new Foundation thread (never block the Swift concurrency pool in
    /// zmq_poll); `wait` returns its result, or nil if it did not finish in time.
    final class Background<Result: Sendable>: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var result: Result?

        init(_ body: @escaping @Sendable () -> Result) {
            let thread = Thread { [self] in
                let value = body()
                lock.withLock { result = value }
                done.signal()
            }
            thread.start()
        }

        func wait(seconds: Double = 20) -> Result? {
            guard done.wait(timeout: .now() + seconds) == .success else { return nil }
            return lock.withLock { result }
        }
    }
}
