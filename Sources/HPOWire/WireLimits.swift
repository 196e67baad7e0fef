/// The bounds of every field of every `hpo/1` message, in one place (docs/protocol.md, "Limits").
///
/// Both sides apply them when they decode (`WireCodec`): a message out of bounds is dropped and
/// logged (a `hello` is answered with `refuse` and the reason), never a crash, a hang or memory
/// that grows with what a peer claims. Free-text fields (reasons, a stderr tail) are cut to their
/// bound instead, so a long message still arrives, and still reaches the results log bounded.
/// A `result` with a field out of bounds is turned into a `failed` result that says which, so the
/// attempt ends (and is acknowledged) instead of being dropped and resent for ever.
package enum WireLimits {
    /// The JSON body (frame 1) of any message, in bytes. The coordinator's socket also refuses
    /// larger messages (ZeroMQ's `maxmsgsize`, the same figure).
    package static let maxBodyBytes = 4 << 20

    // MARK: hello

    /// `slots` must be in 1...maxSlots.
    package static let maxSlots = 1024
    /// `prefetch` must not be negative; the coordinator serves at most this many queue places
    /// (a larger value is served as this many).
    package static let maxPrefetch = 16
    /// `running` lists the attempts a worker holds: running, queued and finished-but-unacknowledged,
    /// so at most about twice `slots + prefetch`. Accepted up to this many times `slots + prefetch`.
    package static let heldAttemptsPerPlace = 4
    /// Names: a worker's `name`, `host`, `software`; `welcome`'s `worker` and `study`. Not empty
    /// (`name`, `worker`, `study`), and at most this many UTF-8 bytes.
    package static let maxNameBytes = 256

    // MARK: trial keys, reports, results

    /// `trial` and `attempt` of a trial key are in 1...maxKeyNumber.
    package static let maxKeyNumber = Int(Int32.max)
    /// At most this many metrics in a report or a result...
    package static let maxMetrics = 256
    /// ...each named in 1...maxMetricNameBytes UTF-8 bytes (also `objective_metric` of `assign`).
    package static let maxMetricNameBytes = 128
    /// `step` (report, result) is in 0...maxStep.
    package static let maxStep = 1_000_000_000
    /// Seconds (`duration_s`, `slot_idle_s`, `timeout_s`, `sleep_s`): finite, in 0...maxSeconds
    /// (about 31 years).
    package static let maxSeconds = 1e9

    // MARK: free text (cut, not refused)

    /// Reasons (`bye`, `refuse`, `reregister`, `shutdown`, `stop`, a result's `reason`): cut to
    /// this many UTF-8 bytes, the end replaced by a note of how much was cut.
    package static let maxReasonBytes = 1024
    /// The shared checkpoint folder a `welcome` names (an absolute path).
    package static let maxSharedFolderBytes = 4096
    /// A result's `stderr_tail`: its last this many UTF-8 bytes are kept.
    package static let maxStderrTailBytes = 64 << 10

    // MARK: welcome, assign (what a worker accepts)

    /// `heartbeat_ms` is in 1...maxHeartbeatMilliseconds (an hour).
    package static let maxHeartbeatMilliseconds = 3_600_000
    /// `liveness` is in 1...maxLiveness.
    package static let maxLiveness = 1000
    /// `params`: at most this many, each name 1...maxMetricNameBytes bytes, string values at most
    /// `maxParameterStringBytes`, numbers finite.
    package static let maxParameters = 1024
    package static let maxParameterStringBytes = 4096
    /// `spec`: a command of at most this many arguments...
    package static let maxCommandArguments = 4096
    /// ...and environment variables; each argument, variable value and `workdir` at most
    /// `maxArgumentBytes`, each variable name at most `maxNameBytes`.
    package static let maxEnvironment = 1024
    package static let maxArgumentBytes = 64 << 10
    /// `retries` is in 0...maxRetries.
    package static let maxRetries = 1000
}
