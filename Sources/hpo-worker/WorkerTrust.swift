import Foundation
import HPOZeroMQ

/// Whom a worker may take commands from (docs/security.md). A worker runs whatever command an
/// `assign` names, so whoever answers at `--connect` can run code as the worker's user: beyond
/// loopback that must be a coordinator proven by CURVE (the server key pins it), unless the user
/// says `--insecure`.
enum WorkerTrust {
    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    /// Refuses plain text beyond loopback without `insecure`; warns when `insecure` allows it.
    static func checkTransport(endpoint: String, curve: Bool, insecure: Bool) throws(Refusal) {
        guard !curve, !ZeroMQEndpoint.isLoopback(endpoint) else { return }
        guard insecure else {
            throw Refusal(
                description: """
                    refusing to connect to \(endpoint) in plain text: whoever answers there could run commands \
                    as this user.
                    Use the coordinator's keys:
                      --curve-key secrets/workers/worker.key --server-key secrets/coordinator.pub
                    (see docs/security.md), connect to a coordinator on loopback, or pass --insecure to trust the \
                    network.
                    """)
        }
        FileHandle.standardError.write(
            Data(
                """
                warning: connecting to \(endpoint) WITHOUT encryption or authentication (--insecure): whoever \
                answers there can run commands as this user\n
                """
                .utf8))
    }
}
