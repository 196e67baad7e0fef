import Foundation
import HPOCore
import HPOTrials
import Testing

/// Command trials, run as real child processes.
@Suite struct CommandTrialTests {
    @Test("intermediate reports arrive in order and the final line gives the metrics")
    func reportsThenFinal() async {
        let run = await runTrial(
            shellScript(
                """
                echo 'starting'
                echo '{"step": 1, "loss": 0.9}'
                echo '{"step": 2, "loss": 0.5, "note": "ok"}'
                echo '{"step": 3, "loss": 0.25}'
                echo '{"val_loss": 0.3, "accuracy": 0.91}'
                """
            )
        )
        #expect(run.result.status == .completed)
        #expect(run.result.reason == nil)
        #expect(run.result.exitCode == 0)
        #expect(run.result.metrics == ["val_loss": 0.3, "accuracy": 0.91])
        #expect(run.reports.map(\.step) == [1, 2, 3])
        #expect(run.reports.map { $0.metrics["loss"] } == [0.9, 0.5, 0.25])
    }

    @Test("the simplest trial prints its result as the last line")
    func lastLineJSON() async {
        let run = await runTrial(.command(["/bin/echo", #"{{"val_loss": 0.21}}"#]))
        #expect(run.result.status == .completed)
        #expect(run.result.metrics == ["val_loss": 0.21])
        #expect(run.result.durationSeconds > 0)
    }

    @Test("parameters are substituted into an inline shell command")
    func inlineShell() async {
        let run = await runTrial(
            .command(["sh", "-c", #"echo "{{\"val_loss\": {lr}, \"units\": {units}}}""#]),
            parameters: ["lr": .double(0.125), "units": .int(64)]
        )
        #expect(run.result.status == .completed)
        #expect(run.result.metrics == ["val_loss": 0.125, "units": 64])
    }

    @Test("with the hpo: prefix, other JSON a library prints is ignored")
    func prefixedLines() async {
        let run = await runTrial(
            shellScript(
                """
                echo 'hpo: {"step": 1, "loss": 0.5}'
                echo '{"step": 99, "tokens": 12}'
                echo 'hpo: {"val_loss": 0.4}'
                echo '{"val_loss": 123, "source": "some library"}'
                """
            )
        )
        #expect(run.result.metrics == ["val_loss": 0.4])
        #expect(run.reports == [TrialReport(step: 1, metrics: ["loss": 0.5])])
    }

    @Test("the program is looked up in the PATH the trial's environment gives")
    func pathFromStudyEnvironment() async {
        let directory = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let program = directory + "/my-trainer"
        writeExecutable("#!/bin/sh\necho '{\"val_loss\": 2}'\n", to: program)
        let run = await runTrial(.command(["my-trainer"]), environment: ["PATH": "/nonexistent:" + directory])
        #expect(run.result.status == .completed, "\(run.result)")
        #expect(run.result.metrics == ["val_loss": 2])
    }

    @Test("the child inherits no fds but stdin, stdout and stderr")
    func noInheritedFileDescriptors() async throws {
        // An fd the worker opened without close-on-exec, at a number nothing else uses.
        let opened = open("/dev/null", O_RDONLY)
        let leaked = dup2(opened, 987)
        close(opened)
        defer { close(leaked) }
        try #require(leaked == 987)
        let directory = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let script = directory + "/fds.py"
        try """
        import json, os
        fds = os.listdir("/proc/self/fd")  # 0, 1, 2 and the fd reading the folder
        print(json.dumps({"val_loss": 0, "count": len(fds), "has_987": int("987" in fds)}))
        """.write(toFile: script, atomically: true, encoding: .utf8)
        let run = await runTrial(.command(["python3", script]))
        #expect(run.result.status == .completed)
        #expect(run.result.metrics["has_987"] == 0)
        #expect(run.result.metrics["count"] == 4)
    }

    @Test("without a final line the last report's metrics are the result")
    func lastReportAsResult() async {
        let run = await runTrial(
            shellScript(#"echo '{"step": 1, "val_loss": 2}'; echo '{"step": 2, "val_loss": 1.5}'"#)
        )
        #expect(run.result.status == .completed)
        #expect(run.result.metrics == ["val_loss": 1.5])
    }

    @Test("a non-zero exit fails with the exit code and the end of stderr")
    func exitCode() async {
        let run = await runTrial(
            shellScript(
                """
                echo '{"val_loss": 0.5}'
                echo 'Traceback: something broke' >&2
                echo 'ValueError: bad shape' >&2
                exit 3
                """
            )
        )
        #expect(run.result.status == .failed)
        #expect(run.result.reason == "exit code 3")
        #expect(run.result.exitCode == 3)
        #expect(run.result.stderrTail == "Traceback: something broke\nValueError: bad shape")
    }

    @Test("a failure with nothing on stderr shows the end of stdout instead")
    func stdoutTailFallback() async {
        let run = await runTrial(shellScript("echo 'error: out of memory'; exit 1"))
        #expect(run.result.reason == "exit code 1")
        #expect(run.result.stderrTail == "[stdout]\nerror: out of memory")
    }

    @Test(
        "a process killed by a signal fails naming the signal",
        arguments: [("KILL", "SIGKILL (9)"), ("SEGV", "SIGSEGV (11)")]
    )
    func signal(name: String, described: String) async {
        let run = await runTrial(shellScript("echo 'about to die' >&2; kill -\(name) $$"))
        #expect(run.result.status == .failed)
        #expect(run.result.reason == "killed by signal \(described)")
        #expect(run.result.exitCode == nil)
        #expect(run.result.stderrTail == "about to die")
    }

    @Test("a timeout kills the whole process group, grandchildren too, within seconds")
    func timeoutKillsGroup() async throws {
        let run = await runTrial(
            shellScript(#"sleep 30 & echo "{\"step\": 0, \"pid\": $!}"; sleep 30"#),
            timeout: 1
        )
        #expect(run.result.status == .failed)
        #expect(run.result.reason == "timeout after 1 s")
        #expect(run.result.durationSeconds >= 1)
        #expect(run.result.durationSeconds < 15, "killed at the timeout, not after the 30 s sleep")
        let grandchild = try #require(run.reports.first?.metrics["pid"])
        #expect(processIsGone(Int32(grandchild)))
    }

    @Test("a program that ignores SIGTERM is killed after the grace period")
    func sigkillAfterGrace() async {
        let run = await runTrial(
            shellScript("trap '' TERM; echo '{\"step\": 0}'; while :; do sleep 1; done"),
            timeout: 0.5
        )
        #expect(run.result.reason == "timeout after 0.5 s")
        #expect(run.result.durationSeconds >= 2.5)
        #expect(run.result.durationSeconds < 20, "SIGKILL after the grace, not never")
    }

    @Test("cancellation ends a running command promptly with its reason")
    func cancellation() async {
        let cancellation = TrialCancellation()
        let run = await runTrial(
            shellScript(#"echo '{"step": 1, "loss": 1}'; sleep 30; echo '{"val_loss": 1}'"#),
            cancellation: cancellation
        ) { _ in cancellation.cancel(reason: "worker shutting down") }
        #expect(run.result.status == .failed)
        #expect(run.result.reason == "worker shutting down")
        #expect(run.result.durationSeconds < 15, "cancelled, not after the 30 s sleep")
        #expect(cancellation.reason == "worker shutting down")
    }

    @Test("a grandchild holding the pipes open does not hang a finished trial, and is killed")
    func lingeringGrandchild() async throws {
        let run = await runTrial(shellScript(#"sleep 30 & echo "{\"step\": 0, \"pid\": $!}"; echo '{"val_loss": 1}'"#))
        #expect(run.result.status == .completed)
        #expect(run.result.metrics["val_loss"] == 1)
        #expect(run.result.durationSeconds < 15, "not held for the grandchild's 30 s")
        let grandchild = try #require(run.reports.first?.metrics["pid"])
        #expect(processIsGone(Int32(grandchild)))
    }

    @Test("a missing objective metric fails the trial")
    func missingObjective() async {
        let run = await runTrial(shellScript(#"echo '{"loss": 0.5}'"#))
        #expect(run.result.status == .failed)
        #expect(run.result.reason == "objective metric 'val_loss' missing from the final result")
        #expect(run.result.metrics == ["loss": 0.5])
    }

    @Test(
        "a NaN or infinite objective fails the trial",
        arguments: [
            (#"{"val_loss": NaN, "loss": 1}"#, "is NaN"), (#"{"val_loss": null, "loss": 1}"#, "is NaN"),
            (#"{"val_loss": "NaN", "loss": 1}"#, "is NaN"), (#"{"val_loss": Infinity, "loss": 1}"#, "is infinite")
        ]
    )
    func nonFiniteObjective(line: String, described: String) async {
        let run = await runTrial(shellScript("echo '\(line)'"))
        #expect(run.result.status == .failed)
        #expect(run.result.reason == "objective metric 'val_loss' \(described)")
        #expect(run.result.metrics == ["loss": 1])
    }

    @Test(
        "a program that cannot be found fails with the reason",
        arguments: [
            ("no-such-program-hpo", "cannot run 'no-such-program-hpo': No such file or directory"),
            ("/nonexistent/train", "cannot run '/nonexistent/train': No such file or directory"),
            ("/", "cannot run '/': Permission denied")
        ]
    )
    func notFound(program: String, reason: String) async {
        let run = await runTrial(.command([program, "--lr", "0.1"]))
        #expect(run.result.status == .failed)
        #expect(run.result.reason == reason)
    }

    @Test("an unknown placeholder or a missing working directory fails before anything runs")
    func setupFailures() async {
        let placeholder = await runTrial(.command(["echo", "{nope}"]))
        #expect(placeholder.result.reason == "unknown placeholder '{nope}' in argument '{nope}'")
        let directory = await runTrial(.command(["true"]), workingDirectory: "/nonexistent/dir")
        #expect(directory.result.reason == "working directory '/nonexistent/dir' does not exist")
        let scratch = await runTrial(.command(["true"]), scratchDirectory: "/proc/hpo-no-such-dir/attempt")
        #expect(
            scratch.result.reason?.hasPrefix("cannot create the scratch directory '/proc/hpo-no-such-dir': ") == true
        )
    }

    @Test("the child sees its parameters in the environment and the parameters file, in its working directory")
    func environmentAndParamsFile() async throws {
        let workingDirectory = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(workingDirectory) }
        let scratchBase = temporaryPath()
        let scratch = scratchBase + "/deep/attempt"
        let script = """
            import json, os
            params = json.load(open(os.environ["HPO_PARAMS_FILE"]))
            ok = (params == {"trial": 7, "attempt": 2, "params": {"learning-rate": 0.01, "units": 32, "act": "relu"}}
                  and os.environ["HPO_TRIAL_ID"] == "7" and os.environ["HPO_ATTEMPT"] == "2"
                  and os.environ["HPO_PARAM_LEARNING_RATE"] == "0.01" and os.environ["HPO_PARAM_UNITS"] == "32"
                  and os.environ["HPO_PARAM_ACT"] == "relu" and os.environ["PYTHONUNBUFFERED"] == "1"
                  and os.environ["STUDY_VAR"] == "hello" and "PATH" in os.environ
                  and os.path.dirname(os.environ["HPO_PARAMS_FILE"]) == os.environ["EXPECTED_SCRATCH"]
                  and os.getcwd() == os.path.realpath(os.environ["EXPECTED_CWD"]))
            print(json.dumps({"val_loss": 0.0 if ok else 1.0}))
            """
        let scriptPath = workingDirectory + "/check.py"
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let run = await runTrial(
            .command(["python3", "check.py"]),
            parameters: ["learning-rate": .double(0.01), "units": .int(32), "act": .string("relu")],
            environment: ["STUDY_VAR": "hello", "EXPECTED_SCRATCH": scratch, "EXPECTED_CWD": workingDirectory],
            workingDirectory: workingDirectory,
            scratchDirectory: scratch
        )
        #expect(run.result.status == .completed, "\(run.result)")
        #expect(run.result.metrics["val_loss"] == 0)
        // The runner removed the parameters file and the directories it created.
        #expect(!FileManager.default.fileExists(atPath: scratch))
        #expect(!FileManager.default.fileExists(atPath: scratchBase))
    }

    @Test("far more than a pipe buffer on both stdout and stderr does not deadlock, and lines stay intact")
    func bulkOutput() async {
        let run = await runTrial(
            shellScript(
                """
                pad=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
                pad=$pad$pad
                i=0
                while [ $i -lt 2000 ]; do
                  echo "stderr line $i with some padding to make it longer: $pad" >&2
                  echo "{\\"step\\": $i, \\"loss\\": $i, \\"pad\\": \\"$pad\\"}"
                  i=$((i + 1))
                done
                echo '{"val_loss": 1}'
                """
            )
        )
        #expect(run.result.status == .completed)
        #expect(run.reports.count == 2000)
        #expect(run.reports.map(\.step) == Array(0..<2000))
        let tail = run.result.stderrTail?.split(separator: "\n") ?? []
        #expect(tail.count == 20)
        #expect(tail.last?.hasPrefix("stderr line 1999 with some padding") == true)
        #expect(tail.last?.hasSuffix("xxxx") == true)
    }
}
