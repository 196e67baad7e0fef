import HPOWire

/// The bounds of a control request (docs/protocol.md, "Control"). A request outside them is
/// answered with an error and never reaches the study.
package enum ControlLimits {
    /// The whole message, in bytes (the control socket's `maxmsgsize`: a client sending more is
    /// disconnected by libzmq).
    package static let maxMessageBytes = 64 << 10
    /// `origin`: cut to this many UTF-8 bytes.
    package static let maxOriginBytes = 256
    /// `id`: at most this many bytes (the client's choice, echoed in the reply).
    package static let maxIDBytes = 64
    /// `trial` of `stop_trial`: 1...maxTrial.
    package static let maxTrial = WireLimits.maxKeyNumber
    /// `trials` of `add_budget`: 1...maxBudgetIncrease per request.
    package static let maxBudgetIncrease = 1_000_000
    /// Requests served per turn of the coordinator's loop; the rest wait for the next turn.
    package static let maxRequestsPerTurn = 64
}
