import Foundation
import HPOCore
import HPORuntime
import HPOWire
import HPOZeroMQ

/// Why a control request got no answer.
package struct ControlClientError: Error, CustomStringConvertible, Sendable {
    package var description: String
    package init(_ description: String) { self.description = description }
}

/// Sends actions to a coordinator started with `--control ENDPOINT` and waits for its answer.
///
/// ```swift
/// let client = try ControlClient(endpoint: "tcp://127.0.0.1:5556", curve: nil)
/// let reply = try client.send(
///     ControlRequest(action: .stopTrial(trial: TrialID(12)), origin: "hpo serve 127.0.0.1:8080 ann@lab"),
///     timeout: 5)
/// print(reply.accepted, reply.message)  // true "trial 12: stop sent to worker lab:4242 …"
/// ```
///
/// An accepted action is already in the results log when the reply arrives. `send` throws
/// `ControlClientError` when no reply came within `timeout` (no coordinator listening there, a
/// CURVE key it does not accept): the request may still reach a coordinator that comes up later
/// while this client lives, so retry only actions that are safe twice (`stop_trial`, `stop_study`).
/// Beyond loopback `curve` is required (the coordinator's public key, and a key pair it
/// authorises: docs/security.md). Safe to call from any thread, one request at a time (a lock).
package final class ControlClient: @unchecked Sendable {
    package let endpoint: String
    private let lock = NSLock()
    private let context: ZeroMQContext
    private let waker: Waker
    private let transport: ZeroMQClientTransport

    package init(endpoint: String, curve: CurveClientSettings?) throws {
        guard curve != nil || ZeroMQEndpoint.isLoopback(endpoint) else {
            throw ControlClientError(
                "refusing to send control requests to \(endpoint) in plain text: beyond loopback the coordinator "
                    + "requires CURVE (--curve-key KEYFILE --server-key COORDINATOR.pub; docs/security.md)")
        }
        self.endpoint = endpoint
        context = try ZeroMQContext()
        waker = Waker()
        var options = ZeroMQTransportOptions()
        options.lingerMilliseconds = 0
        options.heartbeat = nil
        options.maxMessageSize = Int64(ControlLimits.maxMessageBytes)
        transport = try ZeroMQClientTransport(
            context: context, connect: endpoint, waker: waker, options: options, curve: curve)
    }

    /// Sends `request` and waits at most `seconds` for its reply (replies to earlier requests
    /// that timed out are skipped by their id).
    package func send(_ request: ControlRequest, timeout seconds: Double) throws -> ControlReply {
        lock.lock()
        defer { lock.unlock() }
        let id = (0..<16).map { _ in String(UInt8.random(in: 0...15), radix: 16) }.joined()
        try transport.send(ControlCodec.encode(request, id: id))
        let deadline = monotonicSeconds() + max(seconds, 0)
        while true {
            let left = deadline - monotonicSeconds()
            guard left > 0 else {
                throw ControlClientError(
                    "no reply from \(endpoint) within \(seconds) s: is a coordinator running with --control \(endpoint)"
                        + " (and, with CURVE, does it authorise this key)?")
            }
            for frames in try transport.receive(timeoutMilliseconds: Int32(min(left * 1000, 1000)) + 1, limit: 16) {
                guard let decoded = try? ControlCodec.decodeReply(frames), decoded.id == id else { continue }
                return decoded.reply
            }
        }
    }
}
