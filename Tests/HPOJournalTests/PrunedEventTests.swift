import Foundation
import HPOCore
import HPOJournal
import Testing

@Suite struct PrunedEventTests {
    func temporaryPath() -> String {
        NSTemporaryDirectory() + "journal-\(UUID().uuidString).jsonl"
    }

    @Test("trial_pruned is written with its step, last metrics, objective-so-far and reason, and read back")
    func roundTrip() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let event = TrialPruned(
            trial: TrialID(4), attempt: 1, params: ["lr": .double(0.5)], worker: WorkerID("h:1"), step: 3,
            metrics: ["val_loss": 0.9, "train_loss": 0.8], objective: 0.9,
            reason: "asha: val_loss 0.9 at step 3 is not in the top 1/3", durationSeconds: 2.5)
        let finished = StudyFinished(
            reason: "budget spent", completed: 2, failed: 1, pruned: 5, bestTrial: TrialID(2), bestObjective: 0.1,
            bestParams: ["lr": .double(0.1)])
        try JournalWriter(path: path).append([.trialPruned(event), .studyFinished(finished)], time: 7)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix(#"{"event":"trial_pruned","time":7.0,"attempt":1,"duration_s":2.5,"#))
        let records = try JournalReader.read(path: path).records
        #expect(records.map(\.event) == [.trialPruned(event), .studyFinished(finished)])
    }

    @Test("a study_finished or study_resumed line without pruned (an older log) reads as nil")
    func olderLines() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let lines = [
            #"{"event":"study_finished","time":1,"reason":"budget spent","completed":3,"failed":0,"best_trial":1,"best_objective":0.5,"best_params":{"x":1}}"#,
            #"{"event":"study_resumed","time":2,"study":"s","software":"0.1.0","host":"h","completed":1,"failed":0,"created":2,"queued":[],"awaiting_workers":[2]}"#,
            #"{"event":"trial_pruned","time":3,"trial":2,"attempt":1,"params":{},"worker":"w","metrics":{},"reason":"r","duration_s":0}"#
        ]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        let records = try JournalReader.read(path: path).records
        guard case .studyFinished(let finished) = records[0].event, case .studyResumed(let resumed) = records[1].event,
            case .trialPruned(let pruned) = records[2].event
        else {
            Issue.record("unexpected events: \(records)")
            return
        }
        #expect(finished.pruned == nil && finished.completed == 3)
        #expect(resumed.pruned == nil)
        #expect(pruned.step == nil && pruned.objective == nil)
    }
}
