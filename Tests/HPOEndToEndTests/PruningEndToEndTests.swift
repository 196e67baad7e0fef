import Foundation
import HPOCore
import HPOJournal
import Testing

/// Early stopping with real processes: the coordinator stops a worker's command trial mid-run.
@Suite(.serialized) struct PruningEndToEndTests {
    @Test(
        """
        under asha, a command trial worse than another at the first rung is stopped mid-run: trial_pruned before \
        its last step, its process gone
        """
    )
    func hopelessTrialStopped() throws {
        let scratch = try Scratch()
        // Two trials (a grid over `mode`), one per worker. `good` reports loss 1 every 0.1 s for
        // 20 steps; `bad` starts 1 s late (so `good` holds rung 1 first), then reports loss 5 every
        // 0.1 s for 60 steps. Each leaves its pid in a file. Literal braces are doubled.
        let script = """
            echo $$ > pid-{mode}.txt
            case {mode} in good) loss=1; steps=20 ;; bad) loss=5; steps=60; sleep 1 ;; esac
            i=1
            while [ $i -le $steps ]; do
              echo "{{\\"step\\": $i, \\"loss\\": $loss}}"
              sleep 0.1
              i=$((i + 1))
            done
            echo "{{\\"loss\\": $loss}}"
            """
        let study = try scratch.write(
            "study.yaml",
            """
            name: pruning
            objective: {metric: loss, direction: minimize}
            budget: {trials: 2}
            strategy: grid
            space:
              mode: {type: choice, values: [good, bad]}
            trial:
              command: ["sh", "-c", \(jsonString(script))]
              retries: 1
              workdir: \(scratch.url.path)
            pruner: {kind: asha, min_resource: 1, reduction_factor: 3}
            """)
        let log = scratch.path("results.jsonl")
        let coordinator = try RunningProcess(
            "hpo-coordinator", [study, "--log", log, "--local-workers", "2"], scratch: scratch, label: "coordinator")
        #expect(coordinator.waitForExit(within: 60) == 0, "\(coordinator.stderr)")

        let summary = try LogSummary(path: log)
        #expect(summary.completed.map(\.params["mode"]) == [.string("good")])
        let pruned = summary.pruned
        #expect(pruned.map(\.params["mode"]) == [.string("bad")])
        let event = try #require(pruned.first)
        let step = try #require(event.step)
        #expect(step >= 1 && step < 60, "stopped mid-run, at step \(step)")
        #expect(event.reason.hasPrefix("asha: loss 5 at step 1 is not the best of the 2 trials"), "\(event.reason)")
        #expect(event.metrics["loss"] == 5 && event.objective == 5)
        // The step bound above already proves it stopped mid-run; this only rules out the 7 s of
        // steps run to the end, with room for a loaded machine.
        #expect(event.durationSeconds < 6.5, "stopped before its 7 s of steps")
        #expect(summary.dispatched.filter { $0.trial == event.trial }.count == 1, "a pruned trial is not retried")
        #expect(summary.failed.isEmpty)
        #expect(summary.finished?.completed == 1 && summary.finished?.failed == 0 && summary.finished?.pruned == 1)

        let text = try String(contentsOfFile: scratch.path("pid-bad.txt"), encoding: .utf8)
        let pid = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(isGoneOrZombie(pid), "the pruned trial's process \(pid) was killed")
        #expect(coordinator.stdout.contains("1 pruned"), "\(coordinator.stdout)")
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

extension LogSummary {
    var pruned: [TrialPruned] { records.compactMap { if case .trialPruned(let e) = $0.event { e } else { nil } } }
}
