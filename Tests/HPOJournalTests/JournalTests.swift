import Foundation
import HPOCore
import HPOJournal
import Testing

@Suite struct JournalTests {
    func temporaryPath() -> String {
        NSTemporaryDirectory() + "journal-\(UUID().uuidString).jsonl"
    }

    let completed = JournalEvent.trialCompleted(
        TrialCompleted(
            trial: TrialID(3), attempt: 1, params: ["lr": .double(0.01), "act": .string("relu")], objective: 0.25,
            metrics: ["val_loss": 0.25, "train_loss": .nan], worker: WorkerID("h:1"), durationSeconds: 1.5))

    @Test("events written in one batch come back in order, with one fsync for the batch")
    func roundTrip() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let writer = try JournalWriter(path: path)
        let events: [JournalEvent] = [
            .workerJoined(WorkerJoined(worker: WorkerID("h:1"), host: "h", pid: 1, slots: 2)),
            .trialDispatched(
                TrialDispatched(trial: TrialID(3), attempt: 1, worker: WorkerID("h:1"), params: ["lr": .double(0.01)])),
            completed
        ]
        try writer.append(events, time: 1000.5)
        #expect(writer.syncCount == 1)
        let contents = try JournalReader.read(path: path)
        #expect(contents.records.map(\.event.name) == ["worker_joined", "trial_dispatched", "trial_completed"])
        #expect(contents.records.allSatisfy { $0.time == 1000.5 })
        guard case .trialCompleted(let back) = contents.records[2].event else {
            Issue.record("not a completion")
            return
        }
        #expect(back.params == ["lr": .double(0.01), "act": .string("relu")])
        #expect(back.metrics["train_loss"]?.isNaN == true)
        #expect(!contents.tornTail)
    }

    @Test("each line is one JSON object starting with event and time, readable line by line")
    func lineFormat() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        try JournalWriter(path: path).append([completed], time: 12.0)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines[0].hasPrefix(#"{"event":"trial_completed","time":12"#))
        let object = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(object?["duration_s"] as? Double == 1.5)
        #expect(object?["trial"] as? Int == 3)
    }

    @Test("a torn last line is skipped on read and cut off before the next append")
    func tornTail() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        try JournalWriter(path: path).append([completed])
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"event":"trial_completed","time":1,"tri"#.utf8))
        try handle.close()

        let torn = try JournalReader.read(path: path)
        #expect(torn.tornTail)
        #expect(torn.records.count == 1)

        try JournalWriter(path: path).append([completed])
        let mended = try JournalReader.read(path: path)
        #expect(mended.records.count == 2)
        #expect(!mended.tornTail)
    }

    @Test("a corrupt line in the middle is an error naming its line number")
    func corruptMiddle() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        try JournalWriter(path: path).append([completed])
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("not json\n".utf8))
        try handle.close()
        try JournalWriter(path: path).append([completed])
        #expect(throws: JournalError.self) { try JournalReader.read(path: path) }
        do {
            _ = try JournalReader.read(path: path)
        } catch {
            #expect("\(error)".contains("\(path):2:"))
        }
    }

    @Test("unknown event kinds from newer writers are skipped, not fatal")
    func unknownEvents() throws {
        let data = Data("{\"event\":\"from_the_future\",\"time\":1}\n".utf8)
        let contents = try JournalReader.parse(data, path: "x")
        #expect(contents.records.isEmpty)
        #expect(contents.unknownEvents == 1)
    }
}
