import HPOCore

/// Runs one attempt of a trial on the calling thread (a worker's dedicated thread: this blocks).
package enum TrialRunner {
    /// Runs the attempt to its end, blocking the calling thread. `report` is called (on any
    /// thread) for each intermediate report. Never throws and never crashes the process: every
    /// failure is a `TrialResult` with status `.failed` and a reason.
    /// Whether attempts of `program` write checkpoints, so the worker should give them a
    /// checkpoint folder and the `checkpoint` hook of `run`: command trials (their
    /// `{"checkpoint": STEP}` lines) and the built-in trainer (after its epochs).
    package static func checkpoints(_ program: TrialProgram) -> Bool {
        assert(TrialProgram.builtin(MLPTrial.name).checkpoints)
        return program.checkpoints
    }

    /// Runs the attempt; `checkpoint(step)` announces that the attempt's checkpoint folder
    /// holds a whole checkpoint of `step` (the worker takes the folder and uploads it).
    package static func run(
        _ context: TrialContext,
        cancellation: TrialCancellation,
        report: @escaping @Sendable (TrialReport) -> Void,
        checkpoint: (@Sendable (Int) -> Void)? = nil
    ) -> TrialResult {
        switch context.spec.program {
        case .builtin(MLPTrial.name):
            MLPTrial.run(context, cancellation: cancellation, report: report, checkpoint: checkpoint)
        case .builtin(let name):
            BuiltinTrial.run(name, context, cancellation: cancellation)
        case .command(let arguments):
            CommandTrial.run(arguments, context, cancellation: cancellation, report: report, checkpoint: checkpoint)
        }
    }
}

/// A trial that cannot start as configured: a reason a person can act on.
package struct TrialSetupError: Error, Equatable, CustomStringConvertible {
    package var description: String
    package init(description: String) { self.description = description }
}
