import Foundation
import HPOCore
import HPOJournal
import Testing

/// Command trials that fail in each way a real program can, run by real workers.
@Suite(.serialized) struct FailingTrialTests {
    @Test(
        "a failing, a hanging (with a child) and a NaN-printing command are each recorded with their reason and retried"
    )
    func failingCommands() throws {
        let scratch = try Scratch()
        // One trial per behaviour (a grid over `mode`); the hanging one leaves its child's pid in a
        // file. Literal braces are doubled, as in any command template.
        let script = """
            case {mode} in
              ok) echo '{{"step": 1, "loss": 2}}'; echo '{{"loss": 1.5}}' ;;
              fail) echo 'something broke' >&2; exit 3 ;;
              hang) sleep 60 & echo $! > child-{trial}-{attempt}.pid; sleep 60 ;;
              nan) echo '{{"loss": NaN}}' ;;
            esac
            """
        let study = try scratch.write(
            "study.yaml",
            """
            name: failing
            objective: {metric: loss, direction: minimize}
            budget: {trials: 10}
            strategy: grid
            space:
              mode: {type: choice, values: [ok, fail, hang, nan]}
            trial:
              command: ["sh", "-c", \(jsonString(script))]
              timeout: 1s
              retries: 1
              workdir: \(scratch.url.path)
            """)
        let log = scratch.path("results.jsonl")
        let coordinator = try RunningProcess(
            "hpo-coordinator", [study, "--log", log, "--local-workers", "2"], scratch: scratch, label: "coordinator")
        #expect(coordinator.waitForExit(within: 60) == 0, "\(coordinator.stderr)")

        let summary = try LogSummary(path: log)
        func failures(_ mode: String) -> [TrialFailed] { summary.failed.filter { $0.params["mode"] == .string(mode) } }
        #expect(summary.completed.map(\.params["mode"]) == [.string("ok")])
        #expect(summary.completed.first?.objective == 1.5)

        let failed = failures("fail")
        #expect(failed.map(\.attempt) == [1, 2], "retried once, then failed for good")
        #expect(failed.map(\.willRetry) == [true, false])
        #expect(failed.allSatisfy { $0.reason == "exit code 3" && $0.exitCode == 3 })
        #expect(failed.allSatisfy { $0.stderrTail?.contains("something broke") == true })

        let hung = failures("hang")
        #expect(hung.count == 2)
        #expect(hung.allSatisfy { $0.reason.contains("timeout") }, "\(hung.map(\.reason))")
        let pidFiles = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).filter {
            $0.hasPrefix("child-")
        }
        #expect(pidFiles.count == 2)
        for file in pidFiles {
            let text = try String(contentsOfFile: scratch.path(file), encoding: .utf8)
            let pid = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(isGoneOrZombie(pid), "the hanging trial's child \(pid) was killed with its group")
        }

        let nan = failures("nan")
        #expect(nan.count == 2)
        #expect(nan.allSatisfy { $0.reason.contains("NaN") }, "\(nan.map(\.reason))")

        #expect(summary.finished?.completed == 1)
        #expect(summary.finished?.failed == 3)
    }

    /// A killed orphan is reaped by PID 1, which may take a moment: a zombie counts as gone.
    func isGoneOrZombie(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return errno == ESRCH }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? true
    }

    func jsonString(_ text: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
        return String(String(decoding: data ?? Data(), as: UTF8.self).dropFirst().dropLast())
    }
}
