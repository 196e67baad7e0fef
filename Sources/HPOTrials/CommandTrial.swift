import Foundation
import HPOCore

/// Runs a `.command(arguments)` trial as a child process: fills in the parameters, starts it,
/// follows its output, and turns how it ended into a `TrialResult`.
enum CommandTrial {
    static func run(
        _ template: [String],
        _ context: TrialContext,
        cancellation: TrialCancellation,
        report: @escaping @Sendable (TrialReport) -> Void,
        checkpoint: (@Sendable (Int) -> Void)? = nil
    ) -> TrialResult {
        let clock = ContinuousClock()
        let start = clock.now
        func failed(_ reason: String) -> TrialResult {
            TrialResult(status: .failed, metrics: [:], reason: reason, durationSeconds: (clock.now - start).seconds)
        }

        let arguments: [String]
        do {
            arguments = try CommandArguments.substitute(
                template,
                parameters: context.parameters,
                trial: context.trial,
                attempt: context.attempt
            )
        } catch {
            return failed(error.description)
        }
        guard let program = arguments.first, !program.isEmpty else { return failed("the command is empty") }
        if let directory = context.spec.workingDirectory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                return failed("working directory '\(directory)' does not exist")
            }
        }

        let scratch: ScratchFiles
        do {
            scratch = try ScratchFiles(
                directory: context.scratchDirectory,
                trial: context.trial,
                attempt: context.attempt,
                parameters: context.parameters
            )
        } catch {
            return failed(error.description)
        }
        defer { scratch.remove() }

        var environment = TrialEnvironment.variables(
            base: ProcessInfo.processInfo.environment,
            spec: context.spec,
            trial: context.trial,
            attempt: context.attempt,
            parameters: context.parameters,
            paramsFile: scratch.paramsFile
        )
        environment.merge(context.workerEnvironment) { _, worker in worker }
        TrialEnvironment.addCheckpointVariables(
            to: &environment, checkpointDirectory: context.checkpointDirectory, resume: context.resume)
        guard let executable = ChildProcess.resolveExecutable(program, searchPath: environment["PATH"]) else {
            return failed(SpawnError(executable: program, cause: Errno(ENOENT)).description)
        }
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(
                executable: executable,
                arguments: arguments,
                environment: environment,
                workingDirectory: context.spec.workingDirectory
            )
        } catch {
            return failed(error.description)
        }

        let supervisor = ChildSupervisor(
            deadline: Duration.studySeconds(context.spec.timeoutSeconds).map { start + $0 },
            cancellation: cancellation
        )
        var collector = TrialOutputCollector()
        let outcome = supervisor.supervise(child) { line in
            if let intermediate = collector.consume(line) {
                report(TrialReport(step: intermediate.step, metrics: intermediate.metrics.filter { $0.value.isFinite }))
            }
            if let step = collector.takeCheckpoint() { checkpoint?(step) }
        }
        return result(
            of: outcome,
            metrics: collector.resultMetrics,
            objective: context.objectiveMetric,
            timeoutSeconds: context.spec.timeoutSeconds,
            durationSeconds: (clock.now - start).seconds
        )
    }

    /// Judges how the child ended. Non-finite metrics are left out of the result (they cannot be
    /// written as JSON); a non-finite objective fails the attempt.
    static func result(
        of outcome: SupervisedOutcome,
        metrics: [String: Double]?,
        objective: String,
        timeoutSeconds: Double?,
        durationSeconds: Double
    ) -> TrialResult {
        var exitCode: Int32?
        if case .exited(let code) = outcome.termination { exitCode = code }
        let reason: String?
        switch (outcome.stopCause, outcome.termination) {
        case (.timeout, _):
            reason = "timeout after \(formatSeconds(timeoutSeconds ?? 0)) s"
        case (.cancelled(let why), _):
            reason = why
        case (nil, .signaled(let signal)):
            reason = "killed by signal \(signalName(signal)) (\(signal))"
        case (nil, .exited(let code)) where code != 0:
            reason = "exit code \(code)"
        case (nil, .exited):
            if let value = metrics?[objective] {
                reason = value.isFinite ? nil : "objective metric '\(objective)' is \(value.isNaN ? "NaN" : "infinite")"
            } else {
                reason = "objective metric '\(objective)' missing from the final result"
            }
        }

        // stderr explains most failures; a program that writes its errors to stdout gets that instead.
        var tail = outcome.stderrTail.text
        if tail.isEmpty, reason != nil, !outcome.stdoutTail.isEmpty { tail = "[stdout]\n" + outcome.stdoutTail.text }
        return TrialResult(
            status: reason == nil ? .completed : .failed,
            metrics: (metrics ?? [:]).filter { $0.value.isFinite },
            reason: reason,
            exitCode: exitCode,
            stderrTail: tail.isEmpty ? nil : tail,
            durationSeconds: durationSeconds
        )
    }
}
